"""The application database: SQLAlchemy 2 engines and sessions, Alembic migrations.

SQLite by default (``sqlite:///$WEIR_HOME/weir.db``), PostgreSQL through psycopg 3
(``postgresql+psycopg://user:pass@host/db``). Each system ships its own Alembic revisions in
``weir/<system>/migrations/versions`` on a branch labelled with the system's name; :func:`upgrade`
applies every branch (``alembic upgrade heads``) through the one ``env.py`` kept here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Engine, Table, create_engine, event, insert
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

from weir.core.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PACKAGE_DIR = Path(__file__).parents[1]


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; write-ahead log with ``synchronous=NORMAL`` (SQLite's recommendation for
    WAL: commits wait for no disk flush, the database cannot be corrupted, a power cut may lose
    the last commits but never half of one); wait up to 5 s for a lock."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def json_text(value: Any) -> str:
    """JSON text of a JSON column's value (orjson: several times faster than ``json.dumps``,
    which took ~8 % of MRV's ingest; compact, UTF-8, NaN and infinities as null). Reading stays
    ``json.loads``, so text written by earlier versions reads back the same."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` (JSON columns written by :func:`json_text`); for SQLite the parent
    folder is created and WAL is on.

    Raises:
        ConfigError: the URL names a database weir does not support.
    """
    url = normalize_url(url)
    kwargs.setdefault("json_serializer", json_text)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def insert_columns(
    connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]]
) -> None:
    """Insert rows given column by column (column name → one value per row) into ``table``.

    The rows SQLAlchemy's ``connection.execute(insert(table), rows)`` stores, for a fraction of
    its Python time on SQLite: SQLAlchemy builds and converts each row's parameters apart
    (most of MRV's pH ingest), here each column's values go through its type's bind processor
    in one pass and the driver's ``executemany`` gets the rows as tuples. Other databases, and
    a table with a column left out that has a Python-side default, take SQLAlchemy's insert.
    """
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return
    dialect = connection.dialect
    defaulted = [c for c in table.columns if c.name not in columns and c.default is not None]
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark" or defaulted:
        rows = zip(*(columns[name] for name in names), strict=True)
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    converted: list[Sequence[Any]] = []
    for name in names:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values = columns[name]
        converted.append(values if process is None else [process(v) for v in values])
    quote = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    connection.exec_driver_sql(sql, list(zip(*converted, strict=True)))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine` that keep objects usable after commit."""
    from sqlalchemy.orm import sessionmaker  # the ORM: not for `weir db upgrade`

    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(url: str, version_locations: list[str]) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(version_locations))
    config.attributes["url"] = normalize_url(url)
    return config


def discover_version_locations() -> list[str]:
    """Every system's ``migrations/versions`` folder, found by path (nothing is imported).

    A shared database's ``alembic_version`` holds every system's head and Alembic refuses to
    run unless it can locate them all, so any upgrade passes every folder there is.
    """
    return sorted(str(p) for p in PACKAGE_DIR.glob("*/migrations/versions") if p.is_dir())


def upgrade(url: str, version_locations: list[str], revision: str = "heads") -> None:
    """Apply the migrations in `version_locations` up to `revision` (default: every head)."""
    from alembic import command

    command.upgrade(_alembic_config(url, version_locations), revision)


def current(url: str, version_locations: list[str]) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
