"""The points API on SQLite and PostgreSQL: validation, 409, auth, audit, JSON export, Lambda."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import inspect

from weir.core.db import make_engine
from weir.core.http import install_error_handlers
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.api import create_router
from weir.forecast.db import Base
from weir.forecast.models import Points
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.grid import haversine_km
from weir.forecast.settings import ForecastSettings

from .conftest import POINTS

KEY = {"X-API-Key": "s3cret"}
GRID = {"lats": np.arange(70, 59, -1.0).tolist(), "lons": np.arange(-130, -119, 1.0).tolist()}


def _client(settings: Settings, key: str | None = "s3cret") -> TestClient:
    store = Store.from_settings(settings)
    configs.save_points(store, Points.model_validate(POINTS))
    store.put_json("dashboard/config/source_grids.json", {"gefs": GRID, "ecmwf_ifs_ens": GRID})
    app = FastAPI()
    install_error_handlers(app)
    options = ForecastSettings(api_key=SecretStr(key) if key else None)
    app.include_router(create_router(settings, options), prefix="/api/forecast")
    return TestClient(app)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """Settings on SQLite, or on a fresh PostgreSQL database."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        yield settings.model_copy(update={"database_url": url})
    else:
        yield settings


CABIN = {"point_name": "  My   Cabin ", "latitude": 64.3, "longitude": 236.2, "created_by": "owner"}


def test_create_list_update_delete_with_audit_and_export(db_settings: Settings) -> None:
    client = _client(db_settings)
    listed = client.get("/api/forecast/points").json()
    assert [p["id"] for p in listed] == ["a", "b", "c"]  # seeded from the active JSON
    created = client.post("/api/forecast/points", json={**CABIN, "tags": ["cabin"]}, headers=KEY)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["id"], body["name"], body["lat"], body["lon"]) == (
        "my-cabin",
        "My Cabin",
        64.3,
        -123.8,
    )
    assert body["grid"]["gefs"] == {
        "lat": 64.0,
        "lon": -124.0,
        "distance_km": round(haversine_km(64.3, -123.8, 64.0, -124.0), 3),
        "cell": [6, 6],
    }
    assert body["grid"]["gefs"]["distance_km"] == 34.739
    exported = Store.from_settings(db_settings).get_json("dashboard/config/pre_canned_points.json")
    assert [p["id"] for p in exported["points"]] == ["a", "b", "c", "my-cabin"]
    patched = client.patch(
        "/api/forecast/points/my-cabin?actor=ann",
        json={"enabled": False, "tags": ["x", "x"]},
        headers=KEY,
    )
    assert patched.json()["enabled"] is False
    assert patched.json()["tags"] == ["x"]
    assert client.delete("/api/forecast/points/a?actor=ann", headers=KEY).status_code == 204
    assert client.get("/api/forecast/points/a").json() == {
        "error": {"code": "not_found", "message": "no point 'a'"}
    }
    audit = client.get("/api/forecast/audit").json()
    assert [(r["action"], r["point_id"], r["actor"]) for r in audit[:3]] == [
        ("delete", "a", "ann"),
        ("update", "my-cabin", "ann"),
        ("create", "my-cabin", "owner"),
    ]
    assert audit[1]["before"]["enabled"] is True
    assert audit[1]["after"]["enabled"] is False
    assert audit[0]["after"] is None
    exported = Store.from_settings(db_settings).get_json("dashboard/config/pre_canned_points.json")
    assert [(p["id"], p["enabled"]) for p in exported["points"]] == [
        ("b", True),
        ("c", True),
        ("my-cabin", False),
    ]


def test_validation_and_duplicates(db_settings: Settings) -> None:
    client = _client(db_settings)
    post = lambda payload: client.post("/api/forecast/points", json=payload, headers=KEY)  # noqa: E731
    bad_name = post({**CABIN, "point_name": "   "})
    assert bad_name.status_code == 422
    assert bad_name.json()["error"]["message"] == (
        "body.point_name: Value error, must be 1–80 characters after trimming"
    )
    assert "must contain printable" in post({**CABIN, "point_name": "a\x07b"}).text
    assert post({**CABIN, "point_name": "x" * 81}).status_code == 422
    far = post({**CABIN, "latitude": 95})
    assert far.json()["error"]["message"].startswith("body.latitude: Input should be less than")
    outside = post({**CABIN, "latitude": 10.0})
    assert outside.status_code == 400
    assert outside.json()["error"]["message"] == (
        "(10.0, -123.8) is outside every source's domain (field latitude/longitude)"
    )
    same_name = post({**CABIN, "point_name": "alpha"})
    assert same_name.status_code == 409
    assert same_name.json()["error"] == {
        "code": "duplicate_point",
        "message": "a point named 'Alpha' exists already (a)",
    }
    same_cell = post({**CABIN, "point_name": "Near Alpha", "latitude": 64.9, "longitude": -125.2})
    assert same_cell.status_code == 409
    assert "same grid cells as 'Alpha' (a)" in same_cell.json()["error"]["message"]


def test_writes_need_the_api_key(settings: Settings) -> None:
    client = _client(settings)
    assert client.post("/api/forecast/points", json=CABIN).status_code == 401
    wrong = client.post("/api/forecast/points", json=CABIN, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"
    assert client.delete("/api/forecast/points/a").status_code == 401
    assert client.get("/api/forecast/points").status_code == 200  # reads are open
    disabled = _client(settings, key=None).post("/api/forecast/points", json=CABIN, headers=KEY)
    assert disabled.status_code == 403
    assert "set WEIR_FORECAST_API_KEY" in disabled.json()["error"]["message"]


def test_nearest_endpoint(settings: Settings) -> None:
    client = _client(settings)
    found = client.get("/api/forecast/nearest?lat=65.2&lon=234.7").json()
    assert found["sources"]["gefs"]["lat"] == 65.0
    assert found["sources"]["gefs"]["lon"] == -125.0
    assert client.get("/api/forecast/nearest?lat=0&lon=0").json()["sources"] == {}


def test_models_mirror_the_migration(settings: Settings) -> None:
    client = _client(settings)
    client.get("/api/forecast/points")
    found = inspect(make_engine(settings.database_url))
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in found.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}


def test_lambda_handler_serves_an_http_api_event(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEIR_FORECAST_API_KEY", "s3cret")
    store = Store.from_settings(settings)
    configs.save_points(store, Points.model_validate(POINTS))
    from weir.forecast import lambda_handler

    monkeypatch.setattr(lambda_handler, "_handler", None)
    body = orjson.dumps({**CABIN, "point_name": "Lambda Lodge", "latitude": 61.0})
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "POST /api/forecast/points",
        "rawPath": "/api/forecast/points",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-api-key": "s3cret"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "http": {
                "method": "POST",
                "path": "/api/forecast/points",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl",
            },
            "requestId": "r1",
            "routeKey": "POST /api/forecast/points",
            "stage": "$default",
            "time": "26/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795687200000,
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    # Lambda calls the handler on a thread without an event loop; so does this test (the
    # session's Playwright keeps a loop running on the main thread)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(lambda_handler.handler, event, None).result()
    assert response["statusCode"] == 201, response
    assert orjson.loads(response["body"])["id"] == "lambda-lodge"
