"""``weir telemetry …``: replay saved stream events, run the job, report status, query tables.

Also :func:`demo` (called by ``weir demo``); the sample generator is
:func:`weir.telemetry.sample.sample`. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from weir.core.cli import JsonOpt, emit, fail, guard, interval, progress
from weir.core.logging import configure_logging
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.settings import TelemetrySettings

app = typer.Typer(
    help="Vehicle telemetry: DynamoDB stream → NDJSON landing → flattened Delta table.",
    no_args_is_help=True,
)
WATCH_POLL_SECONDS = 2.0
LAND_FIRST = (
    "land events with `weir telemetry replay DIR` (sample events: `weir sample telemetry`) "
    "or the stream handler on AWS Lambda"
)


def _return_freed_memory() -> None:
    """Make the jemalloc of deltalake (and of polars) give freed memory back within 0.1 s.

    deltalake's jemalloc keeps freed pages for 10 s by default (polars sets 0.5 s for its own
    copy, through this variable, when it is imported): about a run's length, so each chunk's
    merge buffers stayed resident into the next chunk (~600 MiB of the job's peak at 100k
    records). 0 s would save ~150 MiB more but triples the page faults (~2 s more CPU at 100k
    records); 0.1 s costs ~20 % more faults than the default. jemalloc reads
    ``_RJEM_MALLOC_CONF`` when the library first allocates, so this runs before either is
    imported (polars appends it to its defaults, so it wins; worker processes inherit it); a
    value the user set is kept.
    """
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:100")


def _setup() -> tuple[Settings, Store]:
    settings = Settings()
    configure_logging(settings, json_path=settings.home / "logs" / "telemetry.jsonl")
    return settings, Store.from_settings(settings)


@app.command()
def replay(
    path: Annotated[Path, typer.Argument(help="An event JSON file or a folder of them.")],
    json_out: JsonOpt = False,
) -> None:
    """Feed saved DynamoDB Streams events through the stream handler's landing step."""
    from weir.telemetry.pipeline.landing import replay as run_replay

    with guard():
        _, store = _setup()
        with progress("replaying events", disable=json_out) as update:
            summary = run_replay(path, store, progress=update)
    data = {k: v for k, v in vars(summary).items() if k != "objects"}
    data["objects_written"] = len(set(summary.objects))
    emit(data, json_out, title="replay")


@app.command()
def run(
    engine: Annotated[str | None, typer.Option(help="local or spark.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes of the local engine.")
    ] = None,
    chunk_files: Annotated[int | None, typer.Option(min=1, help="Files per Delta commit.")] = None,
    chunk_bytes: Annotated[
        int | None, typer.Option(min=1, help="Landed bytes in memory at once.")
    ] = None,
    every: Annotated[str | None, typer.Option(help="Repeat on a schedule, e.g. 5m.")] = None,
    watch: Annotated[bool, typer.Option(help="Run whenever files land in the raw prefix.")] = False,
    max_runs: Annotated[int | None, typer.Option(min=1, help="Stop after this many runs.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Merge newly landed files into car_telemetry_flattened, then archive them."""
    _return_freed_memory()
    from weir.telemetry.models import RAW_PREFIX
    from weir.telemetry.pipeline.engines import ENGINES, make_engine

    if engine is not None and engine not in ENGINES:
        raise fail(f"unknown engine {engine!r}: use local or spark")
    if every and watch:
        raise fail("use either --every (a schedule) or --watch (new files)")
    seconds = interval(every)
    given: dict[str, object] = {
        "engine": engine,
        "workers": workers,
        "chunk_files": chunk_files,
        "chunk_bytes": chunk_bytes,
    }
    with guard():  # options given on the command line override WEIR_TELEMETRY_*
        options = TelemetrySettings.model_validate(
            {k: v for k, v in given.items() if v is not None}
        )
        _, store = _setup()
        runner = make_engine(options)
        try:
            if store.has_objects(RAW_PREFIX):  # work waits: the workers boot while the job's
                runner.start()  # modules import and the files are listed
            from weir.core.schedule import run_loop
            from weir.telemetry.pipeline import job

            def tick() -> None:
                with progress("merging landed files", disable=json_out) as update:
                    summary = job.run(store, options, engine=runner, progress=update)
                if json_out or summary.files or summary.recovered:
                    emit(summary.as_dict(), json_out, title=f"run {summary.run_id}")
                else:
                    print(f"nothing to do: {job.idle_reason(summary)}.")
                    print(f"To merge new data, {LAND_FIRST}, then run again.")

            # --watch: any file in the raw prefix is work (new, or left by a crash)
            run_loop(
                tick,
                every=seconds,
                watch=(lambda: store.has_objects(RAW_PREFIX)) if watch else None,
                poll=WATCH_POLL_SECONDS,
                max_runs=max_runs,
            )
        finally:
            runner.close()


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Table version, rows, columns, files pending and processed, rescued, dead letters."""
    from weir.telemetry.service import status as read_status

    with guard():
        _, store = _setup()
        data = read_status(store)
    if json_out:
        emit(data, True)
        return
    last = data.pop("last_run") or {}
    emit(
        {**data, **{f"last_run.{key}": value for key, value in last.items()}},
        False,
        title="telemetry status",
    )
    if data["table_version"] is None:
        print(
            "no table yet: "
            + (
                f"{data['files_pending']} landed files wait for `weir telemetry run`."
                if data["files_pending"]
                else f"{LAND_FIRST}, then run `weir telemetry run`."
            )
        )


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over car_telemetry_flattened, vehicle_latest.")],
    json_out: JsonOpt = False,
) -> None:
    """Run SQL over the telemetry tables."""
    from weir.telemetry.service import query as run_query

    with guard():
        _, store = _setup()
        rows = run_query(store, sql)
    emit(rows, json_out, empty="no rows")  # JSON has no NaN or Infinity: written as null


def demo(settings: Settings, sample_dir: Path) -> dict[str, object]:
    """Generate sample events, replay them through the handler, run the job; return the status."""
    from weir.telemetry.pipeline import job
    from weir.telemetry.pipeline.landing import replay as run_replay
    from weir.telemetry.sample import generate
    from weir.telemetry.service import status as read_status

    store = Store.from_settings(settings)
    generate(sample_dir, events=2000, vehicles=20, seed=7)
    replayed = run_replay(sample_dir, store)
    job.run(store, TelemetrySettings(engine="local"))
    state = read_status(store)
    return {
        "records": replayed.records,
        "dead_lettered": state["dead_lettered"],
        "rows": state["rows"],
        "columns": state["columns"],
        "vehicles": state["vehicles"],
        "rescued_rows": state["rescued_rows"],
        "files_processed": state["files_processed"],
        "files_pending": state["files_pending"],
        "table_version": state["table_version"],
    }
