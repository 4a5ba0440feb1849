"""The job: merge, dedup and order, schema evolution, rescued data, ledger, archive, status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest

from tests.telemetry.known import MS, ndjson, record, signal, stream_record
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry import service
from weir.telemetry.pipeline import job, tables
from weir.telemetry.pipeline.landing import land, replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

NOW = datetime(2025, 1, 16, 0, 0, tzinfo=UTC)
RESCUED_YES = '{"Charge_IsCharging":{"raw":"yes","reason":"str conflicts with bool column"}}'


def land_batch(store: Store, *records: dict[str, Any]) -> str:
    result = land({"Records": list(records)}, store, now=NOW)
    assert result.path is not None
    return result.path


def run(store: Store, settings: Settings, **options: Any) -> job.RunSummary:
    return job.run(store, TelemetrySettings(workers=1), now=NOW, **options)


def rows(store: Store, *columns: str) -> list[dict[str, Any]]:
    table = tables.flattened(store).to_arrow(list(columns) or None)
    return sorted(table.to_pylist(), key=lambda row: row["event_id"])


def vehicle(event_id: str, vehicle_id: str, minute: int, signals: list[dict[str, Any]]) -> dict:
    item = record(event_id, signals=signals, recorded_at=f"2025-01-15 10:{minute:02d}:00")
    item["vehicle"]["id"] = vehicle_id
    return item


@pytest.fixture(params=["file", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[Settings, Store]:
    settings = request.getfixturevalue("settings" if request.param == "file" else "s3_settings")
    return settings, Store.from_settings(settings)


def test_run_merges_archives_and_reports(backend: tuple[Settings, Store]) -> None:
    settings, store = backend
    odometer = signal("Odometer", "TraveledDistance", {"value": 100.5, "unit": "km"})
    doors = signal("Closure", "Doors", {"values": [{"row": 0, "column": 0, "isOpen": True}]})
    newer = signal("Odometer", "TraveledDistance", {"value": 101.25, "unit": "km"})
    first = land_batch(
        store,
        stream_record("10", item=vehicle("e1", "v1", 0, [odometer, doors])),
        stream_record("11", item=vehicle("e2", "v1", 5, [newer])),
    )
    second = land_batch(
        store,
        stream_record("12", item=vehicle("e3", "v2", 10, [odometer])),
        stream_record("13", "REMOVE", item=record("e0")),
    )
    summary = run(store, settings)
    assert (summary.files, summary.records, summary.tombstones) == (2, 4, 1)
    assert (summary.rows_in, summary.inserted, summary.updated, summary.archived) == (3, 3, 0, 2)
    assert summary.table_version == 0
    assert rows(store, "event_id", "vehicle_id", "Odometer_TraveledDistance_value") == [
        {"event_id": "e1", "vehicle_id": "v1", "Odometer_TraveledDistance_value": 100.5},
        {"event_id": "e2", "vehicle_id": "v1", "Odometer_TraveledDistance_value": 101.25},
        {"event_id": "e3", "vehicle_id": "v2", "Odometer_TraveledDistance_value": 100.5},
    ]
    assert list(store.list("telemetry/raw")) == []
    assert [m.path for m in store.list("telemetry/archive")] == [
        first.replace("raw", "archive"),
        second.replace("raw", "archive"),
    ]
    latest = tables.latest(store).to_arrow().to_pylist()
    assert [
        (r["vehicle_id"], r["event_id"], r["Odometer_TraveledDistance_value"],
         r["Closure_Doors_values"], r["source_table_version"])
        for r in latest
    ] == [
        ("v1", "e2", 101.25, '[{"row":0,"column":0,"isOpen":true}]', 0),
        ("v2", "e3", 100.5, None, 0),
    ]  # fmt: skip
    state = service.status(store)
    assert {k: v for k, v in state.items() if k != "last_run"} == {
        "table": "car_telemetry_flattened",
        "table_version": 0,
        "rows": 3,
        "columns": 28,  # 21 fixed + 4 odometer + 3 doors
        "vehicles": 2,
        "files_pending": 0,
        "files_processed": 2,
        "rescued_rows": 0,
        "dead_lettered": 0,
    }
    assert state["last_run"]["run_id"] == summary.run_id
    assert (state["last_run"]["files"], state["last_run"]["rows_merged"]) == (2, 3)
    again = run(store, settings)
    assert (again.files, again.rows_in, again.table_version) == (0, 0, None)
    assert service.query(store, "select count(*) as n from car_telemetry_flattened") == [{"n": 3}]


def test_retries_and_out_of_order_newest_wins(settings: Settings, file_store: Store) -> None:
    store = file_store
    original = record("e1")
    retry = record("e1", meta={**original["meta"], "deliveryId": "d2", "deliveredAt": MS + 60_000})
    stale = record("e1", meta={**original["meta"], "deliveryId": "d0", "deliveredAt": MS + 1_000})
    twin_a = record("e5", meta={**original["meta"], "deliveryId": "a", "deliveredAt": MS + 5_000})
    twin_b = record("e5", meta={**original["meta"], "deliveryId": "b", "deliveredAt": MS + 9_000})
    land_batch(store, stream_record("1", item=original))
    land_batch(store, stream_record("2", item=twin_b), stream_record("3", item=twin_a))
    first = run(store, settings)
    assert (first.rows_in, first.inserted, first.updated) == (3, 2, 0)
    land_batch(store, stream_record("4", "MODIFY", item=retry))
    second = run(store, settings)
    assert (second.inserted, second.updated) == (0, 1)
    land_batch(store, stream_record("5", "MODIFY", item=stale))
    third = run(store, settings)
    assert (third.inserted, third.updated) == (0, 0)
    assert rows(store, "event_id", "meta_delivery_id") == [
        {"event_id": "e1", "meta_delivery_id": "d2"},
        {"event_id": "e5", "meta_delivery_id": "b"},
    ]
    later = record("e1", recorded_at="2025-01-15 11:00:00")
    later["meta"]["deliveryId"] = "d3"
    later["meta"]["deliveredAt"] = MS  # delivered earlier, but recorded later: it wins
    land_batch(store, stream_record("6", "MODIFY", item=later))
    assert run(store, settings).updated == 1
    assert rows(store, "event_id", "meta_delivery_id")[0]["meta_delivery_id"] == "d3"


def test_same_recorded_at_newer_oem_time_wins(settings: Settings, file_store: Store) -> None:
    def version(delivery: str, oem_ms: int, delivered_ms: int, charging: bool) -> dict[str, Any]:
        body = signal("Charge", "IsCharging", {"value": charging})
        body["meta"] = {"retrievedAt": MS, "oemUpdatedAt": oem_ms}
        item = record("e1", signals=[body])
        item["meta"].update(deliveryId=delivery, deliveredAt=delivered_ms)
        return item

    newer_oem = version("fresh", MS - 1_000, MS + 1_000, True)
    older_oem = version("stale", MS - 50_000, MS + 90_000, False)  # delivered later, older data
    land_batch(file_store, stream_record("1", item=newer_oem))
    land_batch(file_store, stream_record("2", "MODIFY", item=older_oem))
    summary = run(file_store, settings)
    assert (summary.rows_in, summary.inserted, summary.updated) == (2, 1, 0)
    assert rows(file_store, "event_id", "meta_delivery_id", "Charge_IsCharging") == [
        {"event_id": "e1", "meta_delivery_id": "fresh", "Charge_IsCharging": True}
    ]


def test_schema_evolution_and_rescued_conflicts(settings: Settings, file_store: Store) -> None:
    store = file_store
    land_batch(
        store,
        stream_record(
            "1", item=record("e1", signals=[signal("Charge", "IsCharging", {"value": True})])
        ),
    )
    run(store, settings)
    battery = signal("TractionBattery", "StateOfCharge", {"value": 80.5, "unit": "percent"})
    conflict = signal("Charge", "IsCharging", {"value": "yes"})
    land_batch(
        store,
        stream_record("2", item=record("e2", signals=[battery])),
        stream_record("3", item=record("e3", signals=[conflict])),
    )
    summary = run(store, settings)
    assert (summary.table_version, summary.rescued_rows) == (1, 1)
    schema = tables.schema(tables.flattened(store))
    assert schema is not None
    assert schema.field("Charge_IsCharging").type == pa.bool_()
    assert schema.field("TractionBattery_StateOfCharge_value").type == pa.float64()
    assert schema.field("TractionBattery_StateOfCharge_unit").type == pa.string()
    got = rows(
        store,
        "event_id",
        "Charge_IsCharging",
        "TractionBattery_StateOfCharge_value",
        "_rescued_data",
    )
    assert got == [
        {"event_id": "e1", "Charge_IsCharging": True, "TractionBattery_StateOfCharge_value": None,
         "_rescued_data": None},
        {"event_id": "e2", "Charge_IsCharging": None, "TractionBattery_StateOfCharge_value": 80.5,
         "_rescued_data": None},
        {"event_id": "e3", "Charge_IsCharging": None, "TractionBattery_StateOfCharge_value": None,
         "_rescued_data": RESCUED_YES},
    ]  # fmt: skip
    assert service.status(store)["rescued_rows"] == 1


def test_rejected_lines_are_dead_lettered_with_file_and_row(
    settings: Settings, file_store: Store
) -> None:
    path = "telemetry/raw/2025/01/15/10/manual.ndjson"
    file_store.put(path, ndjson(record("e1")) + b"{oops\n" + orjson.dumps({"x": 1}) + b"\n")
    summary = run(file_store, settings)
    assert (summary.rows_in, summary.rejected) == (1, 2)
    entry = orjson.loads(
        file_store.get("telemetry/deadletter/rejected/2025/01/15/10/manual.ndjson.json")
    )
    assert entry["file"] == path
    assert [(r["row"], r["field"]) for r in entry["rejected"]] == [(2, None), (3, "event_id")]
    assert entry["rejected"][0]["reason"].startswith("not valid JSON")
    assert service.status(file_store)["dead_lettered"] == 2


def test_chunks_bound_files_and_bytes() -> None:
    from weir.core.storage import ObjectMeta

    metas = [ObjectMeta(f"f{i}", size, NOW) for i, size in enumerate([5, 5, 5, 20, 1, 1])]
    sizes = [[m.size for m in chunk] for chunk in job.chunks(metas, max_files=3, max_bytes=12)]
    assert sizes == [[5, 5], [5], [20], [1, 1]]


def test_vehicle_latest_stays_exact(settings: Settings, file_store: Store) -> None:
    from weir.telemetry.pipeline import latest

    def charging(event_id: str, vehicle_id: str, minute: int, value: bool | None) -> dict:
        signals = [signal("Odometer", "TraveledDistance", {"value": 100.0 + minute})]
        if value is not None:
            signals.append(signal("Charge", "IsCharging", {"value": value}))
        return vehicle(event_id, vehicle_id, minute, signals)

    def expected() -> list[dict[str, Any]]:
        full = latest.compute(tables.flattened(file_store).to_arrow(), 0)
        return sorted(full.drop_columns(["source_table_version"]).to_pylist(), key=str)

    def stored() -> list[dict[str, Any]]:
        rows = tables.latest(file_store).to_arrow().drop_columns(["source_table_version"])
        return sorted(rows.to_pylist(), key=str)

    steps = [
        [charging("a1", "A", 10, True), charging("b1", "B", 10, False)],
        [charging("a2", "A", 20, False), charging("b2", "B", 20, True)],
        [charging("b0", "B", 5, False)],  # a late row for B, older than its latest
        [charging("a2", "A", 25, None)],  # a new version of a2 without the charge signal
    ]
    for seq, records in enumerate(steps, start=1):
        land_batch(file_store, *(stream_record(f"{seq}{i}", item=r) for i, r in enumerate(records)))
        run(file_store, settings)
        assert stored() == expected()
    by_vehicle = {r["vehicle_id"]: r for r in stored()}
    assert by_vehicle["A"]["Charge_IsCharging"] is True  # a1's: a2's new version dropped it
    assert by_vehicle["B"]["Charge_IsCharging"] is True  # b2's: the late b0 is older
    assert by_vehicle["A"]["Odometer_TraveledDistance"] == 125.0
    assert by_vehicle["B"]["Odometer_TraveledDistance"] == 120.0


def test_vehicle_latest_over_many_chunks_equals_a_full_recompute(
    settings: Settings, file_store: Store, tmp_path: Path
) -> None:
    from weir.telemetry.pipeline import latest

    def stored() -> list[dict[str, Any]]:
        rows = tables.latest(file_store).to_arrow().drop_columns(["source_table_version"])
        return sorted(rows.to_pylist(), key=lambda row: row["vehicle_id"])

    def expected() -> list[dict[str, Any]]:
        full = latest.compute(tables.flattened(file_store).to_arrow(), 0)
        rows = full.drop_columns(["source_table_version"]).to_pylist()
        return sorted(rows, key=lambda row: row["vehicle_id"])

    # sample events: retries, out-of-order and late rows, removes, rescued values
    for seed in (5, 6):
        generate(tmp_path / f"events{seed}", events=500, vehicles=6, seed=seed)
        replay(tmp_path / f"events{seed}", file_store, now=NOW)
        summary = job.run(file_store, TelemetrySettings(workers=1, chunk_files=2), now=NOW)
        assert summary.chunks > 2
        assert stored() == expected()
    # the newest row, without most signals: the vehicle keeps its stored values of them
    before = stored()[0]
    odometer = signal("Odometer", "TraveledDistance", {"value": 1.5})
    newest = record("newest", signals=[odometer], recorded_at="2026-12-31 00:00:00")
    newest["vehicle"]["id"] = before["vehicle_id"]
    land_batch(file_store, stream_record("9", item=newest))
    run(file_store, settings)
    after = stored()[0]
    assert stored() == expected()
    assert (after["event_id"], after["Odometer_TraveledDistance"]) == ("newest", 1.5)
    kept = [
        name for name, value in before.items() if value is not None and name.startswith("Charge_")
    ]
    assert kept
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}


def test_a_late_row_newer_than_a_columns_source_updates_vehicle_latest(
    settings: Settings, file_store: Store
) -> None:
    def row(event_id: str, minute: int, charging: bool | None) -> dict[str, Any]:
        signals = [signal("Odometer", "TraveledDistance", {"value": float(minute)})]
        if charging is not None:
            signals.append(signal("Charge", "IsCharging", {"value": charging}))
        return vehicle(event_id, "X", minute, signals)

    land_batch(file_store, stream_record("1", item=row("x10", 10, True)))
    land_batch(file_store, stream_record("2", item=row("x20", 20, None)))
    run(file_store, settings)
    land_batch(file_store, stream_record("3", item=row("x15", 15, False)))  # late, but newer
    run(file_store, settings)  # than x10, where the stored IsCharging comes from
    (stored,) = tables.latest(file_store).to_arrow().to_pylist()
    assert (stored["event_id"], stored["Odometer_TraveledDistance"]) == ("x20", 20.0)
    assert stored["Charge_IsCharging"] is False
