"""The shipped config of weir watching itself, against real run records, a real Delta table
and real status files in weir's store."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest

from weir.core.runs import record_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.core.tables import Table
from weir.health.service import HealthService
from weir.health.settings import CONFIGS, HealthSettings


def test_weir_watching_itself(settings: Settings) -> None:
    store = Store.from_settings(settings)
    service = HealthService(settings, HealthSettings(), CONFIGS / "weir.yaml", record=False)
    try:
        before = {p.id: p.status.value for p in service.run_round(force=True).processes}
        assert before["mrv_calculate"] == "failed"  # never ran
        assert before["telemetry_landing"] == "healthy"  # nothing landed, nothing piling up
        for system, step in (
            ("telemetry", "run"),
            ("mrv", "ingest"),
            ("mrv", "calculate"),
            ("dac", "publish"),
            ("forecast", "extract"),
            ("health", "round"),
        ):
            with record_run(store, system, step):
                pass
        Table(store, "telemetry/tables/car_telemetry_flattened").append(pa.table({"v": [1]}))
        store.put("dac/public/data/current_snapshot_20261126.csv", b"timestamp,metric,value,unit\n")
        # the seed's inventory file, where `weir forecast extract` writes it
        inventory = {"object_count": 12, "estimated_monthly_storage_usd": 0.42}
        store.put("dashboard/status/inventory_status.json", json.dumps(inventory).encode())
        for number in range(3):
            store.put(f"telemetry/deadletter/bad-{number}.json", b"{}")
        after = service.run_round(force=True)
        statuses = {p.id: p.status.value for p in after.processes}
        statuses.pop("dac_api")  # an HTTP check of a served weir on port 8000
        assert set(statuses.values()) == {"healthy"}, statuses
        checks = {c.id: c.message for p in after.processes for c in p.checks}
        assert checks["telemetry_deadletters"] == "3 files match store:telemetry/deadletter/*"
        assert checks["forecast_inventory_cost"] == "estimated_monthly_storage_usd = 0.42"
        assert checks["mrv_database"] == "answered 1"
    finally:
        service.stop()


@pytest.mark.slow
def test_weir_watching_itself_after_the_demo(weir_site: Any) -> None:
    """After `weir demo`, the shipped weir.yaml finds every system's outputs where they are."""
    import time

    import httpx

    deadline = time.monotonic() + 30
    while True:
        body = httpx.get(f"{weir_site.url}/api/health/v1/status", timeout=10).json()
        statuses = {p["id"]: p["status"] for p in body["data"]["processes"]}
        if "unknown" not in statuses.values() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # dac_api checks a weir served on port 8000; this one listens on a free port
    statuses.pop("dac_api")
    assert statuses == dict.fromkeys(statuses, "healthy"), body["data"]["processes"]
