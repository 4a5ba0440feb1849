"""One bad row or file never stops an ingest: rows are rejected with every reason, files fail
alone; decimal commas and below-detection values are read and used conservatively."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.mrv.conftest import write_calcium
from weir.mrv import service
from weir.mrv.models import IngestionRun, LabReading
from weir.mrv.pipeline.step1_ingest import ingest as ingest_module
from weir.mrv.pipeline.step1_ingest.parsers import common
from weir.mrv.pipeline.step1_ingest.sources import lab as ingest_lab
from weir.mrv.pipeline.step1_ingest.sources import ph as ingest_ph
from weir.mrv.pipeline.step3_calculate.formula import co2_t_per_day
from weir.mrv.rules import Flag, FlagCode
from weir.mrv.settings import MrvSettings


def lab_row(
    engine: Engine, file: str, row: int
) -> tuple[str, str | None, list[Flag], float | None]:
    with Session(engine) as session:
        reading = session.scalars(
            select(LabReading).where(LabReading.source_file == file, LabReading.source_row == row)
        ).one()
        return reading.status, reading.reject_reason, reading.flags, reading.value


def test_unparseable_below_detection_value_rejects_only_its_row(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings
) -> None:
    path = tiny_dir / "lab" / "calcium.csv"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("S5,PLANT_A,upstream,calcium,<n.d.,mg/L,2025-04-03\n")
    report, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status, f.rows_loaded, f.rows_rejected) for f in report.files] == [
        ("lab/calcium.csv", "loaded", 4, 1),
        ("ops/plant_a/a.xlsx", "loaded", 2, 0),
    ]
    assert lab_row(engine, "lab/calcium.csv", 6) == (
        "rejected",
        "lab/calcium.csv row 6, column 'value': not a number: '<n.d.'",
        [Flag(FlagCode.UNPARSEABLE, "value")],
        None,
    )
    parse = [f for f in service.findings(engine) if f["check"] == "parse"]
    assert [
        (f["level"], f["severity"], f["file"], f["row"], f["column"], f["message"]) for f in parse
    ] == [
        (
            1,
            "error",
            "lab/calcium.csv",
            6,
            "value",
            "lab/calcium.csv row 6, column 'value': not a number: '<n.d.'",
        )
    ]


def test_short_ph_row_is_rejected_and_kept(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings
) -> None:
    (tiny_dir / "sensors").mkdir()
    (tiny_dir / "sensors" / "ph_PHA1.csv").write_text(
        "timestamp,sensor_id,ph\n2025-04-01 00:00:00,PHA1,7.1\n2025-04-01 00:01:00\n",
        encoding="utf-8",
    )
    report, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status, f.rows_loaded, f.rows_rejected) for f in report.files] == [
        ("lab/calcium.csv", "loaded", 4, 0),
        ("sensors/ph_PHA1.csv", "loaded", 1, 1),
        ("ops/plant_a/a.xlsx", "loaded", 2, 0),
    ]
    assert lab_row(engine, "sensors/ph_PHA1.csv", 3) == (
        "rejected",
        "sensors/ph_PHA1.csv row 3: 1 of 3 columns (row too short); "
        "sensors/ph_PHA1.csv row 3, column ph: ph is missing",
        [Flag(FlagCode.SHORT_ROW), Flag(FlagCode.MISSING, "value")],
        None,
    )
    rows = [f for f in service.findings(engine) if f["file"] == "sensors/ph_PHA1.csv"]
    assert [(f["level"], f["check"], f["row"], f["column"]) for f in rows] == [
        (1, "parse", 3, None),
        (2, "required_field", 3, "value"),
    ]


def test_unreadable_file_fails_alone(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite runs as root, for whom chmod 000 does not stop reads: raise what open() would.
    real = common.sha256_file

    def sha(path: Path) -> str:
        if path.name == "a.xlsx":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(ingest_module, "sha256_file", sha)
    report, qa = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status, f.message) for f in report.files] == [
        ("lab/calcium.csv", "loaded", ""),
        ("ops/plant_a/a.xlsx", "failed", "cannot read file: Permission denied"),
    ]
    assert qa["L1/error"] == 1
    again, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [f.status for f in again.files] == ["unchanged", "failed"]
    with Session(engine) as session:
        runs = session.execute(select(IngestionRun.file, IngestionRun.status)).all()
    assert sorted(tuple(r) for r in runs) == [
        ("lab/calcium.csv", "loaded"),
        ("ops/plant_a/a.xlsx", "failed"),
    ]


def test_unexpected_parser_error_fails_that_file_only(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, display: str, settings: MrvSettings) -> Any:
        raise RuntimeError("boom")

    sources = [(s, g, broken if s == "lab" else p, m) for s, g, p, m in ingest_module.SOURCES]
    monkeypatch.setattr(ingest_module, "SOURCES", tuple(sources))
    report, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status, f.message) for f in report.files] == [
        ("lab/calcium.csv", "failed", "unexpected error while reading: RuntimeError: boom"),
        ("ops/plant_a/a.xlsx", "loaded", ""),
    ]
    with Session(engine) as session:
        assert session.scalars(select(LabReading)).all() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,5", 0.5),
        ("12,75", 12.75),
        ("0,500", 0.5),
        ("1,234", 1234.0),
        ("1,234.5", 1234.5),
        ("12,345,678.25", 12345678.25),
        ("-3,5", -3.5),
    ],
)
def test_decimal_comma_and_thousands(text: str, expected: float) -> None:
    assert common.parse_number(text) == expected


@pytest.mark.parametrize("text", ["1,2,3", "1,23.4", ",5", "1.234,5"])
def test_ambiguous_commas_are_not_numbers(text: str) -> None:
    with pytest.raises(ValueError, match=f"not a number: '{text}'"):
        common.parse_number(text)


def test_below_detection_parsing(tmp_path: Path) -> None:
    assert common.parse_censored("<0,5") == (0.5, True)
    assert common.parse_censored(" < 0.5 ") == (0.5, True)
    assert common.parse_censored("48.2") == (48.2, False)
    path = write_calcium(
        tmp_path / "c.csv",
        [
            ["S1", "PLANT_A", "upstream", "calcium", "<0,5", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "<0.002", "g/L", "2025-04-01"],
        ],
    )
    parsed = ingest_lab.parse(path, "c.csv", MrvSettings())
    assert [(r["value"], r["flags"], r["meta"]["detection_limit"]) for r in parsed.records] == [
        (0.5, [Flag(FlagCode.BELOW_DETECTION, "value")], 0.5),
        (
            2.0,
            [
                Flag(FlagCode.CONVERTED_FROM_G_PER_L, "unit"),
                Flag(FlagCode.BELOW_DETECTION, "value"),
            ],
            2.0,
        ),
    ]


def test_below_detection_uses_the_conservative_bound(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings
) -> None:
    write_calcium(
        tiny_dir / "lab" / "calcium.csv",
        [
            # upstream below DL 2 counts as 2: delta 12 − 2 = 10 mg/L (not 12)
            ["S1", "PLANT_A", "upstream", "calcium", "<2,0", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "12.0", "mg/L", "2025-04-01"],
            # downstream below DL 0.5 counts as 0: delta 0 − 0.2 < 0 (not 0.5 − 0.2 = 0.3)
            ["S3", "PLANT_A", "upstream", "calcium", "0.2", "mg/L", "2025-04-02"],
            ["S4", "PLANT_A", "downstream", "calcium", "<0.5", "mg/L", "2025-04-02"],
        ],
    )
    service.ingest(engine, tiny_dir, mrv_settings)
    service.calculate(engine, mrv_settings)
    rows = service.results(engine)
    got = [
        (r["date"], r["ca_upstream_mg_l"], r["ca_downstream_mg_l"], r["ca_delta_mg_l"])
        for r in rows
    ]
    assert got == [(dt.date(2025, 4, 1), 2.0, 12.0, 10.0), (dt.date(2025, 4, 2), 0.2, 0.0, -0.2)]
    assert rows[0]["co2_t_per_day"] == pytest.approx(0.0415674 * 1.0, abs=1e-7)
    assert rows[0]["co2_t_per_day"] == co2_t_per_day(10.0, 1.0)
    assert [(r["quality_flag"], r["message"]) for r in rows] == [
        ("VALID", "upstream Ca below detection limit: counted as 2"),
        (
            "INVALID",
            "Ca delta -0.200 mg/L is not > 0: no removal indicated; "
            "downstream Ca below detection limit 0.5 mg/L: counted as 0 mg/L",
        ),
    ]


def test_every_reason_of_a_row_is_kept(tmp_path: Path) -> None:
    path = write_calcium(
        tmp_path / "c.csv",
        [
            ["S1", "plant a", "sideways", "calcium", "-3", "mg/L", "2025-13-45"],
            ["S2", "PLANT_A", "upstream", "calcium", "abc", "mg/L", "2025-04-01"],
        ],
    )
    parsed = ingest_lab.parse(path, "c.csv", MrvSettings())
    assert [(r["reject_reason"], [f.label for f in r["flags"]]) for r in parsed.records] == [
        (
            "c.csv row 2, column 'sample_date': unrecognised date '2025-13-45'; "
            "plant_id PLANT A fails str_matches('^[A-Z][A-Z0-9_]*$'); "
            "location sideways fails isin(['upstream', 'downstream']); "
            "value -3.0 fails greater_than_or_equal_to(0.0)",
            ["unparseable_date", "invalid_plant_id", "invalid_location", "out_of_range_value"],
        ),
        ("c.csv row 3, column 'value': not a number: 'abc'", ["unparseable_value"]),
    ]
    assert parsed.records[0]["flags"] == [
        Flag(FlagCode.UNPARSEABLE, "date"),
        Flag(FlagCode.INVALID, "plant_id"),
        Flag(FlagCode.INVALID, "location"),
        Flag(FlagCode.OUT_OF_RANGE, "value"),
    ]


def test_ph_contract_runs_on_rows_rejected_while_parsing(tmp_path: Path) -> None:
    path = tmp_path / "ph_PHA1.csv"
    path.write_text("timestamp,sensor_id,ph\nnot-a-time,PHA1,15.5\n", encoding="utf-8")
    parsed = ingest_ph.parse(path, "ph_PHA1.csv", MrvSettings())
    assert [(r["reject_reason"], r["flags"]) for r in parsed.records] == [
        (
            "ph_PHA1.csv row 2, column timestamp: unrecognised timestamp 'not-a-time'; "
            "impossible pH spike 15.5 outside 0–14",
            [Flag(FlagCode.UNPARSEABLE, "timestamp"), Flag(FlagCode.SPIKE, "ph")],
        )
    ]
