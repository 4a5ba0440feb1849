"""Ingest a folder of raw MRV files: one transaction per file, idempotent by SHA-256.

Rules:

* A file is identified by its path relative to the folder. When the last run of that path
  has the same SHA-256, or the same content is already loaded, nothing is written
  (``unchanged``): ingesting a folder twice changes nothing.
* A changed file is parsed and loaded in one transaction that also marks the path's earlier
  rows and runs ``superseded_by_run_id`` (kept for audit, no longer used).
* A file that cannot be read (or whose parsing fails unexpectedly) is recorded as a ``failed``
  run naming file, sheet, row and column where known; nothing of it is written and the other
  files still load. A bad cell or a short row only rejects its row (kept, with the reason).
* After loading, pH readings repeated across files are resolved
  (:mod:`weir.mrv.pipeline.step1_ingest.ph_overlap`) and operations precedence is
  recomputed (:mod:`weir.mrv.pipeline.step1_ingest.precedence`); the report lists only the
  conflicts that involve a file this ingest loaded. When nothing was loaded, no table is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from loguru import logger
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from weir.core.db import insert_columns
from weir.mrv.errors import FileReadError
from weir.mrv.models import IngestionRun, LabReading, PlantOperation
from weir.mrv.pipeline.step1_ingest import ph_overlap, precedence
from weir.mrv.pipeline.step1_ingest.parsers.common import ParsedFile, sha256_file
from weir.mrv.pipeline.step1_ingest.sources import lab, ops_a, ops_b, ph
from weir.mrv.rules import RunStatus
from weir.mrv.settings import MrvSettings

#: Parser bookkeeping on a record that is not a column.
PRIVATE_KEYS = ("_unparsed", "_failed_columns")
Parser = Callable[[Path, str, MrvSettings], ParsedFile]
#: (source, glob under the ingest folder, parser, target model).
SOURCES: tuple[tuple[str, str, Parser, type[LabReading] | type[PlantOperation]], ...] = (
    ("lab", "lab/*.csv", lab.parse, LabReading),
    ("ph", "sensors/ph_*.csv", ph.parse, LabReading),
    ("ops_a", "ops/plant_a/*.xls*", ops_a.parse, PlantOperation),
    ("ops_b", "ops/plant_b/*.xls*", ops_b.parse, PlantOperation),
)


@dataclass
class FileOutcome:
    """What happened to one file: loaded, unchanged or failed."""

    file: str
    source: str
    status: RunStatus | Literal["unchanged"]
    run_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    message: str = ""


@dataclass
class IngestReport:
    """The outcome of one ingest call."""

    batch_id: str
    files: list[FileOutcome] = field(default_factory=list)
    conflicts: list[precedence.Conflict] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        """The files that failed (now or, unchanged, in an earlier run)."""
        return [f for f in self.files if f.status == RunStatus.FAILED]


def discover(root: Path) -> Iterator[tuple[str, Path, Parser, Any]]:
    """Every known input file under ``root``, in source order then name order."""
    for source, pattern, parser, model in SOURCES:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and not path.name.startswith(("~$", ".")):
                yield source, path, parser, model


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _unchanged(session: Session, rel: str, sha: str) -> IngestionRun | None:
    last = session.scalars(
        select(IngestionRun).where(IngestionRun.file == rel).order_by(IngestionRun.id.desc())
    ).first()
    if last is not None and last.sha256 == sha:
        return last
    return session.scalars(
        select(IngestionRun).where(
            IngestionRun.sha256 == sha, IngestionRun.status == RunStatus.LOADED
        )
    ).first()


def _load(
    session: Session, run: IngestionRun, parsed: ParsedFile, model: Any, rel: str, sha: str
) -> None:
    """Insert the run and its rows, supersede the path's earlier rows (caller's transaction)."""
    session.add(run)
    session.flush()
    for table in (LabReading, PlantOperation):
        session.execute(
            update(table)
            .where(
                table.source_file == rel,
                table.superseded_by_run_id.is_(None),
                table.ingestion_run_id != run.id,
            )
            .values(superseded_by_run_id=run.id)
        )
    session.execute(
        update(IngestionRun)
        .where(
            IngestionRun.file == rel,
            IngestionRun.id != run.id,
            IngestionRun.status == RunStatus.LOADED,
        )
        .values(status=RunStatus.SUPERSEDED, superseded_by_run_id=run.id)
    )
    records = parsed.records
    if not records:
        return
    column = {p.key: p.columns[0].name for p in model.__mapper__.column_attrs}
    fields = records[0].keys() - PRIVATE_KEYS
    if any(rec.keys() - PRIVATE_KEYS != fields for rec in records):  # never drop a field
        raise RuntimeError(f"{rel}: the parsed records do not all have the same fields")
    attributes = [key for key in records[0] if key in fields]
    columns: dict[str, list[Any]] = {
        column.get(key, key): [rec[key] for rec in records] for key in attributes
    }
    lineage = {"source_file": rel, "file_sha256": sha, "ingestion_run_id": run.id}
    columns |= {name: [value] * len(records) for name, value in lineage.items()}
    insert_columns(session.connection(), model.__table__, columns)


def ingest_file(
    engine: Engine,
    root: Path,
    source: str,
    path: Path,
    parser: Parser,
    model: Any,
    batch_id: str,
    settings: MrvSettings,
) -> FileOutcome:
    """Ingest one file in one transaction (see the module rules)."""
    rel = path.relative_to(root).as_posix()
    log = logger.bind(system="mrv", step="ingest", run_id=batch_id, file=rel)
    started = _now()
    try:
        sha = sha256_file(path)
    except OSError as exc:
        log.warning("file unreadable: {}", exc)
        error = _error(rel, f"cannot read file: {exc.strerror or exc}")
        with Session(engine) as session:
            last = _unchanged(session, rel, "")
            if last is not None and last.errors == [error]:  # still unreadable: nothing new
                return FileOutcome(rel, source, RunStatus.FAILED, last.id, message=error["message"])
        return _record_failure(engine, batch_id, source, rel, "", started, error)
    with Session(engine) as session:
        previous = _unchanged(session, rel, sha)
        if previous is not None:
            status: RunStatus | Literal["unchanged"] = (
                RunStatus.FAILED if previous.status == RunStatus.FAILED else "unchanged"
            )
            message = (previous.errors[0]["message"] if previous.errors else "") or (
                "same content already loaded"
                + ("" if previous.file == rel else f" from {previous.file}")
            )
            log.info("{}: {}", status, message)
            return FileOutcome(rel, source, status, previous.id, message=message)
    try:
        parsed = parser(path, rel, settings)
    except FileReadError as exc:
        log.warning("file failed: {}", exc.message)
        return _record_failure(engine, batch_id, source, rel, sha, started, exc.as_dict())
    except Exception as exc:  # a parser bug or an unforeseen input: fail this file only
        log.exception("parse failed")
        error = _error(rel, f"unexpected error while reading: {type(exc).__name__}: {exc}")
        return _record_failure(engine, batch_id, source, rel, sha, started, error)
    run = IngestionRun(
        batch_id=batch_id,
        source=source,
        file=rel,
        sha256=sha,
        started_at=started,
        status=RunStatus.LOADED,
        rows_read=len(parsed.records) + len(parsed.skipped),
        rows_loaded=len(parsed.records) - parsed.rejected,
        rows_rejected=parsed.rejected,
        rows_skipped=len(parsed.skipped),
        errors=[],
        details={
            **parsed.details,
            "skipped": [
                {"row": s.row, "sheet": s.sheet, "reason": s.reason} for s in parsed.skipped
            ],
        },
    )
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            _load(session, run, parsed, model, rel, sha)
            run.ended_at = _now()
    except Exception as exc:  # a database error: record it, keep going with other files
        log.exception("load failed")
        error = _error(rel, f"database error while loading: {type(exc).__name__}")
        return _record_failure(engine, batch_id, source, rel, sha, started, error)
    log.info("loaded {} rows ({} rejected)", run.rows_loaded, run.rows_rejected)
    return FileOutcome(
        rel,
        source,
        RunStatus.LOADED,
        run.id,
        run.rows_read,
        run.rows_loaded,
        run.rows_rejected,
        run.rows_skipped,
    )


def _error(rel: str, message: str) -> dict[str, Any]:
    return {"file": rel, "sheet": None, "row": None, "column": None, "message": message}


def _record_failure(
    engine: Engine,
    batch_id: str,
    source: str,
    rel: str,
    sha: str,
    started: dt.datetime,
    error: dict[str, Any],
) -> FileOutcome:
    with Session(engine) as session, session.begin():
        run = IngestionRun(
            batch_id=batch_id,
            source=source,
            file=rel,
            sha256=sha,
            started_at=started,
            ended_at=_now(),
            status=RunStatus.FAILED,
            rows_read=0,
            rows_loaded=0,
            rows_rejected=0,
            rows_skipped=0,
            errors=[error],
            details={},
        )
        session.add(run)
        session.flush()
        run_id = run.id
    return FileOutcome(rel, source, RunStatus.FAILED, run_id, message=str(error["message"]))


def ingest_folder(
    engine: Engine,
    root: Path,
    settings: MrvSettings,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest every known file under ``root``; then resolve operations precedence.

    Raises:
        FileReadError: ``root`` is not a folder.
    """
    if not root.is_dir():
        raise FileReadError("input folder does not exist", file=str(root))
    report = IngestReport(batch_id=str(uuid.uuid4()))
    for source, path, parser, model in discover(root):
        report.files.append(
            ingest_file(engine, root, source, path, parser, model, report.batch_id, settings)
        )
        if progress is not None:
            progress(path.name)
    loaded = {f.run_id for f in report.files if f.status == RunStatus.LOADED}
    if loaded:  # nothing new loaded: nothing to resolve, no table is touched
        with Session(engine) as session, session.begin():
            if any(f.source == "ph" and f.status == RunStatus.LOADED for f in report.files):
                ph_overlap.resolve(session)
            report.conflicts = [
                c for c in precedence.resolve(session) if {c.winner_run_id, c.loser_run_id} & loaded
            ]
    return report
