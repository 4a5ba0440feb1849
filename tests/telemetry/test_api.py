"""``/api/telemetry`` mounted as the root app mounts it: status, columns, latest, history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.telemetry.fleet import VEHICLES, build_fleet
from weir.core.http import install_error_handlers
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry import service
from weir.telemetry.api import create_router
from weir.telemetry.settings import TelemetrySettings

SIGNALS = ["Odometer_TraveledDistance_value", "Charge_IsCharging"]


def client_for(settings: Settings) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(create_router(settings), prefix="/api/telemetry")
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def client(fleet: Settings) -> Iterator[TestClient]:
    with client_for(fleet) as client:
        yield client


def sql(settings: Settings, text: str) -> list[dict[str, Any]]:
    return service.query(Store.from_settings(settings), text)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def test_status_is_the_cli_figures(client: TestClient, fleet: Settings) -> None:
    response = client.get("/api/telemetry/status")
    assert response.status_code == 200
    body = response.json()
    expected = service.status(Store.from_settings(fleet))
    assert (
        body["rows"]
        == expected["rows"]
        == sql(fleet, "select count(*) n from car_telemetry_flattened")[0]["n"]
    )
    assert (body["vehicles"], body["files_pending"]) == (VEHICLES, 0)
    assert {k: v for k, v in body.items() if k != "last_run"} == {
        k: v for k, v in expected.items() if k != "last_run"
    }
    assert body["last_run"]["run_id"] == expected["last_run"]["run_id"]


def test_columns_and_kinds(client: TestClient, fleet: Settings) -> None:
    body = client.get("/api/telemetry/columns").json()
    assert body["table"] == "car_telemetry_flattened"
    by_name = {c["name"]: (c["kind"], c["type"]) for c in body["columns"]}
    assert by_name["event_id"] == ("string", "string")
    assert by_name["recorded_at"] == ("timestamp", "timestamp[us, tz=UTC]")
    assert by_name["vehicle_year"] == ("int64", "int64")
    assert by_name["Charge_IsCharging"] == ("bool", "bool")
    assert by_name["Odometer_TraveledDistance_value"] == ("float64", "double")
    assert len(body["columns"]) == service.status(Store.from_settings(fleet))["columns"]
    latest = client.get("/api/telemetry/columns", params={"table": "vehicle_latest"}).json()
    assert latest["columns"][-1] == {
        "name": "source_table_version",
        "kind": "int64",
        "type": "int64",
    }


def test_latest_of_all_vehicles_paged(client: TestClient, fleet: Settings) -> None:
    expected = sql(
        fleet, f"select vehicle_id, {', '.join(SIGNALS)} from vehicle_latest order by vehicle_id"
    )
    seen: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(
            "/api/telemetry/vehicles/latest",
            params={"column": SIGNALS, "limit": 2, "offset": offset},
        ).json()
        assert (page["total"], page["limit"]) == (VEHICLES, 2)
        seen += page["items"]
        offset = page["next_offset"]
    assert seen == expected
    one = client.get(f"/api/telemetry/vehicles/{expected[3]['vehicle_id']}/latest").json()
    assert (one["total"], one["next_offset"]) == (1, None)
    assert {k: one["items"][0][k] for k in ["vehicle_id", *SIGNALS]} == expected[3]
    assert len(one["items"][0]) == len(
        client.get("/api/telemetry/columns", params={"table": "vehicle_latest"}).json()["columns"]
    )


def test_history_over_a_time_range_paged(client: TestClient, fleet: Settings) -> None:
    vehicle = sql(fleet, "select vehicle_id from vehicle_latest order by vehicle_id")[1][
        "vehicle_id"
    ]
    start, end = "2025-01-15T09:00:00", "2025-01-15T11:00:00+00:00"
    expected = sql(
        fleet,
        f"select event_id, recorded_at, {', '.join(SIGNALS)} from car_telemetry_flattened "
        f"where vehicle_id = '{vehicle}' and recorded_at >= '{start}+00' "
        f"and recorded_at < '{end}' order by recorded_at, _order_key",
    )
    assert len(expected) > 5
    url = f"/api/telemetry/vehicles/{vehicle}/history"
    params: dict[str, Any] = {"column": SIGNALS, "start": start, "end": end, "limit": 5}
    first = client.get(url, params=params).json()
    assert (first["total"], first["next_offset"]) == (len(expected), 5)
    assert first["start"] == "2025-01-15T09:00:00Z"
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(url, params={**params, "offset": offset}).json()
        rows += page["items"]
        offset = page["next_offset"]
    assert rows == [{**row, "recorded_at": iso(row["recorded_at"])} for row in expected]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        (
            "/vehicles/latest?column=Speed",
            400,
            "unknown column 'Speed' in vehicle_latest; the columns are listed by "
            "GET /api/telemetry/columns and `weir telemetry query` (field column)",
        ),
        ("/vehicles/nobody/latest", 404, "no vehicle 'nobody' in vehicle_latest"),
        (
            "/vehicles/nobody/history?column=Charge_IsCharging",
            404,
            "no vehicle 'nobody' in car_telemetry_flattened",
        ),
        ("/vehicles/v/history", 422, "query.column: Field required"),
        (
            "/vehicles/latest?limit=1001",
            422,
            "query.limit: Input should be less than or equal to 1000",
        ),
        (
            "/columns?table=users",
            400,
            "unknown table 'users'; use car_telemetry_flattened or vehicle_latest (field table)",
        ),
    ],
)
def test_bad_parameters(client: TestClient, url: str, status: int, message: str) -> None:
    response = client.get("/api/telemetry" + url)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_history_checks_range_and_columns(client: TestClient, fleet: Settings) -> None:
    vehicle = sql(fleet, "select vehicle_id from vehicle_latest limit 1")[0]["vehicle_id"]
    url = f"/api/telemetry/vehicles/{vehicle}/history"
    backwards = client.get(
        url, params={"column": "Charge_IsCharging", "start": "2025-01-16", "end": "2025-01-15"}
    )
    assert backwards.status_code == 400
    assert backwards.json() == {
        "error": {"code": "bad_input", "message": "start must be before end (field start)"}
    }
    sqlish = client.get(url, params={"column": "1; drop table vehicle_latest"})
    assert sqlish.status_code == 400
    too_many = client.get(url, params={"column": [f"c{i}" for i in range(51)]})
    assert too_many.status_code == 422


def test_empty_home(tmp_path: Path) -> None:
    with client_for(Settings(home=tmp_path / "empty")) as client:
        status = client.get("/api/telemetry/status").json()
        assert (status["rows"], status["table_version"], status["last_run"]) == (0, None, None)
        assert client.get("/api/telemetry/columns").json() == {
            "table": "car_telemetry_flattened",
            "columns": [],
        }
        latest = client.get("/api/telemetry/vehicles/latest").json()
        assert (latest["items"], latest["total"], latest["next_offset"]) == ([], 0, None)
        history = client.get("/api/telemetry/vehicles/v1/history?column=Charge_IsCharging")
        assert history.status_code == 404
        assert "run `weir telemetry replay DIR` and `weir telemetry run`" in history.text


def test_openapi_lists_models_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert paths == {
        "/api/telemetry/status",
        "/api/telemetry/columns",
        "/api/telemetry/vehicles/latest",
        "/api/telemetry/vehicles/{vehicle_id}/latest",
        "/api/telemetry/vehicles/{vehicle_id}/history",
    }
    models = schema["components"]["schemas"]
    for name in ("TelemetryStatus", "ColumnsOut", "LatestPage", "HistoryPage", "ErrorBody"):
        assert name in models
    for name in ("TelemetryStatus", "ColumnsOut", "LatestPage", "HistoryPage"):
        assert models[name]["examples"], name
    for path in paths:
        responses = schema["paths"][path]["get"]["responses"]
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }


def test_mounted_by_the_root_app(fleet: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `weir serve` mounts them once the catalog names them (the lead's merge step)."""
    import dataclasses

    import weir.server
    from weir.catalog import SYSTEMS
    from weir.core.db import discover_version_locations, upgrade

    paths = {"telemetry": "weir.telemetry.api:create_router", "mrv": "weir.mrv.api:create_router"}
    systems = tuple(
        dataclasses.replace(s, api=paths[s.name]) if s.name in paths else s for s in SYSTEMS
    )
    monkeypatch.setattr(weir.server, "SYSTEMS", systems)
    # the health system's history migrates every branch in the background: do it first
    upgrade(fleet.database_url, discover_version_locations())
    with TestClient(weir.server.create_app(fleet, with_ui=False)) as client:
        status = client.get("/api/telemetry/status")
        assert status.status_code == 200
        assert status.json()["vehicles"] == VEHICLES
        mrv = client.get("/api/mrv/results")
        assert mrv.status_code == 200
        assert (mrv.json()["total"], mrv.json()["items"]) == (0, [])  # nothing ingested here
        schema = client.get("/openapi.json").json()
        assert {"/api/telemetry/status", "/api/mrv/totals"} <= set(schema["paths"])
        assert schema["paths"]["/api/mrv/totals"]["get"]["tags"] == ["mrv"]
        names = list(schema["components"]["schemas"])
        assert [name for name in names if name.startswith("weir__")] == []  # no clashes
        landing = client.get("/").text
        assert '<a href="/docs#/telemetry">API</a>' in landing


def test_reads_an_s3_store(s3_settings: Settings, tmp_path: Path) -> None:
    from weir.telemetry.pipeline import job
    from weir.telemetry.pipeline.landing import replay
    from weir.telemetry.sample import generate

    store = Store.from_settings(s3_settings)
    generate(tmp_path / "events", events=150, vehicles=3, seed=3)
    replay(tmp_path / "events", store)
    job.run(store, TelemetrySettings(workers=1))
    with client_for(s3_settings) as client:
        status = client.get("/api/telemetry/status").json()
        assert (status["vehicles"], status["rows"]) == (
            3,
            sql(s3_settings, "select count(*) n from car_telemetry_flattened")[0]["n"],
        )
        latest = client.get("/api/telemetry/vehicles/latest", params={"column": SIGNALS}).json()
        assert latest["items"] == sql(
            s3_settings,
            f"select vehicle_id, {', '.join(SIGNALS)} from vehicle_latest order by vehicle_id",
        )
        vehicle = latest["items"][0]["vehicle_id"]
        history = client.get(
            f"/api/telemetry/vehicles/{vehicle}/history", params={"column": SIGNALS[0]}
        ).json()
        assert (
            history["total"]
            == sql(
                s3_settings,
                f"select count(*) n from car_telemetry_flattened where vehicle_id = '{vehicle}'",
            )[0]["n"]
        )
