"""Rescues stay typed records until written once; unifying decides on their cause, not text."""

from __future__ import annotations

import orjson
import pytest

from tests.telemetry.known import ndjson, record, signal
from tests.telemetry.landed import landed_sample
from weir.telemetry.models import KINDS, kind_of_type, record_schema
from weir.telemetry.pipeline.columns import FileResult, unify
from weir.telemetry.pipeline.flatten import flatten_files
from weir.telemetry.pipeline.rescues import Cause, Rescue, to_text

NOW = 1_800_000_000_000_000


def one(*items: dict, path: str = "f") -> FileResult:
    return flatten_files([(path, ndjson(*items))], processed_at=NOW, established={})


def one_pass(*files: tuple[str, list[dict]]) -> list[dict]:
    """Rows of `files` (path, records) flattened as one batch."""
    batch = [(path, ndjson(*items)) for path, items in files]
    return unify([flatten_files(batch, processed_at=NOW, established={})], {}).to_pylist()


def test_rescues_are_typed_and_written_once_as_the_table_text() -> None:
    item = record(extra=[1], signals=[signal("Charge", "IsCharging", '{"value": tru')])
    item["vehicle"]["year"] = "2023"
    result = one(item)
    assert result.rescues == {
        0: {
            "extra": Rescue("extra", [1], "unknown field", Cause.UNKNOWN_FIELD),
            "vehicle_year": Rescue(
                "vehicle_year", "2023", "str does not fit int64 column", Cause.WRONG_TYPE
            ),
            "Charge_IsCharging": Rescue(
                "Charge_IsCharging", '{"value": tru', "body is not valid JSON", Cause.BAD_JSON
            ),
        }
    }
    text = result.table.column("_rescued_data").to_pylist()[0]
    assert text == to_text(result.rescues[0])
    assert text == (
        '{"Charge_IsCharging":{"raw":"{\\"value\\": tru","reason":"body is not valid JSON"},'
        '"extra":{"raw":[1],"reason":"unknown field"},'
        '"vehicle_year":{"raw":"2023","reason":"str does not fit int64 column"}}'
    )
    assert result.rescued_rows == 1


def test_a_conflict_is_rescued_for_the_runs_kind_not_the_batchs() -> None:
    first = one(record("e1", signals=[signal("Charge", "Rate", {"value": 1.5})]), path="a")
    flag = record("e2", signals=[signal("Charge", "Rate", {"value": True})])
    text = record("e3", signals=[signal("Charge", "Rate", {"value": "fast"})])
    later = one(flag, text, path="b")
    assert later.rescues[1]["Charge_Rate"].reason == "str conflicts with bool column"  # alone
    table = unify([first, later], {})
    single = one_pass(
        ("a", [record("e1", signals=[signal("Charge", "Rate", {"value": 1.5})])]),
        ("b", [flag, text]),
    )
    assert table.to_pylist() == single
    assert table.column("_rescued_data").to_pylist() == [
        None,
        '{"Charge_Rate":{"raw":true,"reason":"bool conflicts with float64 column"}}',
        '{"Charge_Rate":{"raw":"fast","reason":"str conflicts with float64 column"}}',
    ]
    assert later.rescued_rows == 2


def test_a_name_refused_in_a_batch_returns_when_the_run_has_that_spelling() -> None:
    lower = record("e1", signals=[signal("charge", "Rate", {"value": 1.0})])
    upper = record("e2", signals=[signal("Charge", "Rate", {"value": 2.0})])
    again = record("e3", signals=[signal("charge", "Rate", {"value": 3.0})])
    first, later = one(lower, path="a"), one(upper, again, path="b")
    assert later.rescues[1]["charge_Rate"].cause is Cause.NAME_REFUSED  # alone: Charge_ first
    table = unify([first, later], {})
    assert table.to_pylist() == one_pass(("a", [lower]), ("b", [upper, again]))
    assert table.column("charge_Rate").to_pylist() == [1.0, None, 3.0]
    assert "Charge_Rate" not in table.column_names
    assert orjson.loads(table.column("_rescued_data")[1].as_py())["Charge_Rate"] == {
        "raw": 2.0,
        "reason": "column name clashes with charge_Rate (Delta column names are case-insensitive)",
    }


def test_a_refused_timestamp_column_is_rescued_as_epoch_micros_as_in_one_pass() -> None:
    lower = record("e1", signals=[signal("charge", "Rate", {"value": 1.0})])
    upper = record("e2", signals=[signal("Charge", "Rate", {"value": 2.0})])
    table = unify([one(lower, path="a"), one(upper, path="b")], {})
    assert table.to_pylist() == one_pass(("a", [lower]), ("b", [upper]))
    rescued = orjson.loads(table.column("_rescued_data")[1].as_py())
    assert rescued["Charge_Rate_retrieved_at"]["raw"] == 1736935200000 * 1000


def test_a_batch_shipped_without_its_rescues_is_refused_not_rewritten() -> None:
    first = one(record("e1", signals=[signal("Charge", "IsCharging", {"value": "x"})]), path="a")
    on = record("e3", signals=[signal("Charge", "IsCharging", {"value": "on"})])
    later = one(record("e2"), on, path="b")
    assert later.rescued_rows == 1
    later.rescues = {}
    with pytest.raises(ValueError, match=r"batch b: FileResult\.rescues do not match its table"):
        unify([first, later], {})


@pytest.mark.parametrize("size", [1, 3, 7])
def test_the_sample_flattened_apart_equals_one_pass(size: int) -> None:
    files = landed_sample()
    whole = unify([flatten_files(files, processed_at=NOW, established={})], {})
    parts = [
        flatten_files(files[start : start + size], processed_at=NOW, established={})
        for start in range(0, len(files), size)
    ]
    apart = unify(parts, {})
    assert apart.schema == whole.schema
    assert apart.to_pylist() == whole.to_pylist()
    rescued = len(whole) - whole.column("_rescued_data").null_count
    assert rescued > 0
    assert sum(part.rescued_rows for part in parts) == rescued


def test_one_table_of_kinds() -> None:
    assert set(KINDS) == {"bool", "int64", "float64", "string", "timestamp"}
    for field in record_schema():
        assert KINDS[kind_of_type(field.type)].arrow == field.type
    assert KINDS["timestamp"].python is int
