"""The read side of the telemetry tables for the API and the dashboard: columns, latest values,
one vehicle's history, paged. Part of the service layer (``weir.telemetry.service`` holds status
and SQL).

Column names come from the caller (an HTTP query, a dashboard widget) and are checked against the
table's own columns before anything is read; values never become SQL: the reads are Polars
scans of the Delta tables with typed filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from weir.core.errors import BadInputError, NotFoundError
from weir.core.storage import Store
from weir.telemetry.models import LATEST_NAME, ORDER_KEY, TABLE_NAME, kind_of_type
from weir.telemetry.pipeline import tables

VEHICLE = "vehicle_id"
#: Columns every history row carries, whatever columns were asked for.
HISTORY_BASE = ("event_id", "recorded_at")
MAX_LIMIT = 1000
MAX_COLUMNS = 50
#: The signals the dashboard and ``latest`` summaries show first, when the table has them.
KEY_SIGNALS = (
    "Odometer_TraveledDistance_value",
    "TractionBattery_StateOfCharge_value",
    "TractionBattery_Range_value",
    "Charge_IsCharging",
    "Location_PreciseLocation_latitude",
    "Location_PreciseLocation_longitude",
)


@dataclass(frozen=True)
class Page:
    """One page of rows: the rows, how many match in all, and where the page starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        following = self.offset + len(self.items)
        return following if following < self.total else None


def check_page(limit: int, offset: int) -> None:
    """Reject a page size outside 1..MAX_LIMIT or a negative offset."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise BadInputError("offset must be 0 or more", field="offset")


def columns(store: Store, table: str = TABLE_NAME) -> list[dict[str, str]]:
    """Name, kind (bool, int64, float64, string, timestamp) and Arrow type of each column.

    Raises:
        BadInputError: `table` is neither telemetry table.
    """
    source = _table(store, table)
    schema = tables.schema(source)
    if schema is None:
        return []
    return [
        {"name": field.name, "kind": _kind(field.type), "type": str(field.type)} for field in schema
    ]


def _kind(dtype: Any) -> str:
    try:
        return kind_of_type(dtype)
    except ValueError:
        return "other"  # vehicle_latest's source_table_version is int64; nothing else is


def _table(store: Store, name: str) -> Any:
    if name == TABLE_NAME:
        return tables.flattened(store)
    if name == LATEST_NAME:
        return tables.latest(store)
    raise BadInputError(f"unknown table {name!r}; use {TABLE_NAME} or {LATEST_NAME}", field="table")


def _validate(wanted: list[str], known: list[str], table: str) -> list[str]:
    """`wanted` in order without repeats, each checked against the table's `known` columns."""
    if len(wanted) > MAX_COLUMNS:
        raise BadInputError(f"at most {MAX_COLUMNS} columns at a time", field="column")
    seen: list[str] = []
    for name in wanted:
        if name not in known:
            raise BadInputError(
                f"unknown column {name[:80]!r} in {table}; the columns are listed by "
                "GET /api/telemetry/columns and `weir telemetry query`",
                field="column",
            )
        if name not in seen:
            seen.append(name)
    return seen


def _clean(value: Any) -> Any:
    """JSON-safe value: datetimes as UTC ISO 8601, NaN and infinities as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def _rows(frame: Any) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def latest(
    store: Store,
    *,
    vehicle: str | None = None,
    wanted: list[str] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """Latest known values of every vehicle (or of one), ordered by vehicle, paged.

    Args:
        store: The store.
        vehicle: Only this vehicle (NotFoundError when the table has none such).
        wanted: Columns to return besides ``vehicle_id`` (default: all).
        limit: Page size (1..MAX_LIMIT).
        offset: Rows to skip.
    """
    import polars as pl

    check_page(limit, offset)
    source = tables.latest(store)
    schema = tables.schema(source)
    if schema is None:
        if vehicle is not None:
            raise NotFoundError(_no_tables())
        return Page([], 0, limit, offset)
    names = _validate(wanted or [], schema.names, LATEST_NAME) or schema.names
    selected = [VEHICLE, *(name for name in names if name != VEHICLE)]
    scan = source.scan()
    if vehicle is not None:
        scan = scan.filter(pl.col(VEHICLE) == vehicle)
    frame = scan.select(selected).sort(VEHICLE).collect()
    if vehicle is not None and frame.height == 0:
        raise NotFoundError(f"no vehicle {vehicle[:80]!r} in {LATEST_NAME}")
    return Page(_rows(frame.slice(offset, limit)), frame.height, limit, offset)


def history(
    store: Store,
    vehicle: str,
    wanted: list[str],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """One vehicle's rows over ``[start, end)`` by ``recorded_at``, oldest first, paged.

    Each row holds ``event_id``, ``recorded_at`` and the `wanted` columns (1..MAX_COLUMNS,
    checked against the table).

    Raises:
        BadInputError: no or unknown columns, start not before end, a bad page.
        NotFoundError: no table yet, or no row of that vehicle.
    """
    import polars as pl

    check_page(limit, offset)
    if not wanted:
        raise BadInputError("name at least one column", field="column")
    start, end = utc(start), utc(end)
    if start is not None and end is not None and start >= end:
        raise BadInputError("start must be before end", field="start")
    source = tables.flattened(store)
    schema = tables.schema(source)
    if schema is None:
        raise NotFoundError(_no_tables())
    names = _validate(wanted, schema.names, TABLE_NAME)
    scan = source.scan().filter(pl.col(VEHICLE) == vehicle)
    if not scan.select(pl.len()).collect().item():
        raise NotFoundError(f"no vehicle {vehicle[:80]!r} in {TABLE_NAME}")
    if start is not None:
        scan = scan.filter(pl.col("recorded_at") >= start)
    if end is not None:
        scan = scan.filter(pl.col("recorded_at") < end)
    selected = [*HISTORY_BASE, *(name for name in names if name not in HISTORY_BASE)]
    frame = scan.sort("recorded_at", ORDER_KEY).select(selected).collect()
    return Page(_rows(frame.slice(offset, limit)), frame.height, limit, offset)


def utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # naive times are UTC, as in the table


def _no_tables() -> str:
    return "no telemetry tables yet: run `weir telemetry replay DIR` and `weir telemetry run`"


def key_signals(store: Store) -> list[str]:
    """The :data:`KEY_SIGNALS` the latest table has (the dashboard's default columns)."""
    schema = tables.schema(tables.latest(store))
    return [name for name in KEY_SIGNALS if schema is not None and name in schema.names]


def pending_files(store: Store) -> list[dict[str, Any]]:
    """Landed files the job has not merged yet: path, size, modified (oldest path first)."""
    from weir.telemetry.models import RAW_PREFIX
    from weir.telemetry.pipeline import ledger

    listing = list(store.list(RAW_PREFIX))
    done = ledger.processed(store, listing)
    return [
        {"path": meta.path, "bytes": meta.size, "modified": _clean(meta.modified)}
        for meta in listing
        if meta.path not in done
    ]


def rescued(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Values kept in ``_rescued_data`` (one line per value): the row's event, vehicle and time,
    the column or signal, the raw value and the reason; newest rows first, `limit` rows."""
    import orjson
    import polars as pl

    from weir.telemetry.models import RESCUED

    source = tables.flattened(store)
    if not source.exists():
        return []
    frame = (
        source.scan()
        .filter(pl.col(RESCUED).is_not_null())
        .select("event_id", VEHICLE, "recorded_at", "source_file", RESCUED)
        .sort("recorded_at", descending=True)
        .head(limit)
        .collect()
    )
    out = []
    for row in frame.iter_rows(named=True):
        for column, kept in orjson.loads(row.pop(RESCUED)).items():
            raw = kept.get("raw") if isinstance(kept, dict) else kept
            reason = kept.get("reason") if isinstance(kept, dict) else None
            out.append(
                {
                    **{k: _clean(v) for k, v in row.items()},
                    "column": column,
                    "raw": raw if isinstance(raw, str) else orjson.dumps(raw).decode(),
                    "reason": reason,
                }
            )
    return out


def dead_letters(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Stream records the handler dead-lettered and landed lines the job rejected, with their
    reasons: kind, where (object, or landed file and line), reason, when; newest first."""
    import orjson

    from weir.telemetry.models import DEADLETTER_PREFIX

    rejected_prefix = f"{DEADLETTER_PREFIX}/rejected/"
    metas = sorted(store.list(DEADLETTER_PREFIX), key=lambda m: m.modified, reverse=True)
    out: list[dict[str, Any]] = []
    for meta in metas:
        if len(out) >= limit:
            break
        data = orjson.loads(store.get(meta.path))
        if meta.path.startswith(rejected_prefix):
            for item in data.get("rejected", []):
                where = f"{item.get('file')} line {item.get('row')}"
                out.append(_letter("rejected line", where, item, meta.modified))
        else:
            name = meta.path.removeprefix(DEADLETTER_PREFIX + "/")
            out.append(_letter("stream record", name, data, meta.modified, data.get("failed_at")))
    return out[:limit]


def _letter(
    kind: str, where: str, data: dict[str, Any], modified: datetime, when: str | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "where": where,
        "field": data.get("field"),
        "reason": data.get("reason"),
        "at": when or _clean(modified),
    }


def run_history(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The latest runs of ``weir telemetry run`` (newest first), idle ticks included as
    skipped: when, status, files, rows in and merged, rescued rows, rejected, seconds."""
    from weir.core.runs import history

    rows = []
    for record in history(store, "telemetry", "run", limit=limit):
        counts = record.counts
        rows.append(
            {
                "started_at": _clean(record.started_at),
                "status": record.status,
                "files": counts.get("files", 0),
                "rows_in": counts.get("rows_in", 0),
                "rows_merged": counts.get("rows_merged", 0),
                "rescued_rows": counts.get("rescued_rows", 0),
                "rejected": counts.get("rejected", 0),
                "seconds": record.seconds,
                "note": record.error,
                "run_id": record.run_id,
            }
        )
    return rows
