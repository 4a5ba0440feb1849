"""Run records: each run of each step of each system, as JSON in the store.

Layout under the store root::

    state/<system>/<step>/last.json                   the latest run (one small read)
    state/<system>/<step>/runs/<started>_<run_id>.json  every run, in time order

A system never imports another; what the health system and ``weir status`` know of a system's
runs is these files. Systems keep their own detailed records where they have them.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from loguru import logger
from pydantic import BaseModel, Field

from weir.core.errors import NotFoundError, WeirError
from weir.core.storage import Store

STATE_PREFIX = "state"
RunStatus = Literal["ok", "failed", "skipped"]


class RunRecord(BaseModel):
    """One run of one step.

    Attributes:
        system: The system (``telemetry``).
        step: The step (``run``, ``ingest``, ``publish`` …).
        run_id: Unique id of the run.
        started_at, ended_at: UTC times; ``ended_at`` is None while running.
        status: ``ok``, ``failed``, or ``skipped`` (nothing to do).
        counts: The run's figures (files, rows …).
        error: One line on why it failed.
    """

    system: str
    step: str
    run_id: str
    started_at: datetime
    ended_at: datetime | None = None
    status: RunStatus = "ok"
    counts: dict[str, int | float] = Field(default_factory=dict)
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        """How long the run took."""
        if self.ended_at is None:
            return None
        return round((self.ended_at - self.started_at).total_seconds(), 3)


def _folder(system: str, step: str) -> str:
    return f"{STATE_PREFIX}/{system}/{step}"


def new_run_id(now: datetime | None = None) -> str:
    """A run id sorting by time: ``20250101T000000Z-1a2b3c4d``."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def write_run(store: Store, record: RunRecord) -> None:
    """Store `record` in the step's history, then as the step's last run."""
    folder = _folder(record.system, record.step)
    data = record.model_dump(mode="json")
    store.put_json(f"{folder}/runs/{record.started_at:%Y%m%dT%H%M%S%fZ}_{record.run_id}.json", data)
    store.put_json(f"{folder}/last.json", data)


def last_run(store: Store, system: str, step: str) -> RunRecord | None:
    """The latest run of a step, or None if it never ran."""
    try:
        return RunRecord.model_validate(store.get_json(f"{_folder(system, step)}/last.json"))
    except NotFoundError:
        return None


def history(store: Store, system: str, step: str, limit: int = 50) -> list[RunRecord]:
    """The latest `limit` runs of a step, newest first."""
    metas = list(store.list(f"{_folder(system, step)}/runs"))[-limit:]
    return [RunRecord.model_validate(store.get_json(meta.path)) for meta in reversed(metas)]


def steps(store: Store, system: str | None = None) -> list[tuple[str, str]]:
    """Every (system, step) that has a last run, from the store."""
    prefix = f"{STATE_PREFIX}/{system}" if system else STATE_PREFIX
    found = []
    for meta in store.list(prefix):
        parts = meta.path.split("/")
        if len(parts) == 4 and parts[3] == "last.json":
            found.append((parts[1], parts[2]))
    return found


class RunHandle:
    """What a step fills in while it runs: counts, and a skip when there was nothing to do."""

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        self.counts: dict[str, int | float] = record.counts

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.record.run_id

    def skip(self, reason: str | None = None) -> None:
        """Mark the run as skipped (nothing to do)."""
        self.record.status = "skipped"
        self.record.error = reason


@contextmanager
def record_run(
    store: Store, system: str, step: str, *, run_id: str | None = None
) -> Iterator[RunHandle]:
    """Record one run of a step around the block; a failure is recorded and re-raised.

    Example::

        with record_run(store, "dac", "publish") as run:
            run.counts["rows_read"] = 1440
    """
    started = datetime.now(UTC)
    record = RunRecord(
        system=system, step=step, run_id=run_id or new_run_id(started), started_at=started
    )
    handle = RunHandle(record)
    try:
        with logger.contextualize(run_id=record.run_id, system=system, step=step):
            yield handle
    except BaseException as exc:
        record.status = "failed"
        record.error = (
            exc.message
            if isinstance(exc, WeirError)
            else "".join(traceback.format_exception_only(exc)).strip() or type(exc).__name__
        )
        record.ended_at = datetime.now(UTC)
        _write_quietly(store, record)
        raise
    record.ended_at = datetime.now(UTC)
    write_run(store, record)


def _write_quietly(store: Store, record: RunRecord) -> None:
    """Write a failure record without hiding the failure (the store may be what failed)."""
    try:
        write_run(store, record)
    except Exception as exc:  # the original error matters more
        logger.warning("could not record the failed run {}: {}", record.run_id, exc)


def status_rows(
    store: Store,
    policies: dict[tuple[str, str], Any],
    default_policy: Any,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Per system and step: the last run, its status, age and freshness.

    Args:
        store: Where the run records are.
        policies: (system, step) → ``FreshnessPolicy`` declared for it.
        default_policy: The policy of a step none is declared for.
        now: The reference time (default: now, UTC).
    """
    now = now or datetime.now(UTC)
    keys = sorted(set(steps(store)) | set(policies))
    rows = []
    for system, step in keys:
        record = last_run(store, system, step)
        policy = policies.get((system, step), default_policy)
        last_time = record.ended_at or record.started_at if record else None
        rows.append(
            {
                "system": system,
                "step": step,
                "status": record.status if record else "never",
                "run_id": record.run_id if record else None,
                "last_run_at": last_time.isoformat() if last_time else None,
                "age_seconds": round((now - last_time).total_seconds()) if last_time else None,
                "freshness": str(policy.evaluate(last_time, now)),
                "error": record.error if record else None,
                "counts": record.counts if record else {},
            }
        )
    return rows
