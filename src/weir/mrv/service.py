"""The MRV service: the operations the CLI and the dashboard share (write steps and reads).

Callers build an engine from ``weir.core.settings.Settings`` and pass it in; nothing here reads
the environment except through an explicit :class:`~weir.mrv.settings.MrvSettings`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from weir.core.db import discover_version_locations, upgrade
from weir.mrv.models import RESULT_COLUMNS, IngestionRun, MrvResult, QaFinding
from weir.mrv.pipeline.step2_qaqc.ph_stats import PhDay, daily_ph
from weir.mrv.pipeline.step2_qaqc.qaqc import CONTENT, run_qa
from weir.mrv.pipeline.step3_calculate.calculate import CalcSummary, run_calculation
from weir.mrv.rules import QUALITY_FLAGS, SKIPPED_FLAGS, QualityFlag
from weir.mrv.settings import MrvSettings

if TYPE_CHECKING:
    from weir.core.runs import RunHandle
    from weir.core.storage import Store
    from weir.mrv.pipeline.step1_ingest.ingest import IngestReport


@dataclass(frozen=True)
class Filters:
    """Result filters shared by the report command and the dashboard."""

    plant: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    flags: tuple[str, ...] = ()


__all__ = ["QUALITY_FLAGS", "Filters", "count_inputs"]


def count_inputs(folder: Path) -> int:
    """How many known input files ``folder`` holds."""
    from weir.mrv.pipeline.step1_ingest.ingest import discover

    return sum(1 for _ in discover(folder))


def expected_layout() -> str:
    """The input files ``ingest`` looks for, as folder patterns."""
    from weir.mrv.pipeline.step1_ingest.ingest import SOURCES

    return ", ".join(pattern for _, pattern, _, _ in SOURCES)


#: The head of the MRV Alembic branch (a test checks it against the revision files).
MRV_HEAD = "mrv_0004"


def migrate(database_url: str) -> None:
    """Bring the MRV tables to the latest revision (Alembic, never drop and recreate)."""
    upgrade(database_url, discover_version_locations())


def ensure_migrated(engine: Engine) -> None:
    """Migrate unless the database already records the MRV head (one cheap query instead of
    loading Alembic's scripts on every command)."""
    try:
        with engine.connect() as connection:
            heads = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    except DBAPIError:  # no alembic_version table yet
        heads = set()
    if MRV_HEAD not in heads:
        migrate(engine.url.render_as_string(hide_password=False))


def _recorded(store: Store | None, step: str) -> AbstractContextManager[RunHandle | None]:
    """A run record of `step` in `store` (``weir status``, the health system), if given."""
    from weir.core.runs import record_run

    return record_run(store, "mrv", step) if store is not None else nullcontext()


def ingest(
    engine: Engine,
    folder: Path,
    settings: MrvSettings,
    progress: Callable[[str], None] | None = None,
    *,
    store: Store | None = None,
) -> tuple[IngestReport, dict[str, int]]:
    """Ingest a folder, then run the QA pass; return the report and QA counts.

    With `store`, the run is also recorded there (status failed when any file failed).
    """
    from weir.mrv.pipeline.step1_ingest.ingest import (
        ingest_folder,  # the parsers: only when ingesting
    )

    with _recorded(store, "ingest") as run:
        report = ingest_folder(engine, folder, settings, progress)
        qa_counts = run_qa(engine)
        if run is not None:
            run.counts.update(
                files=len(report.files),
                loaded=sum(f.status == "loaded" for f in report.files),
                unchanged=sum(f.status == "unchanged" for f in report.files),
                failed=len(report.failed),
                rows_loaded=sum(f.rows_loaded for f in report.files),
                rows_rejected=sum(f.rows_rejected for f in report.files),
            )
            if report.failed:
                run.record.status = "failed"
                run.record.error = f"{len(report.failed)} files failed: " + ", ".join(
                    f.file for f in report.failed
                )
    return report, qa_counts


def calculate(
    engine: Engine, settings: MrvSettings, *, store: Store | None = None
) -> tuple[CalcSummary, dict[str, int]]:
    """Recalculate ``mrv_results``, then run the QA pass (recorded in `store`, if given)."""
    with _recorded(store, "calculate") as run:
        summary = run_calculation(engine, settings)
        qa_counts = run_qa(engine)
        if run is not None:
            run.counts.update(
                days=summary.days, **{f"days_{k}": v for k, v in summary.by_flag.items()}
            )
    return summary, qa_counts


def qa(engine: Engine) -> dict[str, int]:
    """Run the QA pass alone."""
    return run_qa(engine)


def results(engine: Engine, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """``mrv_results`` rows matching ``filters``, ordered by plant and date."""
    query = (  # the columns, not ORM objects: the report reads thousands of rows
        select(*(getattr(MrvResult, c) for c in RESULT_COLUMNS))
        .where(MrvResult.is_current)
        .order_by(MrvResult.plant_id, MrvResult.date)
    )
    if filters.plant:
        query = query.where(MrvResult.plant_id == filters.plant)
    if filters.start:
        query = query.where(MrvResult.date >= filters.start)
    if filters.end:
        query = query.where(MrvResult.date <= filters.end)
    if filters.flags:
        query = query.where(MrvResult.quality_flag.in_(filters.flags))
    with Session(engine) as session:
        return [dict(zip(RESULT_COLUMNS, r, strict=True)) for r in session.execute(query)]


def _mc_parameters(rows: list[dict[str, Any]], settings: MrvSettings) -> dict[str, Any]:
    """The Monte Carlo parameters stored on the rows (the first row that has them); the
    current settings only for rows calculated before the parameters were recorded."""
    stored = next((r for r in rows if r.get("mc_draws") is not None), None)
    names = (
        "ca_rel_uncertainty",
        "flow_rel_uncertainty",
        "mc_draws",
        "mc_seed",
        "conservative_percentile",
    )
    ca, flow, draws, seed, percentile = (
        getattr(settings, n) if stored is None else stored[n] for n in names
    )
    return {
        "ca_rel": ca,
        "flow_rel": flow,
        "draws": int(draws),
        "seed": int(seed),
        "percentile": percentile,
    }


def totals(
    rows: list[dict[str, Any]], settings: MrvSettings, by_month: bool = False
) -> list[dict[str, Any]]:
    """Totals per plant (and month) of result rows: day counts, t CO₂, Monte Carlo estimate.

    Only VALID days are credited; INVALID days are counted and their (≤ 0) CO₂ shown apart.
    The Monte Carlo uses what each row was calculated with (its ``mol_co2_per_mol_ca`` and the
    stored uncertainty, draws, seed and percentile), not the current environment; ``settings``
    only fills in for rows calculated before those were stored.
    """
    # numpy: imported only for totals
    from weir.mrv.pipeline.step3_calculate.uncertainty import monte_carlo_total

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        period = row["date"].strftime("%Y-%m") if by_month else "all"
        groups.setdefault((row["plant_id"], period), []).append(row)
    out = []
    for (plant, period), group in sorted(groups.items()):
        valid = [r for r in group if r["quality_flag"] == QualityFlag.VALID]
        estimate = monte_carlo_total(
            [r["ca_upstream_mg_l"] for r in valid],
            [r["ca_downstream_mg_l"] for r in valid],
            [r["flow_mgd"] for r in valid],
            mol_co2_per_mol_ca=[r["mol_co2_per_mol_ca"] for r in valid],
            **_mc_parameters(valid or group, settings),
        )
        ratios = sorted({r["mol_co2_per_mol_ca"] for r in valid})
        out.append(
            {
                "plant_id": plant,
                "period": period,
                "first_date": min(r["date"] for r in group).isoformat(),
                "last_date": max(r["date"] for r in group).isoformat(),
                "days": len(group),
                "days_valid": len(valid),
                "days_invalid": sum(r["quality_flag"] == QualityFlag.INVALID for r in group),
                "days_skipped": sum(r["quality_flag"] in SKIPPED_FLAGS for r in group),
                "co2_t": sum(r["co2_t_per_day"] for r in valid),
                "co2_t_invalid_days": sum(
                    r["co2_t_per_day"] or 0.0
                    for r in group
                    if r["quality_flag"] == QualityFlag.INVALID
                ),
                "mc_mean_t": estimate.mean_t,
                "conservative_t": estimate.conservative_t,
                "conservative_percentile": estimate.percentile,
                "mc_draws": estimate.draws,
                "mc_seed": estimate.seed,
                "mol_co2_per_mol_ca": ratios[0] if len(ratios) == 1 else (ratios or None),
            }
        )
    return out


def findings(
    engine: Engine, filters: Filters = Filters(), level: int | None = None
) -> list[dict[str, Any]]:
    """QA findings; plant and date filters keep findings without a plant or date."""
    query = select(QaFinding).order_by(QaFinding.level, QaFinding.id)
    if level is not None:
        query = query.where(QaFinding.level == level)
    if filters.plant:
        query = query.where((QaFinding.plant_id == filters.plant) | QaFinding.plant_id.is_(None))
    if filters.start:
        query = query.where((QaFinding.date >= filters.start) | QaFinding.date.is_(None))
    if filters.end:
        query = query.where((QaFinding.date <= filters.end) | QaFinding.date.is_(None))
    with Session(engine) as session:
        return [{c: getattr(f, c) for c in CONTENT} for f in session.scalars(query)]


def qa_counts(engine: Engine) -> list[dict[str, Any]]:
    """Finding counts by level, check and severity."""
    query = (
        select(QaFinding.level, QaFinding.check, QaFinding.severity, func.count())
        .group_by(QaFinding.level, QaFinding.check, QaFinding.severity)
        .order_by(QaFinding.level, QaFinding.check, QaFinding.severity)
    )
    with Session(engine) as session:
        return [
            {"level": lv, "check": c, "severity": s, "count": n}
            for lv, c, s, n in session.execute(query)
        ]


def runs(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The latest ingestion runs, newest first."""
    columns = (
        "id",
        "file",
        "source",
        "status",
        "sha256",
        "started_at",
        "ended_at",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rows_skipped",
        "errors",
    )
    query = select(IngestionRun).order_by(IngestionRun.id.desc()).limit(limit)
    with Session(engine) as session:
        return [{c: getattr(r, c) for c in columns} for r in session.scalars(query)]


def ph_daily(engine: Engine, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """Daily pH statistics (mean/min/max, coverage %, spikes) as dicts."""
    with Session(engine) as session:
        days: list[PhDay] = daily_ph(session, filters.plant, filters.start, filters.end)
    return [asdict(d) for d in days]


def change_stamp(engine: Engine) -> tuple[Any, ...]:
    """A cheap fingerprint of the data the dashboard shows: it changes with every ingest,
    calculation or QA pass that writes something (latest run and its end, latest result
    calculation, latest finding)."""
    with Session(engine) as session:
        runs = session.execute(
            select(func.max(IngestionRun.id), func.max(IngestionRun.ended_at))
        ).one()
        result = session.execute(
            select(func.max(MrvResult.id), func.max(MrvResult.calculated_at))
        ).one()
        finding = session.execute(select(func.max(QaFinding.id), func.count(QaFinding.id))).one()
    return (*runs, *result, *finding)


def plants(engine: Engine) -> list[str]:
    """Plants with results."""
    with Session(engine) as session:
        return list(
            session.scalars(select(MrvResult.plant_id).distinct().order_by(MrvResult.plant_id))
        )


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """CSV text of ``rows`` in ``columns`` order; nested values JSON-encoded, None empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = (row.get(c) for c in columns)
        writer.writerow(
            json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else v)
            for v in values
        )
    return buffer.getvalue()
