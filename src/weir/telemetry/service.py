"""The read side of telemetry: status of the pipeline and SQL over its tables."""

from __future__ import annotations

from typing import Any

import orjson

from weir.core.errors import BadInputError, NotFoundError
from weir.core.storage import Store
from weir.telemetry.models import (
    DEADLETTER_PREFIX,
    LATEST_NAME,
    RAW_PREFIX,
    RESCUED,
    TABLE_NAME,
)
from weir.telemetry.pipeline import ledger, tables
from weir.telemetry.pipeline.job import LAST_RUN


def dead_lettered(store: Store) -> int:
    """Stream records the handler dead-lettered plus landed lines the job rejected."""
    count = 0
    for meta in store.list(DEADLETTER_PREFIX):
        if meta.path.startswith(f"{DEADLETTER_PREFIX}/rejected/"):
            count += len(orjson.loads(store.get(meta.path))["rejected"])
        else:
            count += 1
    return count


def status(store: Store) -> dict[str, Any]:
    """Table version, rows, columns, files pending/processed, rescued, dead letters, last run."""
    main = tables.flattened(store)
    listing = list(store.list(RAW_PREFIX))
    done = ledger.processed(store, listing)
    exists = main.exists()
    rescued = 0
    if exists:
        column = main.to_arrow(columns=[RESCUED]).column(RESCUED)
        rescued = len(column) - column.null_count
    try:
        last_run = orjson.loads(store.get(LAST_RUN))
    except NotFoundError:
        last_run = None
    latest = tables.latest(store)
    return {
        "table": TABLE_NAME,
        "table_version": main.version() if exists else None,
        "rows": main.count() if exists else 0,
        "columns": len(tables.schema(main) or []),
        "vehicles": latest.count() if latest.exists() else 0,
        "files_pending": len(listing) - len(done),
        "files_processed": ledger.count(store),
        "rescued_rows": rescued,
        "dead_lettered": dead_lettered(store),
        "last_run": None
        if last_run is None
        else {
            key: last_run[key]
            for key in (
                "run_id",
                "started_at",
                "ended_at",
                "files",
                "rows_in",
                "rows_merged",
                "seconds",
            )
        },
    }


def query(store: Store, sql: str) -> list[dict[str, Any]]:
    """Run DuckDB SQL over ``car_telemetry_flattened`` and ``vehicle_latest``.

    The tables are scanned lazily (only the columns and files the query needs are read).

    Raises:
        NotFoundError: neither table exists yet.
        BadInputError: the SQL does not parse or names something that does not exist.
    """
    import duckdb

    sources = {TABLE_NAME: tables.flattened(store), LATEST_NAME: tables.latest(store)}
    present = {name: table for name, table in sources.items() if table.exists()}
    if not present:
        raise NotFoundError(
            "no telemetry tables yet: land events with `weir telemetry replay DIR`, "
            "then run `weir telemetry run`"
        )
    connection = duckdb.connect()
    try:
        for name, table in present.items():
            connection.register(name, table.dataset())
        try:
            relation = connection.sql(sql)
            if relation is None:  # a statement without a result set
                return []
            result = relation.to_arrow_table()
        except duckdb.Error as exc:
            raise BadInputError(f"query failed: {str(exc).splitlines()[0]}") from exc
        rows: list[dict[str, Any]] = result.to_pylist()
        return rows
    finally:
        connection.close()
