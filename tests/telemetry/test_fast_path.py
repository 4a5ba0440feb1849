"""The inline fast path of flattening gives what the general (reference) path gives, exactly."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.telemetry.known import MS, ndjson, record, signal
from tests.telemetry.landed import landed_sample
from weir.telemetry.pipeline.columns import FileResult
from weir.telemetry.pipeline.flatten import flatten_files

NOW = 1_800_000_000_000_000


def edge_records() -> list[dict[str, Any]]:
    """Records that leave the fast path: every rescue, duplicate and odd value there is."""
    bool_then_text = [signal("Charge", "IsCharging", {"value": "yes"})]
    nested = {"values": [{"row": 0, "isOpen": False}], "unit": None, "deep": {"a": 1}}
    edges = [
        record("x1"),
        record("x2", signals=bool_then_text),
        record("x3", signals=[signal("Charge", "IsCharging", '{"value": tru')]),
        record("x4", signals=[signal("Charge", "IsCharging", {"value": True})] * 2),
        record("x5", signals=[signal("Odometer", "TraveledDistance", {"value": 2**60})]),
        record("x6", signals=[signal("Odometer", "TraveledDistance", {"value": 7})]),
        record("x7", signals=[signal("Closure", "Doors", nested)]),
        record("x8", signals=[signal("Charge", "Rate", "[1, 2]"), signal("Charge", "Max", "3")]),
        record("x9", signals=[signal("Charge", "Rate", '"text body"'), "not a signal", {}]),
        record("x10", signals=[signal("Charge", "Rate", {"value": None, "unit": "kW"})]),
        record(
            "x11", signals=[signal("Charge", "Rate", {"value": 1.0}, meta={"retrievedAt": 2**60})]
        ),
        record(
            "x12", signals=[signal("Charge", "Rate", {"value": 1.0}, meta={"oemUpdatedAt": 1.5})]
        ),
        record(
            "x13", signals=[signal("Charge", "Rate", {"value": 1.0}, meta={"oemUpdatedAt": 2e12})]
        ),
        record("x14", signals=[signal("Charge", "Rate", {"value": 1.0}, meta="late")]),
        record(
            "x15",
            signals=[
                signal("Charge", "Rate", {"value": 1.0, "retrieved_at": 5.0}),
                signal("Charge", "Rate_value", {"value": 2.0}),
            ],
        ),
        record("x16", signals=[signal("charge", "IsCharging", {"value": False})]),
        record("x17", signals=[signal("Charge", "Is Charging", {"value": True})]),
        record("x18", signals=[signal("source", "file", {"value": "mine"})]),
        record("x19", signals=[signal("_order", "key", {"value": "z"})]),
        record("x20", signals=[signal("_rescued", "data", {"value": "z"})]),
        record("x21", signals=[signal("vehicle", "year", {"value": 2020.0})]),
        record(
            "x22",
            signals=[
                signal("Charge", "Rate", status={"value": "ERROR", "error": {"code": "X"}}),
                signal("Charge", "Max", status={"value": "error", "error": "plain"}),
                signal("Charge", "Min", {"value": 1.0}, status={"value": "OK"}),
            ],
        ),
        record("x23", recorded_at="yesterday", extra=1, signals="none"),
        record("x24", recorded_at=5, vehicle={"id": 1, "year": "2020", "color": "red"}, meta=[]),
        record("x25", user={"id": None}, triggers=[{"type": "x"}], _seq=None),
        record("x26", signals=[signal("Charge", "IsCharging", {"value": 1.0})]),
        record("x27", signals=[signal("Charge", "IsCharging", {"value": True}), None]),
    ]
    edges[-1]["meta"]["deliveredAt"] = float(MS)
    return edges


def both(files: list[tuple[str, bytes]]) -> tuple[FileResult, FileResult]:
    fast = flatten_files(files, processed_at=NOW, established={})
    reference = flatten_files(files, processed_at=NOW, established={}, reference=True)
    return fast, reference


def assert_same(fast: FileResult, reference: FileResult) -> None:
    assert fast.table.schema == reference.table.schema
    assert fast.table.to_pylist() == reference.table.to_pylist()
    assert fast.rescues == reference.rescues
    assert (fast.records, fast.tombstones, fast.rescued_rows, fast.rejected) == (
        reference.records,
        reference.tombstones,
        reference.rescued_rows,
        reference.rejected,
    )


def test_every_sample_record_flattens_the_same_on_both_paths() -> None:
    files = landed_sample()
    fast, reference = both(files)
    assert fast.table.num_rows > 1900
    assert fast.rescued_rows > 0
    assert_same(fast, reference)
    for file in files[:5]:
        assert_same(*both([file]))


@pytest.mark.parametrize("index", range(len(edge_records())))
def test_each_edge_record_flattens_the_same_on_both_paths(index: int) -> None:
    item = edge_records()[index]
    fast, reference = both([("f", ndjson(item))])
    assert fast.table.num_rows == 1
    assert_same(fast, reference)


def test_edge_records_together_flatten_the_same_on_both_paths() -> None:
    fast, reference = both([("f", ndjson(*edge_records()))])
    assert_same(fast, reference)
    rescued = [
        orjson.loads(text) if text else {} for text in fast.table["_rescued_data"].to_pylist()
    ]
    assert rescued[1]["Charge_IsCharging"]["reason"] == "str conflicts with bool column"
    for index in (17, 18, 19):  # a signal value for a lineage column is a duplicate
        assert [entry["reason"] for entry in rescued[index].values()] == [
            "duplicate column in record"
        ]
    assert fast.table["source_file"].to_pylist() == ["f"] * len(rescued)
