"""Engines, sessions and Alembic migrations on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from weir.core import db
from weir.core.errors import ConfigError
from weir.core.settings import Settings

VERSIONS = str(Path(__file__).parent / "migrations" / "versions")


def _round_trip(url: str) -> list[tuple[int, str, str]]:
    db.upgrade(url, [VERSIONS])
    db.upgrade(url, [VERSIONS])  # idempotent: already at head
    assert db.current(url, [VERSIONS]) == {"c0a1probe002"}
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with sessions.begin() as session:
        session.execute(
            text("INSERT INTO core_probe (name, note) VALUES (:n, :note)"),
            [{"n": "α-site", "note": "first"}, {"n": "b", "note": "second"}],
        )
    with sessions() as session:
        rows = session.execute(text("SELECT id, name, note FROM core_probe ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_sqlite_default_round_trip(settings: Settings) -> None:
    assert settings.database_url == f"sqlite:///{settings.home / 'weir.db'}"
    assert _round_trip(settings.database_url) == [(1, "α-site", "first"), (2, "b", "second")]
    assert (settings.home / "weir.db").exists()


@pytest.mark.postgres
def test_postgresql_round_trip(pg_url: str) -> None:
    assert _round_trip(pg_url) == [(1, "α-site", "first"), (2, "b", "second")]
    engine = db.make_engine(pg_url)
    with engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        version = connection.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    assert int(str(version).split(".")[0]) >= 13


def test_plain_postgresql_url_uses_psycopg() -> None:
    assert db.normalize_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert db.normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unsupported_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        db.make_engine("mysql://u:p@localhost/x")


def test_sqlite_connections_use_wal_with_normal_sync(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        ]
    engine.dispose()
    assert pragmas == ["wal", 1, 1, 5000]  # synchronous 1 is NORMAL


def test_json_columns_are_written_compact_and_read_back_equal(tmp_path: Path) -> None:
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

    table = Table("j", MetaData(), Column("id", Integer, primary_key=True), Column("v", JSON))
    engine = db.make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    value = {"flags": ["spike", "duplicate"], "site": "Zürich", "n": 2, "x": float("nan")}
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(insert(table), [{"v": value}])
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT v FROM j").scalar_one()
        read = connection.execute(select(table.c.v)).scalar_one()
    engine.dispose()
    assert stored == '{"flags":["spike","duplicate"],"site":"Zürich","n":2,"x":null}'
    assert read == {"flags": ["spike", "duplicate"], "site": "Zürich", "n": 2, "x": None}
    assert db.json_text({1: "a"}) == '{"1":"a"}'  # non-string keys as json.dumps writes them


def _typed_table(name: str = "typed") -> Any:
    from sqlalchemy import JSON, Column, Date, DateTime, Float, Integer, MetaData, String, Table

    return Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
        Column("at", DateTime),
        Column("day", Date),
        Column("x", Float),
        Column("doc", JSON),
        Column("tags", JSON, default=list),
    )


def _stored(url: str, name: str) -> list[tuple[Any, ...]]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"SELECT * FROM {name} ORDER BY id").all()
    engine.dispose()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_insert_columns_stores_what_sqlalchemy_insert_stores(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Column by column (on SQLite the driver's executemany, elsewhere SQLAlchemy's insert):
    the same stored values as SQLAlchemy's insert of the same rows, microseconds, dates, None,
    JSON and enums included."""
    import datetime as dt
    from enum import StrEnum

    from sqlalchemy import insert

    class Kind(StrEnum):
        A = "a"

    at = dt.datetime(2025, 4, 1, 8, 30, 15, 250000)
    columns: dict[str, list[Any]] = {
        "name": [Kind.A, "Zürich", None],
        "at": [at, at.replace(microsecond=0), None],
        "day": [at.date(), None, dt.date(2025, 12, 31)],
        "x": [7.25, None, 1e-300],
        "doc": [{"sensor_id": "PHA1", "n": 1}, {}, None],
        "tags": [[], ["spike"], None],
    }
    rows = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    url = (
        f"sqlite:///{tmp_path / 'i.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = db.make_engine(url)
    by_columns, by_sqlalchemy = _typed_table("by_columns"), _typed_table("by_sqlalchemy")
    with engine.begin() as connection:
        by_columns.create(connection)
        by_sqlalchemy.create(connection)
        db.insert_columns(connection, by_columns, columns)
        db.insert_columns(connection, by_columns, {"name": []})  # no rows: nothing
        connection.execute(insert(by_sqlalchemy), rows)
    engine.dispose()
    stored = _stored(url, "by_columns")
    assert stored == _stored(url, "by_sqlalchemy")
    assert len(stored) == 3
    if backend == "sqlite":
        doc = '{"sensor_id":"PHA1","n":1}'
        assert stored[0] == (1, "a", "2025-04-01 08:30:15.250000", "2025-04-01", 7.25, doc, "[]")


def test_insert_columns_leaves_defaults_and_errors_to_sqlalchemy(tmp_path: Path) -> None:
    """A column left out that has a Python-side default is filled by SQLAlchemy's insert; a
    constraint failure is SQLAlchemy's IntegrityError and writes nothing of the batch."""
    from sqlalchemy.exc import IntegrityError

    table = _typed_table()
    url = f"sqlite:///{tmp_path / 'd.db'}"
    engine = db.make_engine(url)
    with engine.begin() as connection:
        table.create(connection)
        db.insert_columns(connection, table, {"id": [1], "name": ["no tags"]})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        db.insert_columns(connection, table, {"id": [2, 1], "name": ["b", "dup"], "tags": [[], []]})
    engine.dispose()
    assert _stored(url, "typed") == [(1, "no tags", None, None, None, None, "[]")]
