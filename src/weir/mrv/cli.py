"""``weir mrv …`` commands: ingest, calculate, qa, report; plus ``sample`` and ``demo`` hooks.

Exit codes: 0 ok, 1 a file failed or a step failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from weir.core.cli import JsonOpt, dumps, emit, fail, pause_collector, progress
from weir.core.errors import BadInputError
from weir.mrv.cli_review import app as review_app
from weir.mrv.cli_review import statement

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from weir.core.settings import Settings

app = typer.Typer(
    help="Carbon-removal MRV: ingest, QA/QC, calculate, report, review, statement.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")
app.command("statement")(statement)


#: The engines the running command opened (see :func:`_engine`).
_engines: list[Engine] = []


@app.callback()
def _batch(ctx: typer.Context) -> None:
    """Every ``weir mrv`` command is a batch: no garbage collector passes while it runs; its
    engines are disposed when it ends (on SQLite the last connection checkpoints the WAL,
    leaving one self-contained file)."""
    pause_collector(ctx)
    ctx.call_on_close(_dispose_engines)


def _dispose_engines() -> None:
    while _engines:
        _engines.pop().dispose()


def _console() -> Console:
    """A console for this command's output (built per call: width follows ``COLUMNS``)."""
    return Console()


class Format(StrEnum):
    """Output formats of ``report``."""

    table = "table"
    csv = "csv"
    json = "json"


def _engine(settings: Settings | None = None) -> tuple[Engine, Settings]:
    """Engine on a migrated database; a command (no ``settings`` given) also sets up logging."""
    from weir.core.db import make_engine
    from weir.core.logging import configure_logging
    from weir.core.settings import Settings
    from weir.mrv import service

    command = settings is None
    if settings is None:
        settings = Settings()
        configure_logging(settings, json_path=settings.home / "logs" / "mrv.jsonl")
    engine = make_engine(settings.database_url)
    if command:  # disposed when the command ends
        _engines.append(engine)
    service.ensure_migrated(engine)
    return engine, settings


def _store(settings: Settings) -> Any:
    """The store where MRV records its runs."""
    from weir.core.storage import Store

    return Store.from_settings(settings)


@app.command()
def ingest(
    folder: Annotated[Path, typer.Argument(help="Folder with lab/, sensors/ and ops/.")],
    as_json: JsonOpt = False,
) -> None:
    """Ingest lab, pH and plant-operations files (idempotent; one transaction per file)."""
    from weir.mrv import service
    from weir.mrv.settings import MrvSettings

    if not folder.is_dir():
        raise fail(f"not a folder: {folder}")
    total = service.count_inputs(folder)
    if total == 0:
        raise fail(
            f"no MRV input files in {folder}; expected {service.expected_layout()} "
            "under that folder"
        )
    engine, settings = _engine()
    done = 0

    with progress("ingesting", disable=as_json) as update:

        def advance(_name: str) -> None:
            nonlocal done
            done += 1
            update(done, total)

        report, qa_counts = service.ingest(
            engine, folder, MrvSettings(), advance, store=_store(settings)
        )
    files = [vars(f) for f in report.files]
    if as_json:
        print(
            dumps(
                {
                    "batch_id": report.batch_id,
                    "files": files,
                    "qa": qa_counts,
                    "conflicts": [vars(c) for c in report.conflicts],
                }
            )
        )
    else:
        emit(
            files,
            False,
            title="MRV ingest",
            columns=[
                "file",
                "status",
                "rows_read",
                "rows_loaded",
                "rows_rejected",
                "rows_skipped",
                "message",
            ],
        )
        if report.conflicts:
            _console().print(
                f"{len(report.conflicts)} overlapping-file conflicts resolved "
                "(latest revision wins); see `weir mrv qa`."
            )
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def calculate(as_json: JsonOpt = False) -> None:
    """Calculate daily CO₂ removal per plant into mrv_results, then run QA/QC."""
    from weir.mrv import service
    from weir.mrv.settings import MrvSettings

    engine, core = _engine()
    settings = MrvSettings()
    summary, qa_counts = service.calculate(engine, settings, store=_store(core))
    rows = service.totals(service.results(engine), settings)
    if as_json:
        print(
            dumps(
                {
                    "days": summary.days,
                    "by_flag": summary.by_flag,
                    "totals": rows,
                    "qa": qa_counts,
                    "reviews_opened": summary.reviews_opened,
                    "reviews_superseded": summary.reviews_superseded,
                    "new_versions": summary.new_versions,
                }
            )
        )
        return
    _console().print(
        f"{summary.days} plant-days: "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_flag.items()))
    )
    if summary.reviews_superseded:
        _console().print(
            f"approved or pending numbers changed: {summary.new_versions} approved rows got a new "
            f"version; reviews {', '.join(map(str, summary.reviews_superseded))} superseded"
        )
    if summary.reviews_opened:
        _console().print(
            "reviews opened: "
            + ", ".join(map(str, summary.reviews_opened))
            + " (`weir mrv review list --state pending`)"
        )
    emit(
        rows,
        False,
        title="CO₂ removal totals (t)",
        columns=[
            "plant_id",
            "first_date",
            "last_date",
            "days_valid",
            "days_invalid",
            "days_skipped",
            "co2_t",
            "mc_mean_t",
            "conservative_t",
        ],
    )


@app.command("qa")
def qa_command(
    as_json: JsonOpt = False,
    level: Annotated[int | None, typer.Option(min=1, max=4, help="Only this level.")] = None,
) -> None:
    """Run the QA/QC pass (levels 1–4) and show the findings."""
    from weir.mrv import service

    engine, _ = _engine()
    service.qa(engine)
    counts = service.qa_counts(engine)
    if level is not None:
        counts = [c for c in counts if c["level"] == level]
    if as_json:
        print(dumps({"counts": counts, "findings": service.findings(engine, level=level)}))
        return
    emit(counts, False, title="QA/QC findings", columns=["level", "check", "severity", "count"])


def _filters(
    plant: str | None, start: dt.datetime | None, end: dt.datetime | None, flag: list[str] | None
) -> Any:
    from weir.mrv.service import QUALITY_FLAGS, Filters

    if start and end and start > end:
        raise BadInputError(f"--from {start:%Y-%m-%d} is later than --to {end:%Y-%m-%d}")
    flags = tuple(f.upper() for f in flag or [])
    unknown = [f for f in flags if f not in QUALITY_FLAGS]
    if unknown:
        raise BadInputError(
            f"unknown quality flag {unknown[0]}; use one of {', '.join(QUALITY_FLAGS)}",
            field="flag",
        )
    return Filters(plant, start.date() if start else None, end.date() if end else None, flags)


@app.command()
def report(
    plant: Annotated[str | None, typer.Option(help="PLANT_A, PLANT_B …")] = None,
    start: Annotated[dt.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    end: Annotated[dt.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    flag: Annotated[list[str] | None, typer.Option(help="Quality flag (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    as_json: JsonOpt = False,
    totals_only: Annotated[
        bool, typer.Option("--totals", help="Totals per plant (and period) instead of days.")
    ] = False,
    by_month: Annotated[bool, typer.Option("--by-month", help="Totals per month.")] = False,
) -> None:
    """Daily results (mrv_results columns) with totals; table, CSV or JSON."""
    from weir.mrv import service
    from weir.mrv.models import RESULT_COLUMNS
    from weir.mrv.settings import MrvSettings

    plant = plant.upper() if plant else None
    try:
        filters = _filters(plant, start, end, flag)
    except BadInputError as exc:
        raise fail(exc.message) from None
    engine, _ = _engine()
    known = service.plants(engine)
    if plant is not None and plant not in known:
        raise fail(f"unknown plant {plant}; known plants: {', '.join(known) or 'none'}")
    rows = service.results(engine, filters)
    totals = service.totals(rows, MrvSettings(), by_month=by_month)
    if totals_only:
        rows = totals
    if as_json or fmt is Format.json:
        print(dumps(rows))
    elif fmt is Format.csv:
        columns = list(rows[0]) if totals_only and rows else list(RESULT_COLUMNS)
        sys.stdout.write(service.rows_to_csv(rows, columns))
    else:
        if not totals_only:
            columns = [c for c in RESULT_COLUMNS if c != "lineage"]
            emit(rows, False, title="MRV results", columns=columns)
        emit(
            totals,
            False,
            title="Totals (t CO₂, VALID days)",
            columns=[
                "plant_id",
                "period",
                "days",
                "days_valid",
                "days_invalid",
                "days_skipped",
                "co2_t",
                "mc_mean_t",
                "conservative_t",
            ],
        )


def demo(settings: Settings, sample_dir: Path) -> dict[str, object]:
    """Migrate, generate the sample data, ingest it and calculate; return a summary."""
    from weir.mrv import service
    from weir.mrv.sample import generate
    from weir.mrv.settings import MrvSettings

    engine, _ = _engine(settings)
    mrv_settings = MrvSettings()
    try:
        generate(sample_dir, 7)
        store = _store(settings)
        report, _ = service.ingest(engine, sample_dir, mrv_settings, store=store)
        summary, qa_counts = service.calculate(engine, mrv_settings, store=store)
        totals = service.totals(service.results(engine), mrv_settings)
    finally:
        engine.dispose()
    return {
        "files_loaded": sum(f.status == "loaded" for f in report.files),
        "files_unchanged": sum(f.status == "unchanged" for f in report.files),
        "files_failed": len(report.failed),
        "plant_days": summary.days,
        "by_flag": summary.by_flag,
        "co2_t": {t["plant_id"]: round(t["co2_t"], 4) for t in totals},
        "conservative_t": {t["plant_id"]: round(t["conservative_t"], 4) for t in totals},
        "qa_findings": sum(qa_counts.values()),
    }
