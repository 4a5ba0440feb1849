"""``weir forecast …``: extract points from ensemble stores, status, probe, preview.

Also :func:`demo` (called by ``weir demo``); the sample generator is
:func:`weir.forecast.sample.sample`. Exit codes: 0 ok (also "up to date"), 1 failure, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from weir.core.cli import JsonOpt, emit, guard, interval, progress
from weir.core.logging import configure_logging
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.settings import ForecastSettings

app = typer.Typer(
    help="Ensemble forecasts: Zarr stores → point series and boxplot summaries → dashboard.",
    no_args_is_help=True,
)
RegistryOpt = Annotated[
    Path | None, typer.Option("--registry", help="Source registry JSON (becomes the active copy).")
]


def _setup() -> tuple[Settings, Store, ForecastSettings]:
    settings = Settings()
    configure_logging(settings, json_path=settings.home / "logs" / "forecast.jsonl")
    return settings, Store.from_settings(settings), ForecastSettings()


@app.command()
def extract(
    registry: RegistryOpt = None,
    point: Annotated[
        list[str] | None, typer.Option("--point", help="Extract these point ids now.")
    ] = None,
    every: Annotated[str | None, typer.Option(help="Repeat on a schedule, e.g. 6h.")] = None,
    max_runs: Annotated[int | None, typer.Option(min=1, help="Stop after this many runs.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Extract every enabled source × variable × point from the latest complete run."""
    from weir.core.schedule import run_loop
    from weir.forecast.pipeline.extract import extract as run_extract

    seconds = interval(every)
    with guard():
        settings, store, options = _setup()

        def tick() -> None:
            with progress("extracting", disable=json_out) as update:
                result = run_extract(
                    store, options, settings, registry=registry, point_ids=point, progress=update
                )
            title = "up to date" if result.status == "skipped" else f"extract {result.run_id}"
            emit(result.as_dict(), json_out, title=title)

        run_loop(tick, every=seconds, max_runs=max_runs)


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Last extraction, init times, object count, size, monthly cost, freshness, errors."""
    from weir.forecast.service import status_summary

    with guard():
        _, store, _ = _setup()
        data = status_summary(store)
    emit(data, json_out, title="forecast status")


@app.command()
def points(json_out: JsonOpt = False) -> None:
    """The active points (``dashboard/config/pre_canned_points.json``)."""
    from weir.forecast.pipeline.configs import load_points

    with guard():
        store = _setup()[1]
        rows = [point.model_dump(mode="json") for point in load_points(store).points]
    emit(rows, json_out, title="points", empty="no points")


def demo(settings: Settings, sample_dir: Path) -> dict[str, object]:
    """Generate sample stores, extract them, return a few figures."""
    from weir.forecast.pipeline.extract import extract as run_extract
    from weir.forecast.sample import sample

    store = Store.from_settings(settings)
    sample(sample_dir, 7)
    result = run_extract(
        store, ForecastSettings(), settings, registry=sample_dir / "source_registry.json"
    )
    return {
        "status": result.status,
        "points": result.points,
        "rows": result.rows,
        "files_written": result.files_written,
        "init_times": result.init_times,
        "seconds": result.seconds,
    }


@app.command()
def probe(
    registry: RegistryOpt = None,
    queries: Annotated[int, typer.Option(min=1, help="Point-trace queries to run.")] = 10,
    variable: Annotated[str, typer.Option(help="Canonical variable queried.")] = "temperature_2m",
    out: Annotated[
        str, typer.Option(help="Folder or store URL (file://, s3://) for the results.")
    ] = "probe",
    json_out: JsonOpt = False,
) -> None:
    """Timed point-trace queries against the stores; results written, read back and verified."""
    from weir.forecast.pipeline import configs
    from weir.forecast.pipeline.probe import probe as run_probe

    with guard():
        settings, store, options = _setup()
        target = out if "://" in out else f"file://{Path(out).absolute()}"
        reg = configs.load_registry(store, registry or options.registry)
        variables = configs.load_variables(store, options.variables)
        points = [p for p in configs.load_points(store, options.points).points if p.enabled]
        with progress("probing", disable=json_out):
            result = run_probe(
                reg,
                variables,
                points,
                Store.from_url(target, settings=settings),
                queries=queries,
                variable_id=variable,
                settings=settings,
                retries=options.probe_retries,
            )
    emit({"out": target, **result.__dict__}, json_out, title="probe")
    if result.failed or result.mismatched:
        raise typer.Exit(1)


@app.command()
def preview(
    out: Annotated[Path, typer.Option(help="PNG file to write.")] = Path("trace_preview.png"),
    variable: Annotated[str, typer.Option(help="Canonical variable.")] = "temperature_2m",
    point: Annotated[str | None, typer.Option(help="Point id (default: the first).")] = None,
    max_series: Annotated[int, typer.Option(min=1, help="Members drawn per source.")] = 6,
    json_out: JsonOpt = False,
) -> None:
    """A PNG of extracted traces (members and median of each source)."""
    from weir.forecast.preview import preview_png

    with guard():
        _, store, _ = _setup()
        png = preview_png(store, variable=variable, point=point, max_series=max_series)
        out.write_bytes(png)
    emit({"out": str(out), "bytes": len(png)}, json_out, title="preview")
