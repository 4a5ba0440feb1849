"""``weir mrv`` commands, exit codes, JSON output; the ``sample`` and ``demo`` hooks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.core.settings import Settings
from weir.mrv.cli import app, demo, sample
from weir.mrv.models import RESULT_COLUMNS

runner = CliRunner()


@pytest.fixture
def cli_settings(settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The isolated settings, on SQLite and on PostgreSQL (through WEIR_DATABASE_URL)."""
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    return Settings()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ingest_calculate_report(cli_settings: Settings, tiny_dir: Path) -> None:
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
    assert "PLANT_A" in out
    code, out = run("qa", "--json")
    assert code == 0
    assert json.loads(out)["counts"] == [
        {"level": 1, "check": "row_skipped", "severity": "info", "count": 1}
    ]


def test_exit_codes(settings: Settings, tiny_dir: Path, tmp_path: Path) -> None:
    assert run("ingest", str(tmp_path / "missing"))[0] == 2
    code, _ = run("report", "--flag", "BOGUS")
    assert code == 2
    assert run("report", "--from", "April")[0] == 2
    (tiny_dir / "ops" / "plant_a" / "zz.xlsx").write_text("not excel", encoding="utf-8")
    code, out = run("ingest", str(tiny_dir))
    assert code == 1
    assert "failed" in out


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
    sample(out=tmp_path / "s", seed=3)
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
