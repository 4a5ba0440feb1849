"""``weir dac …``: publish the public dashboard files (once or on a schedule).

Also :func:`demo` (called by ``weir demo``); the sample generator is
:func:`weir.dac.sample.sample`. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from weir.core.cli import JsonOpt, emit, fail, guard, interval
from weir.core.settings import Settings

app = typer.Typer(
    help="DAC public metrics: gold Parquet → hourly public CSVs → signed-URL API → widget.",
    no_args_is_help=True,
)


def parse_time(text: str | None, option: str = "--as-of") -> datetime | None:
    """An ISO 8601 time (``Z`` allowed; naive means UTC), or None."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint=option) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@app.command()
def publish(
    as_of: Annotated[
        str | None, typer.Option(help="Publication time, ISO 8601 (default: now).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="local (polars) or spark.")] = None,
    every: Annotated[str | None, typer.Option(help="Repeat on a schedule, e.g. 1h.")] = None,
    max_runs: Annotated[int | None, typer.Option(min=1, help="Stop after this many runs.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish snapshot, 48-hour trends, daily summary, machine status and metadata CSVs."""
    from weir.core.logging import configure_logging
    from weir.core.schedule import run_loop
    from weir.dac.pipeline.publish import publish as run_publish
    from weir.dac.pipeline.publish import summary
    from weir.dac.settings import DacSettings

    if engine is not None and engine not in ("local", "spark"):
        raise fail(f"unknown engine {engine!r}: use local or spark")
    when = parse_time(as_of)
    seconds = interval(every)
    if when is not None and seconds is not None:
        raise fail("--as-of publishes one fixed time: it cannot be combined with --every")
    with guard():
        settings = Settings()
        configure_logging(settings, json_path=settings.home / "logs" / "dac.jsonl")
        dac = DacSettings()

        def tick() -> None:
            result = run_publish(settings, dac, as_of=when, engine=engine)
            emit(summary(result), json_out, title="dac publish")

        run_loop(tick, every=seconds, max_runs=max_runs)


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """The public metadata (last update, data quality, counts) and the last publish run."""
    import csv
    import io

    from weir.core.runs import last_run
    from weir.core.storage import Store
    from weir.dac.models import METADATA_KEY
    from weir.dac.settings import DacSettings

    with guard():
        settings = Settings()
        public = DacSettings().public_store(settings)
        rows = csv.DictReader(io.StringIO(public.get(METADATA_KEY).decode()))
        data: dict[str, Any] = {row["key"]: row["value"] for row in rows}
        record = last_run(Store.from_settings(settings), "dac", "publish")
        data["last_run_status"] = record.status if record else "never"
    emit(data, json_out, title="dac status")


def demo(settings: Settings, sample_dir: Path) -> dict[str, Any]:
    """Generate a week of sample gold data ending now, load it into the gold store, publish."""
    from weir.dac.pipeline.publish import publish as run_publish
    from weir.dac.sample import generate
    from weir.dac.settings import DacSettings

    dac = DacSettings()
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    written = generate(sample_dir, days=7, seed=7, end=end)
    gold = dac.gold_store(settings)
    for table in ("readings", "machine_status"):  # an earlier demo's sample files go first
        for meta in gold.list(table):
            if meta.path.endswith(("/part-0.parquet", "/late-arrival.parquet")):
                gold.delete(meta.path)
    for path in sorted(sample_dir.rglob("*.parquet")):
        gold.put(path.relative_to(sample_dir).as_posix(), path.read_bytes())
    result = run_publish(settings, dac, as_of=end)
    return {
        "gold_files": written.files,
        "rows_read": result.counts["rows_read"],
        "rows_excluded": result.counts["rows_excluded"],
        "data_quality": result.data_quality,
        "files_published": result.counts["files_written"],
        "page": "/dac/",
    }
