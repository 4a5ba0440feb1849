"""The flattening rules, with exact column names and values."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pyarrow as pa

from tests.telemetry.known import MS, ndjson, record, signal
from weir.telemetry.models import TIMESTAMP, record_schema
from weir.telemetry.pipeline.columns import unify
from weir.telemetry.pipeline.flatten import flatten_lines, flatten_record

T0 = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
NOW = 1_800_000_000_000_000


def flat(item: dict, established: dict | None = None) -> dict:
    result = flatten_lines(
        ndjson(item), source_file="f.ndjson", processed_at=NOW, established=established or {}
    )
    assert result.table.num_rows == 1
    return result.table.to_pylist()[0]


def test_seed_example_columns() -> None:
    row = flat(record())
    assert row["event_id"] == "abc-123"
    assert row["recorded_at"] == T0
    assert row["Charge_IsCharging"] is True
    assert row["Odometer_TraveledDistance_value"] == 12345.67
    assert row["Odometer_TraveledDistance_unit"] == "km"
    assert row["Location_PreciseLocation_latitude"] == 51.5014
    assert row["Location_PreciseLocation_longitude"] == -0.1419
    assert row["Location_PreciseLocation_heading"] == 87.0
    assert row["Closure_Doors_values"] == '[{"row":0,"column":0,"isOpen":false}]'
    assert row["Charge_IsCharging_retrieved_at"] == T0
    assert row["Charge_IsCharging_oem_updated_at"] == datetime(2025, 1, 15, 9, 59, tzinfo=UTC)
    assert row["vehicle_year"] == 2023
    assert row["meta_signal_count"] == 4
    assert row["meta_delivered_at"] == datetime(2025, 1, 15, 10, 0, 1, 500000, tzinfo=UTC)
    assert row["user_id"] == "test-user-123"
    assert row["source_file"] == "f.ndjson"
    assert row["_rescued_data"] is None
    assert row["_order_key"] == (
        f"{MS * 1000:020d}|{(MS - 60_000) * 1000:020d}|{(MS + 1500) * 1000:020d}|{'100':0>40}"
    )


def test_column_names_and_types() -> None:
    result = flatten_lines(ndjson(record()), source_file="f", processed_at=NOW, established={})
    schema = result.table.schema
    assert schema.names[:21] == record_schema().names
    signal_columns = schema.names[21:]
    assert signal_columns == [
        "Charge_IsCharging",
        "Charge_IsCharging_oem_updated_at",
        "Charge_IsCharging_retrieved_at",
        "Closure_Doors_oem_updated_at",
        "Closure_Doors_retrieved_at",
        "Closure_Doors_values",
        "Location_PreciseLocation_heading",
        "Location_PreciseLocation_latitude",
        "Location_PreciseLocation_longitude",
        "Location_PreciseLocation_oem_updated_at",
        "Location_PreciseLocation_retrieved_at",
        "Odometer_TraveledDistance_oem_updated_at",
        "Odometer_TraveledDistance_retrieved_at",
        "Odometer_TraveledDistance_unit",
        "Odometer_TraveledDistance_value",
    ]
    assert schema.field("Charge_IsCharging").type == pa.bool_()
    assert schema.field("Location_PreciseLocation_heading").type == pa.float64()
    assert schema.field("Closure_Doors_values").type == pa.string()
    assert schema.field("Closure_Doors_retrieved_at").type == TIMESTAMP
    assert schema.field("vehicle_year").type == pa.int64()


def test_error_signal_without_body() -> None:
    error = {"type": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"}
    item = record(
        signals=[signal("Charge", "ChargeRate", status={"value": "ERROR", "error": error})]
    )
    row = flat(item)
    assert row["Charge_ChargeRate_error"] == '{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}'
    assert row["Charge_ChargeRate_retrieved_at"] == T0
    assert "Charge_ChargeRate" not in row


def test_invalid_body_is_rescued_not_dropped() -> None:
    item = record(signals=[signal("Charge", "IsCharging", '{"value": tru')])
    row = flat(item)
    assert "Charge_IsCharging" not in row
    assert orjson.loads(row["_rescued_data"]) == {
        "Charge_IsCharging": {"raw": '{"value": tru', "reason": "body is not valid JSON"}
    }


def test_type_conflict_with_established_column_is_rescued() -> None:
    item = record(signals=[signal("Charge", "IsCharging", {"value": "yes"})])
    row = flat(item, established={"Charge_IsCharging": "bool"})
    assert row["Charge_IsCharging"] is None
    assert orjson.loads(row["_rescued_data"]) == {
        "Charge_IsCharging": {"raw": "yes", "reason": "str conflicts with bool column"}
    }


def test_conflict_within_a_file_first_value_wins() -> None:
    first = record("e1")
    second = record("e2", signals=[signal("Charge", "IsCharging", {"value": 1})])
    result = flatten_lines(ndjson(first, second), source_file="f", processed_at=NOW, established={})
    rows = result.table.to_pylist()
    assert [r["Charge_IsCharging"] for r in rows] == [True, None]
    assert orjson.loads(rows[1]["_rescued_data"]) == {
        "Charge_IsCharging": {"raw": 1.0, "reason": "float conflicts with bool column"}
    }
    assert result.rescued_rows == 1


def test_conflict_across_files_first_value_wins_as_in_one_pass() -> None:
    one = flatten_lines(ndjson(record("e1")), source_file="a", processed_at=NOW, established={})
    on = record("e2", signals=[signal("Charge", "IsCharging", {"value": "on"})])
    off = record("e3", signals=[signal("Charge", "IsCharging", {"value": False})])
    two = flatten_lines(ndjson(on, off), source_file="b", processed_at=NOW, established={})
    assert two.table.schema.field("Charge_IsCharging").type == pa.string()  # file-local view
    table = unify([one, two], {})
    assert table.schema.field("Charge_IsCharging").type == pa.bool_()
    rows = table.to_pylist()
    assert [r["Charge_IsCharging"] for r in rows] == [True, None, False]
    assert [r["_rescued_data"] for r in rows] == [
        None,
        '{"Charge_IsCharging":{"raw":"on","reason":"str conflicts with bool column"}}',
        None,
    ]
    assert two.rescued_rows == 1
    single = flatten_lines(
        ndjson(record("e1"), on, off), source_file="b", processed_at=NOW, established={}
    ).table
    assert single.select(["Charge_IsCharging", "_rescued_data"]) == table.select(
        ["Charge_IsCharging", "_rescued_data"]
    )


def test_record_column_of_wrong_type_is_rescued() -> None:
    item = record(vehicle={"id": "v1", "make": "Tesla", "model": "Model 3", "year": "2023"})
    row = flat(item)
    assert row["vehicle_year"] is None
    assert orjson.loads(row["_rescued_data"]) == {
        "vehicle_year": {"raw": "2023", "reason": "str does not fit int64 column"}
    }


def test_unknown_fields_and_duplicate_signals_are_rescued() -> None:
    item = record(extra="x", signals=[signal("Charge", "IsCharging", {"value": True})] * 2)
    item["vehicle"]["color"] = "red"
    row = flat(item)
    rescued = orjson.loads(row["_rescued_data"])
    assert sorted(rescued) == ["extra", "signals[1]", "vehicle.color"]
    assert rescued["signals[1]"]["reason"] == "duplicate signal Charge_IsCharging"
    assert rescued["vehicle.color"] == {"raw": "red", "reason": "unknown field"}


def test_iso_recorded_at_and_tombstones_and_rejections() -> None:
    iso = record("e1", recorded_at="2025-01-15T10:00:00Z")
    tomb = {"event_id": "e0", "_op": "REMOVE", "_seq": "5"}
    data = ndjson(iso, tomb) + b"{not json\n" + orjson.dumps({"no": "id"}) + b"\n"
    result = flatten_lines(data, source_file="raw/x.ndjson", processed_at=NOW, established={})
    assert result.table.num_rows == 1
    assert result.table.column("recorded_at").to_pylist() == [T0]
    assert (result.records, result.tombstones) == (4, 1)
    assert [(r["file"], r["row"], r["field"]) for r in result.rejected] == [
        ("raw/x.ndjson", 3, None),
        ("raw/x.ndjson", 4, "event_id"),
    ]
    assert result.rejected[1]["reason"] == "record has no string event_id"


def test_flatten_record_is_pure() -> None:
    item = record()
    before = orjson.dumps(item)
    one = flatten_record(item, source_file="s", processed_at=1)
    two = flatten_record(item, source_file="s", processed_at=1)
    assert one == two
    assert orjson.dumps(item) == before
    assert one["Charge_IsCharging_retrieved_at"] == MS * 1000


def test_big_integer_in_body_is_rescued() -> None:
    item = record(signals=[signal("Odometer", "TraveledDistance", {"value": 2**60, "unit": "km"})])
    row = flat(item)
    assert row["Odometer_TraveledDistance_unit"] == "km"
    assert "Odometer_TraveledDistance_value" not in row
    assert orjson.loads(row["_rescued_data"])["Odometer_TraveledDistance_value"]["raw"] == 2**60


def test_batching_files_does_not_change_the_result() -> None:
    from weir.telemetry.pipeline.flatten import flatten_files

    files = [
        ("a", ndjson(record("e1", signals=[signal("Charge", "IsCharging", {"value": "on"})]))),
        ("b", ndjson(record("e2"), record("e3", signals=[signal("Charge", "Rate", {"value": 1})]))),
        ("c", ndjson(record("e4", signals=[signal("Charge", "Rate", {"value": "fast"})]))),
    ]
    one = unify([flatten_files(files, processed_at=NOW, established={})], {})
    apart = unify([flatten_files([file], processed_at=NOW, established={}) for file in files], {})
    pairs = unify(
        [
            flatten_files(files[:1], processed_at=NOW, established={}),
            flatten_files(files[1:], processed_at=NOW, established={}),
        ],
        {},
    )
    assert one.to_pylist() == apart.to_pylist() == pairs.to_pylist()
    assert one.schema.field("Charge_IsCharging").type == pa.string()  # "on" came first
    assert [r["Charge_Rate"] for r in one.to_pylist()] == [None, None, 1.0, None]


def test_out_of_range_numbers_are_rescued_not_fatal() -> None:
    item = record(
        signals=[signal("Charge", "IsCharging", {"value": True}, meta={"retrievedAt": 2**60})]
    )
    item["vehicle"]["year"] = 2**64 - 1
    item["meta"]["deliveredAt"] = 2**60
    row = flat(item)
    assert (row["vehicle_year"], row["meta_delivered_at"]) == (None, None)
    assert "Charge_IsCharging_retrieved_at" not in row
    time_reason = "timestamp must be epoch milliseconds between years 1 and 9999"
    assert orjson.loads(row["_rescued_data"]) == {
        "vehicle_year": {"raw": 2**64 - 1, "reason": "integer outside the int64 range"},
        "meta_delivered_at": {"raw": 2**60, "reason": time_reason},
        "Charge_IsCharging_retrieved_at": {"raw": 2**60, "reason": time_reason},
    }


def test_names_delta_cannot_hold_are_rescued() -> None:
    lower = record("e2", signals=[signal("charge", "IsCharging", {"value": False})])
    spaced = record("e3", signals=[signal("Charge", "Is Charging", {"value": True})])
    result = flatten_lines(ndjson(lower, spaced), source_file="f", processed_at=NOW,
                           established={"Charge_IsCharging": "bool"})  # fmt: skip
    rows = result.table.to_pylist()
    assert "charge_IsCharging" not in result.table.column_names
    assert "Charge_Is Charging" not in result.table.column_names
    assert orjson.loads(rows[0]["_rescued_data"]) == {
        "charge_IsCharging": {
            "raw": False,
            "reason": "column name clashes with Charge_IsCharging "
            "(Delta column names are case-insensitive)",
        }
    }
    assert orjson.loads(rows[1]["_rescued_data"])["Charge_Is Charging"]["reason"] == (
        "column name holds a character Delta forbids in names ( ,;{}()=, tab, newline)"
    )


def test_case_clash_across_files_first_spelling_wins() -> None:
    one = flatten_lines(ndjson(record("e1")), source_file="a", processed_at=NOW, established={})
    other = record("e2", signals=[signal("charge", "ISCHARGING", {"value": False})])
    two = flatten_lines(ndjson(other), source_file="b", processed_at=NOW, established={})
    assert "charge_ISCHARGING" in two.table.column_names  # file-local view
    table = unify([one, two], {})
    assert "charge_ISCHARGING" not in table.column_names
    rescued = table.column("_rescued_data").to_pylist()
    assert rescued[0] is None
    assert orjson.loads(rescued[1])["charge_ISCHARGING"]["raw"] is False
    assert two.rescued_rows == 1
