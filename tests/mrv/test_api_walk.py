"""Every route of ``/api/telemetry`` and ``/api/mrv`` with bad input: 4xx in weir's one error
shape, and nothing internal (paths, SQL, driver names, tracebacks) in the answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.telemetry.fleet import build_fleet
from weir.core.db import make_engine
from weir.core.http import install_error_handlers
from weir.mrv import service
from weir.mrv.api import create_router as mrv_router
from weir.mrv.settings import MrvSettings
from weir.telemetry.api import create_router as telemetry_router

BAD_VALUES = ["x" * 300, "-5", "2025-13-45", "1; DROP TABLE mrv_results --", "", "../../etc/passwd"]
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|/tmp/|weir-home|SELECT|sqlalchemy|psycopg|sqlite|deltalake|"
    r"polars|duckdb|site-packages",
    re.IGNORECASE,
)


@pytest.fixture
def app(tmp_path: Path, tiny_dir: Path) -> FastAPI:
    settings = build_fleet(tmp_path / "weir-home")
    service.migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    service.ingest(engine, tiny_dir, MrvSettings())
    service.calculate(engine, MrvSettings())
    engine.dispose()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(telemetry_router(settings), prefix="/api/telemetry")
    app.include_router(mrv_router(settings), prefix="/api/mrv")
    return app


def check(response_status: int, body: object, text: str) -> None:
    assert response_status in (400, 404, 405, 422), (response_status, text)
    assert isinstance(body, dict)
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "message"]
    assert all(isinstance(v, str) and v for v in body["error"].values())
    assert not LEAKS.search(text.replace("mrv_results", "")), text  # the echoed input aside


def test_every_route_refuses_bad_input_cleanly(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    paths = client.get("/openapi.json").json()["paths"]  # every route, with its parameters
    assert len(paths) == 10
    refused = 0
    for path, operations in paths.items():
        assert list(operations) == ["get"]
        parameters = operations["get"].get("parameters", [])
        url = path.format(vehicle_id="v1")
        response = client.post(url)  # every route is read-only
        check(response.status_code, response.json(), response.text)
        required = {
            p["name"]: "Charge_IsCharging"
            for p in parameters
            if p["in"] == "query" and p.get("required")
        }
        for param in (p for p in parameters if p["in"] == "path"):
            for value in ["x" * 300, "%00", "..%2F..%2Fetc"]:
                response = client.get(path.format(**{param["name"]: value}), params=required)
                check(response.status_code, response.json(), response.text)
                refused += 1
        for param in (p for p in parameters if p["in"] == "query"):
            rejected = 0
            for value in BAD_VALUES:
                response = client.get(url, params={**required, param["name"]: value})
                if response.status_code < 300:
                    continue
                rejected += 1
                check(response.status_code, response.json(), response.text)
            assert rejected, f"{path}?{param['name']}: every bad value was accepted"
            refused += rejected
    assert refused >= 40
