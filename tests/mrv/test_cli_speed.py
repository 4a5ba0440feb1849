"""Start-up work of the MRV command line, checked by what a fresh interpreter imports (not by
the clock): the modules named here cost a command seconds without doing anything for it."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.core.settings import Settings
from weir.mrv import service
from weir.mrv.cli import app

#: Never needed to list, parse or dispatch ``weir mrv`` commands.
NOT_FOR_DISPATCH = (
    "sqlalchemy",
    "alembic",
    "pandas",
    "pandera",
    "polars",
    "numpy",
    "matplotlib",
    "scipy",
    "pyarrow",
    "hypothesis",
    "streamlit",
)
#: Never needed by ``weir db upgrade`` (Alembic needs SQLAlchemy Core, not the ORM; the
#: migrations are found by path, no system's package is imported).
NOT_FOR_UPGRADE = (
    *(m for m in NOT_FOR_DISPATCH if m not in ("sqlalchemy", "alembic")),
    "sqlalchemy.orm",
    "weir.mrv",
    "weir.health",
    "weir.forecast",
)
#: Never needed by ``weir mrv ingest`` (pandera validates on polars; numpy is for totals).
NOT_FOR_INGEST = ("pandas", "numpy", "hypothesis", "matplotlib", "scipy", "pyspark", "alembic")


def _loaded(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(out.splitlines()[-1].replace("'", '"')))


def test_mrv_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom weir.cli import main\nsys.argv = ['weir', 'mrv', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _loaded(code, NOT_FOR_DISPATCH) == []


def test_db_upgrade_imports_no_orm_and_no_system(tmp_path: Path) -> None:
    code = (
        f"import os, sys\nos.environ['WEIR_HOME'] = {str(tmp_path)!r}\n"
        "from weir.cli import main\nsys.argv = ['weir', 'db', 'upgrade']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _loaded(code, NOT_FOR_UPGRADE) == []
    assert (tmp_path / "weir.db").exists()


def test_version_is_read_only_when_asked() -> None:
    code = "import weir.cli"
    assert _loaded(code, ("importlib.metadata",)) == []
    assert _loaded("import weir; weir.__version__", ("importlib.metadata",)) == [
        "importlib.metadata"
    ]


def test_ingest_process_validates_without_pandas_numpy_hypothesis(
    sample_dir: Path, sample_sqlite: Path, tmp_path: Path
) -> None:
    """A fresh process ingests the sample with pandera on polars alone, and every run, row
    status, reason and flag equals the session's sample database (ingested in this test
    process, where pandas and hypothesis may well be loaded)."""
    db = tmp_path / "fresh.db"
    service.migrate(f"sqlite:///{db}")  # as `weir db upgrade` does, in its own process
    code = (
        "from pathlib import Path\nfrom loguru import logger\nlogger.remove()\n"
        "from weir.core.db import make_engine\nfrom weir.mrv import service\n"
        "from weir.mrv.settings import MrvSettings\n"
        f"engine = make_engine('sqlite:///{db}')\n"
        f"service.ingest(engine, Path({str(sample_dir)!r}), MrvSettings())\nengine.dispose()"
    )
    assert _loaded(code, NOT_FOR_INGEST) == []
    runs = "SELECT file, status, rows_read, rows_loaded, rows_rejected FROM ingestion_runs"
    readings = (
        "SELECT source_file, source_row, parameter, value, status, reject_reason, flags"
        " FROM lab_readings ORDER BY source_file, source_row"
    )
    fresh, sample = sqlite3.connect(db), sqlite3.connect(sample_sqlite)
    try:
        assert sorted(fresh.execute(runs)) == sorted(sample.execute(runs))
        fresh_rows = fresh.execute(readings).fetchall()
        assert fresh_rows == sample.execute(readings).fetchall()
    finally:
        fresh.close()
        sample.close()
    rejected = [r for r in fresh_rows if r[4] == "rejected"]
    assert sum("impossible pH spike" in (r[5] or "") for r in rejected) > 0  # pandera ran


def test_mrv_commands_run_without_collector_passes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No cyclic-garbage pass inside an MRV command (here: migrating a fresh database and
    running QA; passes while typer parses the arguments may happen), and the collector is on
    again once the command ends."""
    monkeypatch.setenv("WEIR_DATABASE_URL", settings.database_url)
    inside: list[str] = []

    def check(phase: str, _info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while phase == "start" and frame is not None:
            if frame.f_code.co_name == "qa_command":
                inside.append(frame.f_code.co_filename)
            frame = frame.f_back

    gc.callbacks.append(check)
    try:
        result = CliRunner().invoke(app, ["qa", "--json"])
    finally:
        gc.callbacks.remove(check)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == []
    assert (inside, gc.isenabled()) == ([], True)


def test_cli_processes_leave_one_self_contained_database(tiny_dir: Path, tmp_path: Path) -> None:
    """``weir db upgrade``, ``weir mrv ingest`` and ``weir mrv calculate`` as processes end
    with their engines disposed, not left to the collector (frozen at the end): the SQLite
    file holds everything, no write-ahead log is left behind."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR_")}
    env["WEIR_HOME"] = str(home)
    weir = str(Path(sys.executable).with_name("weir"))
    for args in (["db", "upgrade"], ["mrv", "ingest", str(tiny_dir)], ["mrv", "calculate"]):
        subprocess.run([weir, *args], env=env, check=True, capture_output=True)
        assert sorted(p.name for p in home.glob("weir.db*")) == ["weir.db"], args
    db = sqlite3.connect(home / "weir.db")
    try:
        days = db.execute("SELECT date, quality_flag FROM mrv_results ORDER BY date").fetchall()
    finally:
        db.close()
    assert days == [("2025-04-01", "VALID"), ("2025-04-02", "VALID")]
