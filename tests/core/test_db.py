"""Engines, sessions and Alembic migrations on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

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
