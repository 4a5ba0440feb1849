"""``weir mrv`` commands, exit codes, JSON output; the ``sample`` and ``demo`` hooks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.core.settings import Settings
from weir.mrv.cli import app, demo
from weir.mrv.models import RESULT_COLUMNS
from weir.mrv.pipeline.step3_calculate.formula import co2_t_per_day
from weir.mrv.sample import sample

runner = CliRunner()


@pytest.fixture
def cli_settings(settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The isolated settings, on SQLite and on PostgreSQL (through WEIR_DATABASE_URL)."""
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    return Settings()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ingest_calculate_report(
    cli_settings: Settings, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "320")
    code, out = run("ingest", str(tiny_dir), "--json")
    assert code == 0
    assert [f["status"] for f in json.loads(out)["files"]] == ["loaded", "loaded"]
    code, out = run("ingest", str(tiny_dir), "--json")
    assert (code, [f["status"] for f in json.loads(out)["files"]]) == (
        0,
        ["unchanged", "unchanged"],
    )
    code, out = run("calculate", "--json")
    assert code == 0
    assert json.loads(out)["by_flag"] == {"VALID": 2}
    code, out = run("report", "--format", "json", "--plant", "PLANT_A", "--from", "2025-04-02")
    rows = json.loads(out)
    assert code == 0
    assert [list(r) for r in rows] == [list(RESULT_COLUMNS)]
    assert (rows[0]["date"], rows[0]["ca_delta_mg_l"], rows[0]["flow_mgd"]) == (
        "2025-04-02",
        5.0,
        2.0,
    )
    assert rows[0]["co2_t_per_day"] == pytest.approx(2 * 0.5 * 0.0415674, abs=1e-7)
    code, out = run("report", "--format", "csv", "--flag", "valid")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [r["date"] for r in parsed] == ["2025-04-01", "2025-04-02"]
    assert json.loads(parsed[0]["lineage"])["plant_operation_ids"] == [1]
    code, out = run("report", "--totals", "--by-month", "--json")
    totals = json.loads(out)
    assert [(t["plant_id"], t["period"], t["days_valid"]) for t in totals] == [
        ("PLANT_A", "2025-04", 2)
    ]
    assert totals[0]["co2_t"] == pytest.approx(2 * 0.0415674, abs=1e-7)
    assert totals[0]["conservative_t"] < totals[0]["mc_mean_t"]
    code, out = run("report")
    assert code == 0
    day1 = co2_t_per_day(10.0, 1.0)
    assert table_rows(out) == [
        [
            "PLANT_A",
            "2025-04-01",
            "40",
            "50",
            "10",
            "1",
            f"{day1:.6g}",
            "VALID",
            "",
            "seed-formula-1",
            "1",
            "0.03",
            "0.05",
            "10000",
            "20250401",
            "16",
        ],
        [
            "PLANT_A",
            "2025-04-02",
            "42",
            "47",
            "5",
            "2",
            f"{co2_t_per_day(5.0, 2.0):.6g}",
            "VALID",
            "",
            "seed-formula-1",
            "1",
            "0.03",
            "0.05",
            "10000",
            "20250401",
            "16",
        ],
        ["PLANT_A", "all", "2", "2", "0", "0", f"{2 * day1:.6g}", "0.0831874", "0.0655649"],
    ]
    code, out = run("qa", "--json")
    assert code == 0
    assert json.loads(out)["counts"] == [
        {"level": 1, "check": "row_skipped", "severity": "info", "count": 1}
    ]


def run_err(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


LAYOUT = "lab/*.csv, sensors/ph_*.csv, ops/plant_a/*.xls*, ops/plant_b/*.xls*"


def test_bad_input_exits_2_with_the_reason_on_stderr(
    cli_settings: Settings, tiny_dir: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"
    assert run_err("ingest", str(missing), "--json") == (2, "", f"error: not a folder: {missing}\n")
    empty = tmp_path / "empty"
    (empty / "lab").mkdir(parents=True)
    (empty / "lab" / "readme.txt").write_text("no data", encoding="utf-8")
    assert run_err("ingest", str(empty)) == (
        2,
        "",
        f"error: no MRV input files in {empty}; expected {LAYOUT} under that folder\n",
    )
    assert run_err("report", "--flag", "BOGUS") == (
        2,
        "",
        "error: unknown quality flag BOGUS; use one of VALID, INVALID, NO_OPS_DATA, INVALID_FLOW, "
        "MISSING_CA_READINGS (field flag)\n",
    )
    assert run_err("report", "--from", "2025-05-02", "--to", "2025-05-01", "--json") == (
        2,
        "",
        "error: --from 2025-05-02 is later than --to 2025-05-01\n",
    )
    code, _, err = run_err("report", "--from", "April")
    assert (code, "Invalid value for '--from'" in err) == (2, True)
    assert run_err("ingest", str(tiny_dir), "--json")[0] == 0
    assert run_err("calculate", "--json")[0] == 0
    assert run_err("report", "--plant", "PLANT_Z", "--json") == (
        2,
        "",
        "error: unknown plant PLANT_Z; known plants: PLANT_A\n",
    )


def table_rows(out: str) -> list[list[str]]:
    """The body rows of a rich table as cell lists."""
    return [
        [c.strip() for c in line.split("│")[1:-1]]
        for line in out.splitlines()
        if line.startswith("│")
    ]


def test_failed_file_row(
    settings: Settings, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "320")
    (tiny_dir / "ops" / "plant_a" / "zz.xlsx").write_text("not excel", encoding="utf-8")
    code, out = run("ingest", str(tiny_dir))
    assert code == 1
    assert table_rows(out) == [
        ["lab/calcium.csv", "loaded", "4", "4", "0", "0", ""],
        ["ops/plant_a/a.xlsx", "loaded", "3", "2", "0", "1", ""],
        [
            "ops/plant_a/zz.xlsx",
            "failed",
            "0",
            "0",
            "0",
            "0",
            "cannot read workbook: ZipError: invalid Zip archive: Could not find EOCD (file "
            "ops/plant_a/zz.xlsx)",
        ],
    ]


def test_conflicts_reported_only_when_this_ingest_loaded_them(
    cli_settings: Settings, sample_dir: Path
) -> None:
    code, out = run("ingest", str(sample_dir))
    assert code == 0
    line = "6 overlapping-file conflicts resolved (latest revision wins); see `weir mrv qa`."
    assert out.splitlines()[-1] == line
    code, out = run("ingest", str(sample_dir))
    assert code == 0
    assert "conflicts" not in out
    code, out = run("ingest", str(sample_dir), "--json")
    assert json.loads(out)["conflicts"] == []


def test_sample_and_demo(cli_settings: Settings, tmp_path: Path) -> None:
    sample(tmp_path / "s", 3)
    assert len(list((tmp_path / "s").rglob("*.*"))) == 12
    summary = demo(cli_settings, tmp_path / "demo")
    assert summary["files_loaded"] == 12
    assert summary["files_failed"] == 0
    assert summary["plant_days"] == 244
    assert summary["by_flag"] == {
        "VALID": 204,
        "INVALID": 3,
        "INVALID_FLOW": 3,
        "MISSING_CA_READINGS": 3,
        "NO_OPS_DATA": 31,
    }
    assert summary["qa_findings"] == 295
    again = demo(cli_settings, tmp_path / "demo")
    assert (again["files_loaded"], again["files_unchanged"]) == (0, 12)
    assert again["co2_t"] == summary["co2_t"]


def test_cli_import_does_not_load_streamlit() -> None:
    import subprocess
    import sys

    code = "import sys, weir.mrv.cli; print('streamlit' in sys.modules, 'pandera' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_report_fits_80_columns(
    cli_settings: Settings, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert run("ingest", str(tiny_dir), "--json")[0] == 0
    assert run("calculate", "--json")[0] == 0
    code, out = run("report")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    first = next(row for row in table_rows(out) if row and row[0] == "PLANT_A")
    assert first[:3] == ["PLANT_A", "2025-04-01", "40"]  # whole values, never split per character
    assert "not shown: " in out
    assert "use --json, or a wider terminal" in out.replace("\n", " ")
