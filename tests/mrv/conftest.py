"""MRV fixtures: the sample folder, a database URL on SQLite and on PostgreSQL, tiny inputs."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from loguru import logger
from sqlalchemy import Engine

from weir.core.db import make_engine
from weir.mrv import service
from weir.mrv.sample import generate
from weir.mrv.settings import MrvSettings


@pytest.fixture(autouse=True)
def _restore_process_state() -> Iterator[None]:
    """Undo what entry points change process-wide: loguru sinks and Streamlit's ``__main__``.

    A CLI command configures loguru with the (temporary) stderr of the test runner; a Streamlit
    script run replaces ``sys.modules["__main__"]``, which multiprocessing's spawn re-runs.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
    logger.remove()
    logger.add(sys.__stderr__, level="WARNING")


CA_HEADER = ["sample_id", "plant_id", "location", "parameter", "value", "unit", "sample_date"]


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample inputs for seed 7 (read-only: copy before changing files)."""
    out = tmp_path_factory.mktemp("mrv-sample")
    generate(out, 7)
    return out


@pytest.fixture(scope="session")
def sample_sqlite(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the ingested and calculated sample (read-only: copy it)."""
    path = tmp_path_factory.mktemp("mrv-sample-db") / "sample.db"
    url = f"sqlite:///{path}"
    service.migrate(url)
    engine = make_engine(url)
    service.ingest(engine, sample_dir, MrvSettings())
    service.calculate(engine, MrvSettings())
    engine.dispose()  # the last connection checkpoints the WAL: one self-contained file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: SQLite file or a real PostgreSQL database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'mrv.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a migrated database."""
    service.migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def mrv_settings() -> MrvSettings:
    """Default MRV parameters (environment ignored)."""
    return MrvSettings()


def write_calcium(path: Path, rows: list[list[Any]]) -> Path:
    """A calcium CSV with the standard header and ``rows``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CA_HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], sheet: str = "Sheet1") -> Path:
    """An xlsx with ``rows`` (dates written as Excel dates)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                worksheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return path


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """Two days of PLANT_A data: Ca 40→50 and 42→47 mg/L; flows 1.0 and 2.0 MGD."""
    root = tmp_path / "tiny"
    write_calcium(
        root / "lab" / "calcium.csv",
        [
            ["S1", "PLANT_A", "upstream", "calcium", "40.0", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "50.0", "mg/L", "2025-04-01"],
            ["S3", "PLANT_A", "upstream", "calcium", "42.0", "mg/L", "2025-04-02"],
            ["S4", "PLANT_A", "downstream", "calcium", "47.0", "mg/L", "2025-04-02"],
        ],
    )
    write_xlsx(
        root / "ops" / "plant_a" / "a.xlsx",
        [
            ["PLANT A LOG"],
            [],
            ["Date", "Effluent\nFlow\n(MGD)", "Max Effluent\nFlow\n(MGD)"],
            [dt.date(2025, 4, 1), 1.0, 1.5],
            [dt.date(2025, 4, 2), 2.0, 2.5],
            ["Notes: test"],
        ],
    )
    return root


@pytest.fixture
def xlsx_writer() -> Callable[[Path, list[list[Any]]], Path]:
    """The xlsx helper as a fixture."""
    return write_xlsx
