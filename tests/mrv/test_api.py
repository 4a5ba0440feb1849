"""``/api/mrv`` mounted as the root app mounts it, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from weir.core.db import make_engine
from weir.core.http import install_error_handlers
from weir.core.settings import Settings
from weir.mrv import service
from weir.mrv.api import create_router
from weir.mrv.settings import MrvSettings


def client_for(settings: Settings) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(create_router(settings), prefix="/api/mrv")
    return TestClient(app, raise_server_exceptions=False)


def jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Service rows as the API writes them (dates and times in ISO 8601)."""
    return [
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows
    ]


def walk(client: TestClient, url: str, params: dict[str, Any], limit: int) -> list[Any]:
    items: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(url, params={**params, "limit": limit, "offset": offset}).json()
        items += page["items"]
        offset = page["next_offset"]
    return items


@pytest.fixture
def loaded(
    settings: Settings, db_url: str, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    loaded = Settings()
    service.migrate(loaded.database_url)
    engine = make_engine(loaded.database_url)
    service.ingest(engine, sample_dir, MrvSettings())
    service.calculate(engine, MrvSettings())
    engine.dispose()
    return loaded


def test_every_route_on_the_sample(loaded: Settings) -> None:
    engine = make_engine(loaded.database_url)
    with client_for(loaded) as client:
        first = client.get("/api/mrv/results", params={"limit": 10}).json()
        assert (first["total"], first["limit"], first["next_offset"]) == (244, 10, 10)
        everything = walk(client, "/api/mrv/results", {}, 100)
        assert everything == jsonable(service.results(engine))

        params = {"plant": "plant_b", "from": "2025-05-01", "to": "2025-05-31", "flag": "valid"}
        may_b = walk(client, "/api/mrv/results", params, 7)
        assert len(may_b) == 31
        assert {(r["plant_id"], r["quality_flag"]) for r in may_b} == {("PLANT_B", "VALID")}
        invalid = client.get("/api/mrv/results", params={"flag": ["INVALID", "INVALID_FLOW"]})
        assert invalid.json()["total"] == 6

        totals = client.get("/api/mrv/totals").json()["items"]
        assert [
            (
                t["plant_id"],
                t["days"],
                t["days_valid"],
                round(t["co2_t"], 4),
                round(t["conservative_t"], 4),
                t["conservative_percentile"],
            )
            for t in totals
        ] == [
            ("PLANT_A", 122, 85, 13.4001, 13.0338, 16.0),
            ("PLANT_B", 122, 119, 20.3678, 19.5496, 16.0),
        ]
        monthly = client.get("/api/mrv/totals", params={"plant": "PLANT_A", "by_month": True})
        assert [t["period"] for t in monthly.json()["items"]] == [
            "2025-04",
            "2025-05",
            "2025-06",
            "2025-07",
        ]
        assert round(sum(t["co2_t"] for t in monthly.json()["items"]), 9) == round(
            totals[0]["co2_t"], 9
        )

        findings = walk(client, "/api/mrv/qa/findings", {}, 100)
        assert findings == jsonable(service.findings(engine))
        level2 = client.get("/api/mrv/qa/findings", params={"level": 2, "limit": 1}).json()
        assert level2["total"] == sum(1 for f in findings if f["level"] == 2)
        counts = client.get("/api/mrv/qa/counts").json()
        assert sum(c["count"] for c in counts) == len(findings)

        runs = walk(client, "/api/mrv/runs", {}, 5)
        assert len(runs) == 12
        assert runs == jsonable(service.runs(engine))
        assert [r["id"] for r in runs] == list(range(12, 0, -1))
    engine.dispose()


def test_fresh_database_says_what_to_run(settings: Settings) -> None:
    with client_for(settings) as client:
        response = client.get("/api/mrv/results")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "no MRV tables yet: run `weir db upgrade` or `weir mrv ingest DIR` first",
        }
    }


def test_unreachable_database_is_503_without_internals(settings: Settings) -> None:
    from tests.fixtures.net import free_port

    url = f"postgresql://weir:secret@127.0.0.1:{free_port()}/weir"
    with client_for(Settings(database_url=url)) as client:
        response = client.get("/api/mrv/totals")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "database_unavailable", "message": "database unreachable"}
    }


def test_openapi_lists_models_with_examples(settings: Settings) -> None:
    with client_for(settings) as client:
        schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        f"/api/mrv/{name}" for name in ("results", "totals", "qa/findings", "qa/counts", "runs")
    }
    models = schema["components"]["schemas"]
    for name in ("ResultsPage", "Total", "Finding", "IngestionRun"):
        assert models[name]["examples"], name
    assert models["Total"]["properties"]["conservative_t"]["type"] == "number"
    for path, operations in schema["paths"].items():
        responses = operations["get"]["responses"]
        for status in ("400", "404", "422", "503"):
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }, (path, status)
