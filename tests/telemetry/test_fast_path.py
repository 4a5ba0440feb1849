"""The fast paths of flattening (native and Python) give what the general path gives, exactly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.telemetry.known import MS, ndjson, record, signal
from tests.telemetry.landed import landed_sample
from weir.telemetry.models import Kind
from weir.telemetry.pipeline import flatten
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


def both(
    files: list[tuple[str, bytes]], established: Mapping[str, Kind] | None = None
) -> tuple[FileResult, FileResult]:
    """The native fast path's result and the reference path's, once the Python fast path is
    checked equal to the reference path too."""
    kinds = established or {}
    native = flatten_files(files, processed_at=NOW, established=kinds, native=True)
    python = flatten_files(files, processed_at=NOW, established=kinds, native=False)
    reference = flatten_files(files, processed_at=NOW, established=kinds, reference=True)
    assert_same(python, reference)
    return native, reference


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


def test_the_native_path_is_built_and_chosen_by_default() -> None:
    """The dev install (``make install``) compiles it: a missing extension fails CI here."""
    from weir.telemetry.pipeline import _native

    assert _native.__file__.endswith(".so")
    assert flatten.native_record() is _native.record


def test_weir_telemetry_native_off_travels_with_the_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Read where the engine is built and handed to each batch (workers included: a fork
    server started before the variable changed would not see it)."""
    from weir.core.storage import Store
    from weir.telemetry.pipeline.engines import LocalEngine
    from weir.telemetry.settings import TelemetrySettings

    def never() -> None:
        raise AssertionError("the native path was looked up")

    store = Store.from_url(f"file://{tmp_path}")
    for name in ("a", "b"):
        store.put(f"raw/{name}.ndjson", ndjson(record(name)))
    monkeypatch.setenv("WEIR_TELEMETRY_NATIVE", "0")
    monkeypatch.setattr(flatten, "native_record", never)
    with LocalEngine(TelemetrySettings(workers=1)) as engine:
        assert engine.native is False
        results = engine.flatten(
            store, ["raw/a.ndjson", "raw/b.ndjson"], processed_at=NOW, established={}
        )
    assert [r.table.column("event_id").to_pylist() for r in results] == [["a", "b"]]


def test_native_true_raises_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flatten, "native_record", lambda: None)
    file = [("f", ndjson(record("a")))]
    assert flatten_files(file, processed_at=NOW, established={}).table.num_rows == 1
    with pytest.raises(RuntimeError, match="native flatten extension is not built"):
        flatten_files(file, processed_at=NOW, established={}, native=True)


_NAMES = st.sampled_from(["Rate", "rate", "IsOn", "Doors", "Max", "source", "Odd name"])
_GROUPS = st.sampled_from(["Charge", "charge", "Closure", "meta", "_order", ""])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 7, 2**53, 2**53 + 1, -(2**63), 2**63]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=2),
    st.dictionaries(st.text(max_size=3), _SCALARS, max_size=2),
)
_TIMES = st.one_of(
    st.none(),
    st.sampled_from([MS, float(MS), 1.5, -62_135_596_800_001, 2**64, "1", True]),
    st.integers(),
)
_BODIES = st.one_of(
    st.dictionaries(st.sampled_from(["value", "unit", "retrieved_at", "x"]), _VALUES, max_size=3),
    _VALUES,
    st.sampled_from(['{"value": tru', "", "3", '"text"', "[1, 2]"]),
)
_SIGNALS = st.builds(
    lambda group, name, body, retrieved, oem, status: {
        "group": group,
        "name": name,
        "body": body if isinstance(body, str) else json.dumps(body),
        "meta": {"retrievedAt": retrieved, "oemUpdatedAt": oem},
        **({"status": status} if status is not None else {}),
    },
    _GROUPS,
    _NAMES,
    _BODIES,
    _TIMES,
    _TIMES,
    st.one_of(st.none(), st.sampled_from([{"value": "ERROR", "error": {"c": 1}}, {"value": "ok"}])),
)
_RECORDS = st.builds(
    lambda index, signals, extra: record(f"h{index}", signals=signals, **extra),
    st.integers(0, 3),
    st.lists(st.one_of(_SIGNALS, st.sampled_from([None, "x", {}])), max_size=6),
    st.fixed_dictionaries(
        {},
        optional={
            "recorded_at": st.sampled_from(["2025-01-15T10:00:00+02:00", "not a time", 5]),
            "vehicle": st.sampled_from([{"id": "v", "year": 2**70}, {"year": 2020.0}, "car"]),
            "meta": st.sampled_from([{"deliveredAt": 1.0}, {"signalCount": True}, {}]),
            "_seq": st.sampled_from([None, 7, "12"]),
        },
    ),
)


_ESTABLISHED = st.dictionaries(
    st.sampled_from(
        [
            "Charge_Rate",
            "Charge_Rate_unit",
            "Charge_Rate_retrieved_at",
            "charge_rate",
            "Closure_Max",
        ]
    ),
    st.sampled_from(["string", "float64", "bool", "int64", "timestamp"]),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_RECORDS, min_size=1, max_size=5), _ESTABLISHED)
def test_generated_records_flatten_the_same_on_every_path(
    records: list[dict[str, Any]], established: dict[str, Kind]
) -> None:
    """Odd values in every place (kinds, ranges, names, duplicates, the table's kinds)."""
    lines = "".join(json.dumps(item) + "\n" for item in records)  # orjson refuses big ints
    assert_same(*both([("f", lines.encode())], established))
