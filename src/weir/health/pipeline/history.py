"""History in the core database: every check result, each process's status per round,
heartbeat pushes; retention, and uptime per process over 24 h, 7 d and 30 d.

Tables are created by the ``health`` Alembic branch (``weir db upgrade``, or
:func:`ensure_migrated` on first use). Uptime is the share of recorded rounds in which the
process was up (healthy, degraded or pending); rounds in maintenance or unknown do not count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from weir.health.models import CheckResult, Snapshot, Status

HEAD = "health_0001"
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
UP = (Status.HEALTHY.value, Status.DEGRADED.value, Status.PENDING.value)
COUNTED = (*UP, Status.FAILED.value)

metadata = MetaData()
results = Table(
    "health_check_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(200), nullable=False),
    Column("process_id", String(200), nullable=False),
    Column("check_id", String(200), nullable=False),
    Column("check_type", String(100), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("message", String(1000), nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)
states = Table(
    "health_process_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(200), nullable=False),
    Column("process_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("root_cause", String(200)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
heartbeats = Table(
    "health_heartbeats",
    metadata,
    Column("check_id", String(200), primary_key=True),
    Column("pushed_at", DateTime(timezone=True), nullable=False),
    Column("message", String(1000)),
)


def ensure_migrated(engine: Engine) -> None:
    """Apply the migrations unless the database already records the health head."""
    from weir.core.db import discover_version_locations, upgrade

    try:
        with engine.connect() as connection:
            heads = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    except DBAPIError:
        heads = set()
    if HEAD not in heads:
        upgrade(engine.url.render_as_string(hide_password=False), discover_version_locations())


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record(engine: Engine, snapshot: Snapshot, fresh: list[CheckResult]) -> int:
    """Store a round: the fresh results (cached ones were stored when they ran) and each
    process's status. Returns the number of result rows written."""
    now = snapshot.checked_at or datetime.now(UTC)
    rows = [
        {
            "pipeline": snapshot.pipeline,
            "process_id": r.process_id,
            "check_id": r.check_id,
            "check_type": r.type,
            "ok": r.ok,
            "message": r.message[:1000],
            "duration_ms": r.duration_ms,
            "checked_at": r.checked_at,
        }
        for r in fresh
    ]
    process_rows = [
        {
            "pipeline": snapshot.pipeline,
            "process_id": p.id,
            "status": p.status.value,
            "root_cause": p.root_cause,
            "recorded_at": now,
        }
        for p in snapshot.processes
    ]
    with engine.begin() as connection:
        if rows:
            connection.execute(insert(results), rows)
        if process_rows and fresh:
            connection.execute(insert(states), process_rows)
    return len(rows)


def prune(engine: Engine, keep: timedelta, now: datetime | None = None) -> int:
    """Delete history older than `keep`; returns the result rows deleted."""
    cutoff = (now or datetime.now(UTC)) - keep
    with engine.begin() as connection:
        deleted = connection.execute(delete(results).where(results.c.checked_at < cutoff))
        connection.execute(delete(states).where(states.c.recorded_at < cutoff))
    return int(deleted.rowcount or 0)


def check_history(
    engine: Engine,
    pipeline: str,
    *,
    check_id: str | None = None,
    process_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The latest results, newest first, optionally of one check or one process."""
    query = select(results).where(results.c.pipeline == pipeline)
    if check_id:
        query = query.where(results.c.check_id == check_id)
    if process_id:
        query = query.where(results.c.process_id == process_id)
    query = query.order_by(results.c.checked_at.desc(), results.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            "process_id": row["process_id"],
            "check_id": row["check_id"],
            "type": row["check_type"],
            "ok": row["ok"],
            "message": row["message"],
            "duration_ms": row["duration_ms"],
            "checked_at": _utc(row["checked_at"]).isoformat(),
        }
        for row in rows
    ]


def uptime(engine: Engine, pipeline: str, now: datetime | None = None) -> dict[str, Any]:
    """Per process: uptime % over 24 h, 7 d and 30 d (None without counted rounds), and the
    mean and max response time of its checks over 24 h."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {}
    up = func.sum(case((states.c.status.in_(UP), 1), else_=0))
    counted = func.sum(case((states.c.status.in_(COUNTED), 1), else_=0))
    with engine.connect() as connection:
        for window, span in WINDOWS.items():
            query = (
                select(states.c.process_id, up.label("up"), counted.label("counted"))
                .where(and_(states.c.pipeline == pipeline, states.c.recorded_at >= now - span))
                .group_by(states.c.process_id)
            )
            for row in connection.execute(query):
                entry = out.setdefault(row.process_id, {"uptime": {}, "response_ms": {}})
                total = int(row.counted or 0)
                entry["uptime"][window] = (
                    round(100 * int(row.up or 0) / total, 3) if total else None
                )
        timing = (
            select(
                results.c.process_id,
                func.avg(results.c.duration_ms).label("mean"),
                func.max(results.c.duration_ms).label("max"),
                func.count().label("results"),
            )
            .where(
                and_(results.c.pipeline == pipeline, results.c.checked_at >= now - WINDOWS["24h"])
            )
            .group_by(results.c.process_id)
        )
        for row in connection.execute(timing):
            entry = out.setdefault(row.process_id, {"uptime": {}, "response_ms": {}})
            entry["response_ms"] = {
                "mean": round(float(row.mean), 2),
                "max": round(float(row.max), 2),
                "results": int(row.results),
            }
    for entry in out.values():
        for window in WINDOWS:
            entry["uptime"].setdefault(window, None)
    return out


def push(engine: Engine, check_id: str, message: str | None, now: datetime | None = None) -> None:
    """Record a heartbeat push (one row per check, replaced)."""
    when = now or datetime.now(UTC)
    with engine.begin() as connection:
        changed = connection.execute(
            update(heartbeats)
            .where(heartbeats.c.check_id == check_id)
            .values(pushed_at=when, message=message)
        )
        if not changed.rowcount:
            connection.execute(
                insert(heartbeats).values(check_id=check_id, pushed_at=when, message=message)
            )


def last_push(engine: Engine, check_id: str) -> datetime | None:
    """When `check_id` last pushed."""
    with engine.connect() as connection:
        value = connection.execute(
            select(heartbeats.c.pushed_at).where(heartbeats.c.check_id == check_id)
        ).scalar()
    return _utc(value) if value is not None else None
