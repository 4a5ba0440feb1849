"""Every QA/QC check with a negative case (clean data) and a positive case (messy data)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from tests.mrv.conftest import write_xlsx
from tests.mrv.test_pipeline_db import EXPECTED_QA
from weir.mrv import service
from weir.mrv.settings import MrvSettings

MESSY_EXTRA = {
    (1, "encoding", "warning"),
    (1, "parse", "error"),
    (1, "duplicate", "error"),
    (3, "foreign_key", "error"),
    (3, "flow_consistency", "warning"),
    (3, "range", "error"),
    (3, "schema", "error"),
    (2, "required_field", "error"),
}


def found(engine: Engine) -> Counter[tuple[int, str, str]]:
    return Counter((f["level"], f["check"], f["severity"]) for f in service.findings(engine))


def test_clean_data_has_no_findings(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings
) -> None:
    service.ingest(engine, tiny_dir, mrv_settings)
    service.calculate(engine, mrv_settings)
    findings = found(engine)
    # the notes row under the Plant A table is the only thing not loaded, and it is recorded
    assert findings == Counter({(1, "row_skipped", "info"): 1})
    for key in set(EXPECTED_QA) | MESSY_EXTRA:
        if key != (1, "row_skipped", "info"):
            assert findings[key] == 0, key


def test_messy_data_triggers_each_check(
    engine: Engine, tmp_path: Path, mrv_settings: MrvSettings
) -> None:
    root = tmp_path / "messy"
    (root / "lab").mkdir(parents=True)
    lines = [
        "sample_id,plant_id,location,parameter,value,unit,sample_date,notes",
        "S1,PLANT_A,upstream,calcium,40.0,mg/L,2025-04-01,Ca für Zulauf",
        "S2,PLANT_A,downstream,calcium,50.0,mg/L,2025-04-01,",
        "S3,PLANT_A,downstream,calcium,51.0,mg/L,2025-04-01,re-run",
        "S4,PLANT_A,upstream,calcium,-2,mg/L,2025-04-02,",
        "S5,PLANT_A,downstream,calcium,n/a,mg/L,2025-04-02,",
        "S6,PLANT_A,sideways,calcium,45.0,mg/L,2025-04-02,",
    ]
    (root / "lab" / "calcium.csv").write_bytes("\n".join(lines).encode("cp1252"))
    (root / "sensors").mkdir()
    (root / "sensors" / "ph_X9.csv").write_text(
        "timestamp,sensor_id,ph\n2025-04-01 00:00:00,X9,7.0\n", encoding="utf-8"
    )
    write_xlsx(
        root / "ops/plant_a/a.xlsx",
        [
            ["Date", "Effluent Flow (MGD)", "Max Effluent Flow (MGD)", "Min Effluent Flow (MGD)"],
            [dt.date(2025, 4, 1), 3.0, 2.0, 1.0],
            [dt.date(2025, 4, 2), "broken", 2.0, 1.0],
            [None, 2.5, 3.0, 1.0],
        ],
    )
    service.ingest(engine, root, mrv_settings)
    service.calculate(engine, mrv_settings)
    findings = found(engine)
    assert {k: findings[k] for k in MESSY_EXTRA} == {
        (1, "encoding", "warning"): 1,
        (1, "parse", "error"): 2,
        (1, "duplicate", "error"): 1,
        (3, "foreign_key", "error"): 1,
        (3, "flow_consistency", "warning"): 1,
        (3, "range", "error"): 1,
        (3, "schema", "error"): 1,
        (2, "required_field", "error"): 1,
    }
    by_check = {f["check"]: f for f in service.findings(engine)}
    schema, required = by_check["schema"], by_check["required_field"]
    assert (schema["file"], schema["row"], schema["column"], schema["message"]) == (
        "lab/calcium.csv",
        7,
        "location",
        "location sideways fails isin(['upstream', 'downstream'])",
    )
    assert (required["file"], required["row"], required["column"], required["message"]) == (
        "ops/plant_a/a.xlsx",
        4,
        "date",
        "date None fails not_nullable",
    )
    parse = [f for f in service.findings(engine) if f["check"] == "parse"]
    assert sorted((f["file"], f["row"], f["column"]) for f in parse) == [
        ("lab/calcium.csv", 6, "value"),
        ("ops/plant_a/a.xlsx", 3, "eff_flow_actual_mgd"),
    ]
    # 2025-04-01: conflicting downstream duplicate rejected, first row used; 04-02 no Ca pair
    rows = service.results(engine)
    assert [(r["date"].isoformat(), r["quality_flag"], r["ca_delta_mg_l"]) for r in rows] == [
        ("2025-04-01", "VALID", 10.0),
        ("2025-04-02", "INVALID_FLOW", None),
    ]
