"""The telemetry Delta tables: opening them through the core helper and reading their schema."""

from __future__ import annotations

import pyarrow as pa

from weir.core.storage import Store
from weir.core.tables import Table
from weir.telemetry.models import LATEST_PATH, LEDGER_PATH, TABLE_PATH, Kind, kinds_of_schema


def flattened(store: Store) -> Table:
    """``car_telemetry_flattened``."""
    return Table(store, TABLE_PATH)


def latest(store: Store) -> Table:
    """``vehicle_latest``."""
    return Table(store, LATEST_PATH)


def ledger(store: Store) -> Table:
    """The file ledger."""
    return Table(store, LEDGER_PATH)


def schema(table: Table) -> pa.Schema | None:
    """The table's Arrow schema, or None when it does not exist yet."""
    return table.schema() if table.exists() else None


def established_kinds(table: Table) -> dict[str, Kind]:
    """Column → kind of the columns the table already has (empty before the first run)."""
    found = schema(table)
    return kinds_of_schema(found) if found is not None else {}
