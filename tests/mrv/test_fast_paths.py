"""The fast paths of ingest give what the reference paths give: pH cells read column-wise vs
one by one, rows handed to the driver (``insert_many``) vs SQLAlchemy's ``insert``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import StatementError

from weir.core.db import insert_many
from weir.mrv.models import IngestionRun, LabReading
from weir.mrv.pipeline.step1_ingest.parsers.common import parse_datetime, parse_number
from weir.mrv.pipeline.step1_ingest.sources import ph as ingest_ph
from weir.mrv.rules import FlagCode, RowStatus, flag
from weir.mrv.settings import MrvSettings

STAMPS = [
    "2025-04-01 00:00:00",
    "2025-04-01T23:59:59",
    "2025-02-30 00:00:00",  # no such day
    "2025-04-01 24:00:00",
    "2025-04-01 00:00:60",  # leap second: Python refuses it
    "2025-04-01 00:00:00.5",
    "2025-04-01 00:00",
    "2025-04-01T00:00:00Z",
    "2025-04-01T02:00:00+02:00",
    "04/01/2025 08:30",
    "2025-4-1 0:0:0",
    "",
    "yesterday",
]
NUMBERS = ["7.20", "7", "+7.5", "-0.0", "007.10", "7,5", "1,234.5", "1e1", ".5", "7.", "", "x"]


def _reference(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        return "error"


def test_fast_timestamps_equal_parse_datetime_or_defer() -> None:
    fast = ingest_ph._fast_timestamps(STAMPS)
    assert fast[:2] == [dt.datetime(2025, 4, 1), dt.datetime(2025, 4, 1, 23, 59, 59)]
    assert fast[2:] == [None] * (len(STAMPS) - 2)  # each read by parse_datetime
    for text, value in zip(STAMPS, fast, strict=True):
        if value is not None:
            assert value == parse_datetime(text)
    assert [_reference(parse_datetime, t) for t in STAMPS[2:6]] == ["error"] * 3 + [
        dt.datetime(2025, 4, 1, 0, 0, 0, 500000)
    ]


def test_fast_numbers_equal_parse_number_or_defer() -> None:
    fast = ingest_ph._fast_numbers(NUMBERS)
    assert fast == [7.2, 7.0, 7.5, -0.0, 7.1, None, None, None, None, None, None, None]
    for text, value in zip(NUMBERS, fast, strict=True):
        if value is not None:
            assert value == parse_number(text)


def test_ph_file_rows_the_same_as_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "ph_PHA1.csv"
    path.write_text(
        "timestamp,sensor_id,ph,temperature_c\n"
        + "".join(f'{t},PHA1,"{n}",16.1\n' for t, n in zip(STAMPS, NUMBERS * 2, strict=False)),
        encoding="utf-8",
    )
    parsed = ingest_ph.parse(path, "ph_PHA1.csv", MrvSettings())
    by_line = {r["source_row"]: r for r in parsed.records}
    for line, (text, number) in enumerate(zip(STAMPS, NUMBERS * 2, strict=False), 2):
        rec = by_line[line]
        stamp = _reference(parse_datetime, text)
        assert rec["sampled_at"] == (None if stamp == "error" else stamp)
        value = _reference(parse_number, number)
        assert rec["value"] == (None if value == "error" else value)
    assert by_line[4]["reject_reason"] == (
        "ph_PHA1.csv row 4, column timestamp: unrecognised timestamp '2025-02-30 00:00:00'"
    )
    assert by_line[7]["value"] == 7.5  # decimal comma
    assert by_line[13]["flags"] == [
        flag(FlagCode.UNPARSEABLE, "timestamp"),
        flag(FlagCode.UNPARSEABLE, "value"),
    ]


def test_insert_many_stores_what_sqlalchemy_insert_stores(engine: Engine) -> None:
    at = dt.datetime(2025, 4, 1, 8, 30, 15, 250000)
    with engine.begin() as conn:
        conn.execute(
            insert(IngestionRun.__table__).values(
                id=1, batch_id="b", source="ph", file="f", sha256="s", started_at=at,
                status="loaded", errors=[], details={},
            )
        )  # fmt: skip
    rows = [
        {
            "plant_id": "PLANT_A" if i else None,
            "location": "downstream",
            "parameter": "ph",
            "value": 7.25 + i if i != 1 else None,
            "unit": "pH",
            "sampled_at": at + dt.timedelta(minutes=i),
            "sample_date": at.date(),
            "status": RowStatus.REJECTED if i == 1 else RowStatus.VALID,
            "reject_reason": "ph is missing" if i == 1 else None,
            "flags": [flag(FlagCode.MISSING, "value")] if i == 1 else [],
            "metadata": {"sensor_id": "PHA1", "temperature_c": "16,1"},
            "source_file": f"f{i % 2}",
            "source_row": i + 2,
            "file_sha256": "ab" * 32,
            "ingestion_run_id": 1,
        }
        for i in range(3)
    ]
    table = LabReading.__table__
    with engine.begin() as conn:
        insert_many(conn, table, rows)  # type: ignore[arg-type]
        conn.execute(insert(table), [r | {"source_row": r["source_row"] + 100} for r in rows])
    with engine.connect() as conn:
        stored = [r._asdict() for r in conn.execute(select(table).order_by(table.c.source_row))]
    assert len(stored) == 6
    for fast, reference in zip(stored[:3], stored[3:], strict=True):
        assert fast | {"id": 0, "source_row": 0} == reference | {"id": 0, "source_row": 0}
    assert stored[1]["flags"] == [flag(FlagCode.MISSING, "value")]
    assert stored[0]["sampled_at"] == at


def test_insert_many_defaults_and_key_errors_as_sqlalchemy(engine: Engine) -> None:
    """Rows that need Python-side defaults take SQLAlchemy's path (defaults applied); rows with
    different keys fail as SQLAlchemy fails them."""
    with engine.begin() as conn:
        conn.execute(
            insert(IngestionRun.__table__).values(
                id=1, batch_id="b", source="ph", file="f", sha256="s",
                started_at=dt.datetime(2025, 4, 1), status="loaded", errors=[], details={},
            )
        )  # fmt: skip
        base = {"parameter": "ph", "source_file": "f", "source_row": 1, "file_sha256": "s",
                "ingestion_run_id": 1}  # fmt: skip
        insert_many(conn, LabReading.__table__, [base, base | {"source_row": 2}])  # type: ignore[arg-type]
        stored = conn.execute(select(LabReading.status, LabReading.flags, LabReading.meta)).all()
        assert [tuple(r) for r in stored] == [("valid", [], {}), ("valid", [], {})]
        with pytest.raises(
            StatementError, match="A value is required for bind parameter 'plant_id'"
        ):
            insert_many(conn, LabReading.__table__, [base | {"plant_id": "A"}, base])  # type: ignore[arg-type]
