"""The rule table and the flag type: complete, exact, and in step with revision mrv_0004."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from weir.mrv import rules
from weir.mrv.rules import RULES, Check, Flag, FlagCode, QaLevel, QualityFlag, Severity, flag


def _migration() -> ModuleType:
    path = Path(rules.__file__).parent / "migrations" / "versions" / "mrv_0004_flag_codes.py"
    spec = importlib.util.spec_from_file_location("mrv_0004_flag_codes", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_flag_and_every_non_valid_day_has_one_rule() -> None:
    assert set(RULES) == set(FlagCode) | (set(QualityFlag) - {QualityFlag.VALID})
    assert RULES[FlagCode.SPIKE] == (QaLevel.SCHEMA, Check.RANGE, Severity.ERROR, "ph")
    assert RULES[QualityFlag.INVALID] == (4, "ca_delta", "warning", "quality_flag")


def test_flags_take_the_rule_column_unless_given() -> None:
    assert flag(FlagCode.SPIKE) == Flag(FlagCode.SPIKE, "ph")
    assert flag(FlagCode.UNPARSEABLE, "date") == Flag(FlagCode.UNPARSEABLE, "date")
    assert flag(FlagCode.SHORT_ROW) == Flag(FlagCode.SHORT_ROW, None)


def test_stored_form_and_labels() -> None:
    missing_flow = Flag(FlagCode.MISSING, "eff_flow_actual_mgd")
    assert missing_flow.to_json() == {"code": "missing", "column": "eff_flow_actual_mgd"}
    assert Flag.from_json({"code": "missing", "column": "eff_flow_actual_mgd"}) == missing_flow
    assert [
        f.label for f in (missing_flow, Flag(FlagCode.UNPARSEABLE, "value"), flag(FlagCode.SPIKE))
    ] == [
        "missing_effluent_flow",
        "unparseable_value",
        "spike",
    ]
    with pytest.raises(ValueError, match="'bogus' is not a valid FlagCode"):
        Flag.from_json({"code": "bogus", "column": None})


@pytest.mark.parametrize("code", list(FlagCode))
def test_the_migration_names_every_code_as_the_label_does(code: FlagCode) -> None:
    migration = _migration()
    per_column = {FlagCode.UNPARSEABLE, FlagCode.MISSING, FlagCode.OUT_OF_RANGE, FlagCode.INVALID}
    column = RULES[code].column or ("value" if code in per_column else None)
    stored = Flag(code, column)
    name = migration.name_of(stored.to_json(), None)
    cross_file = code in (FlagCode.CROSS_FILE_DUPLICATE, FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE)
    assert name == (stored.label.replace("cross_file_", "") if cross_file else stored.label)
    reason = "cross-file duplicate of a.csv:2" if cross_file else None
    assert migration.code_of(name, reason) == stored.to_json()


def test_every_quality_flag_has_one_distinct_colour_on_the_chart() -> None:
    from weir.mrv.ui.charts import co2_chart

    assert list(rules.FLAG_COLOURS) == list(QualityFlag)
    assert len(set(rules.FLAG_COLOURS.values())) == len(QualityFlag)
    row = {"date": dt.date(2024, 3, 1), "plant_id": "P1", "co2_t_per_day": 1.5}
    scale = co2_chart([{**row, "quality_flag": "VALID"}]).to_dict()["layer"][1]["encoding"]
    assert scale["color"]["scale"] == {
        "domain": ["VALID", "INVALID", "NO_OPS_DATA", "INVALID_FLOW", "MISSING_CA_READINGS"],
        "range": ["#2e7d32", "#c62828", "#9e9e9e", "#ef6c00", "#6a1b9a"],
    }
