"""The job: discover new landed files, flatten, merge into Delta, update the ledger, archive.

Order of effects per chunk, and why a crash anywhere is safe:

1. flatten (no effect) — a crash here leaves everything as it was;
2. the chunk's rows upserted into ``car_telemetry_flattened`` (by event_id, newest
   ``_order_key`` wins; equal keys leave the stored row alone, so merging the same files again
   changes nothing, :meth:`weir.core.tables.Table.upsert`): an append of the new event_ids, and
   when some row updates a stored one, a second commit replacing those rows by event_id;
   nothing when nothing is new;
3. ``vehicle_latest`` brought up to date for the chunk's vehicles;
4. one ledger commit naming the files and the table version;
5. files moved to the archive.

A rerun after a crash before (4) merges the same rows again (only what a crash inside (2) left
unwritten is written; their vehicles' ``vehicle_latest`` rows are recomputed from the table);
after (4) it only finishes archiving the files the ledger already holds.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from loguru import logger

from weir.core.runs import record_run
from weir.core.storage import ObjectMeta, Store
from weir.core.tables import Table
from weir.telemetry.models import DEADLETTER_PREFIX, KEY, ORDER_KEY, RAW_PREFIX, STATE_PREFIX
from weir.telemetry.pipeline import latest, ledger, rescue, tables
from weir.telemetry.pipeline.archive import archive, archive_path
from weir.telemetry.pipeline.columns import unify
from weir.telemetry.pipeline.engine import Engine
from weir.telemetry.pipeline.engines import make_engine
from weir.telemetry.pipeline.flatten import FileResult
from weir.telemetry.settings import TelemetrySettings

Hook = Callable[[str], None]
Progress = Callable[[int, int], None]
LAST_RUN = f"{STATE_PREFIX}/last_run.json"


@dataclass
class RunSummary:
    """What one run did (also written to ``telemetry/state/runs/<run_id>.json``).

    ``records`` counts landed lines read, ``rows_in`` rows flattened from them (a retried
    delivery counts once per copy), ``rows_merged`` rows inserted or updated in the table, and
    ``rescued_rows`` those of ``rows_merged`` that carry ``_rescued_data`` — the rows the run
    wrote, in the terms of ``status`` (which counts the table's rows with ``_rescued_data``), so a
    first run reports what ``status`` then shows.
    ``recovered`` counts files an interrupted run had merged but not archived (archived now);
    ``relanded`` files that landed again after they were merged and archived (a replayed or
    retried batch: same name, same size), archived now without merging them twice. A run that
    merges nothing and recovers nothing writes no ``last_run``, so it stays the last run that
    did work (its core run record says ``skipped``). ``phases`` holds the seconds spent in each
    step (``discover``, ``flatten``, ``unify``, ``merge``, ``rescue``, ``latest``, ``ledger``,
    ``archive``), summed over chunks.
    """

    run_id: str
    engine: str
    started_at: str
    ended_at: str = ""
    seconds: float = 0.0
    files: int = 0
    bytes: int = 0
    chunks: int = 0
    records: int = 0
    rows_in: int = 0
    rows_merged: int = 0
    inserted: int = 0
    updated: int = 0
    tombstones: int = 0
    rescued_rows: int = 0
    rejected: int = 0
    archived: int = 0
    recovered: int = 0
    relanded: int = 0
    table_version: int | None = None
    errors: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the seconds the block takes to ``phases[phase]``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.phases[phase] = round(self.phases.get(phase, 0.0) + spent, 3)
            logger.debug("{} took {:.3f} s", phase, spent)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-able data."""
        return asdict(self)


def chunks(
    files: Sequence[ObjectMeta], max_files: int, max_bytes: int
) -> Iterator[list[ObjectMeta]]:
    """Split `files` (in path order) into chunks of at most `max_files` files / `max_bytes`."""
    chunk: list[ObjectMeta] = []
    size = 0
    for meta in files:
        if chunk and (len(chunk) >= max_files or size + meta.size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(meta)
        size += meta.size
    if chunk:
        yield chunk


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _reject(store: Store, results: Sequence[FileResult]) -> int:
    """Write lines that could not become rows next to the dead letters; returns their count."""
    by_file: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        for rejection in result.rejected:
            by_file.setdefault(rejection["file"], []).append(rejection)
    for file, rejected in by_file.items():
        name = file.removeprefix(RAW_PREFIX + "/")
        path = f"{DEADLETTER_PREFIX}/rejected/{name}.json"
        store.put(path, orjson.dumps({"file": file, "rejected": rejected}))
    return sum(len(rejected) for rejected in by_file.values())


def run(
    store: Store,
    settings: TelemetrySettings | None = None,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    hook: Hook | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Process every landed file not yet in the ledger.

    Args:
        store: Holds raw files, tables, archive and state.
        settings: Engine, workers and chunk limits (``WEIR_TELEMETRY_*``; read when omitted).
        engine: An engine to reuse across runs (the caller closes it); else one is made from
            `settings` and closed at the end of the run.
        now: The run's ``pipeline_processed_at`` (defaults to the start time).
        hook: Called at each boundary (``after_flatten``, ``after_commit``, ``after_ledger``,
            ``archive:<n>``); tests raise from it to simulate a crash.
        progress: Called with (files done, files pending) after each chunk.
    """
    settings = settings or TelemetrySettings()
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    summary = RunSummary(run_id, engine.name if engine else settings.engine, started.isoformat())
    with record_run(store, "telemetry", "run", run_id=run_id) as record:
        with contextlib.ExitStack() as stack:
            if engine is None:
                engine = stack.enter_context(make_engine(settings))
            _run(
                _Run(
                    store,
                    settings,
                    engine,
                    summary,
                    processed_at=_micros(now or started),
                    checkpoint=hook or (lambda _: None),
                    progress=progress,
                )
            )
        record.counts.update(
            {key: value for key, value in summary.as_dict().items() if isinstance(value, int)}
        )
        if not (summary.files or summary.recovered):
            record.skip(idle_reason(summary))
    return summary


def idle_reason(summary: RunSummary) -> str:
    """Why a run merged nothing, and what to do about it."""
    again = (
        f"; {summary.relanded} already-merged files landed again and were archived"
        if summary.relanded
        else ""
    )
    return f"no new landed files under {RAW_PREFIX}{again}"


def _sweep(store: Store, listing: Sequence[ObjectMeta], summary: RunSummary) -> set[str]:
    """Archive the landed files the ledger already holds; returns their paths.

    A file whose archive copy is missing was left by a crash between the ledger commit and the
    archive move (``recovered``); one whose archive copy exists was merged and archived before
    and has landed again (``relanded``).
    """
    done = ledger.processed(store, listing)
    ordered = [meta.path for meta in listing if meta.path in done]
    again = [path for path in ordered if store.exists(archive_path(path))]
    seen_again = set(again)
    summary.recovered = archive(store, [path for path in ordered if path not in seen_again])
    summary.relanded = archive(store, again)
    return done


@dataclass
class _Run:
    """What every step of one run needs."""

    store: Store
    settings: TelemetrySettings
    engine: Engine
    summary: RunSummary
    processed_at: int
    checkpoint: Hook
    progress: Progress | None


def _run(run: _Run) -> None:
    store, summary = run.store, run.summary
    started = datetime.fromisoformat(summary.started_at)
    log = logger.bind(system="telemetry", step="job", run_id=summary.run_id)
    with summary.timed("discover"):
        listing = list(store.list(RAW_PREFIX))
        done = _sweep(store, listing, summary)
        pending = [meta for meta in listing if meta.path not in done]
    log.info("{} files pending", len(pending))
    if summary.recovered:
        log.info("{} files an interrupted run had merged: archived now", summary.recovered)
    if summary.relanded:
        log.info("{} already-merged files landed again: archived, not merged", summary.relanded)
    main = tables.flattened(store)
    for chunk in chunks(pending, run.settings.chunk_files, run.settings.chunk_bytes):
        _chunk(run, main, chunk)
        if run.progress is not None:
            run.progress(summary.files, len(pending))
    ended = datetime.now(UTC)
    summary.ended_at = ended.isoformat()
    summary.seconds = round((ended - started).total_seconds(), 3)
    if summary.files or summary.recovered:  # an idle tick of --every/--watch leaves no record
        record = orjson.dumps(summary.as_dict())
        store.put(f"{STATE_PREFIX}/runs/{summary.run_id}.json", record)
        store.put(LAST_RUN, record)
    log.info("run done: {} files, {} rows merged", summary.files, summary.rows_merged)


def _flatten(run: _Run, main: Table, chunk: list[ObjectMeta]) -> list[FileResult]:
    """Flatten a chunk with the column kinds the table has now (no effect on the store)."""
    paths = [meta.path for meta in chunk]
    established = tables.established_kinds(main)
    return run.engine.flatten(
        run.store, paths, processed_at=run.processed_at, established=established
    )


def _chunk(run: _Run, main: Table, chunk: list[ObjectMeta]) -> None:
    """Flatten a chunk and commit it: merge, vehicle_latest, ledger, archive.

    The flattened batches are referenced here only, so they are freed once unified.
    """
    store, summary, checkpoint = run.store, run.summary, run.checkpoint
    paths = [meta.path for meta in chunk]
    with summary.timed("flatten"):
        results = _flatten(run, main, chunk)
    checkpoint("after_flatten")
    with summary.timed("unify"):
        established = tables.established_kinds(main)
        data = unify(results, established)
        summary.rejected += _reject(store, results)
    summary.records += sum(result.records for result in results)
    summary.tombstones += sum(result.tombstones for result in results)
    summary.rows_in += data.num_rows
    del results  # the chunk's rows live on in `data` only, and only until the merge
    version = main.version() if main.exists() else None
    if data.num_rows:
        with summary.timed("merge"):
            merged = main.upsert(
                data,
                [KEY],
                order_by=ORDER_KEY,
                commit_metadata={"weir.run_id": summary.run_id, "weir.files": str(len(paths))},
            )
        touched = data.select([latest.VEHICLE, KEY])
        del data  # the chunk lives on only in the rows written, until vehicle_latest plans
        version = merged.version
        summary.inserted += merged.inserted
        summary.updated += merged.updated
        summary.rows_merged += merged.inserted + merged.updated
        with summary.timed("rescue"):
            summary.rescued_rows += rescue.written(merged.rows, merged.written)
        checkpoint("after_commit")
        with summary.timed("latest"):
            update = latest.plan(store, touched, merged, version)
            del merged, touched  # free the chunk before vehicles are recomputed from history
            latest.apply(store, update, version)
    with summary.timed("ledger"):
        ledger.record(store, chunk, table_version=version, run_id=summary.run_id)
    checkpoint("after_ledger")
    with summary.timed("archive"):
        summary.archived += archive(store, paths, lambda n: checkpoint(f"archive:{n}"))
    summary.chunks += 1
    summary.files += len(chunk)
    summary.bytes += sum(meta.size for meta in chunk)
    summary.table_version = version
