"""``weir telemetry …``: replay saved stream events, run the job, report status, query tables.

Also :func:`sample` (registered as ``weir sample telemetry``) and :func:`demo` (called by
``weir demo``). Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table as RichTable

from weir.core.cli import fail, guard
from weir.core.logging import configure_logging
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.settings import TelemetrySettings

app = typer.Typer(
    help="Vehicle telemetry: DynamoDB stream → NDJSON landing → flattened Delta table.",
    no_args_is_help=True,
)
console = Console(stderr=True)
WATCH_POLL_SECONDS = 2.0
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _setup() -> tuple[Settings, Store]:
    settings = Settings()
    configure_logging(settings, json_path=settings.home / "logs" / "telemetry.jsonl")
    return settings, Store.from_settings(settings)


def _print(data: Any, as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(data, default=str))
        return
    table = RichTable(title=title)
    table.add_column("field")
    table.add_column("value")
    for key, value in data.items():
        shown = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
        table.add_row(key, shown)
    Console().print(table)


def _progress(label: str) -> tuple[Progress, Callable[[int, int], None]]:
    bar = Progress(console=console, transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@app.command()
def replay(
    path: Annotated[Path, typer.Argument(help="An event JSON file or a folder of them.")],
    json_out: JsonOption = False,
) -> None:
    """Feed saved DynamoDB Streams events through the stream handler's landing step."""
    from weir.telemetry.pipeline.landing import replay as run_replay

    with guard():
        _, store = _setup()
        bar, update = _progress("replaying events")
        with bar:
            summary = run_replay(path, store, progress=update)
    data = {k: v for k, v in vars(summary).items() if k != "objects"}
    data["objects_written"] = len(set(summary.objects))
    _print(data, json_out, "replay")


def parse_interval(text: str) -> float:
    """``90``, ``30s``, ``5m`` or ``1h`` → seconds.

    Raises:
        typer.BadParameter: anything else.
    """
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not match:
        raise typer.BadParameter(f"{text!r} is not an interval like 30s, 5m or 1h")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


@app.command()
def run(
    engine: Annotated[str | None, typer.Option(help="local or spark.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes of the local engine.")
    ] = None,
    chunk_files: Annotated[int | None, typer.Option(min=1, help="Files per Delta commit.")] = None,
    chunk_bytes: Annotated[int | None, typer.Option(min=1, help="Landed bytes per commit.")] = None,
    every: Annotated[str | None, typer.Option(help="Repeat on a schedule, e.g. 5m.")] = None,
    watch: Annotated[bool, typer.Option(help="Run whenever files land in the raw prefix.")] = False,
    max_runs: Annotated[int | None, typer.Option(min=1, help="Stop after this many runs.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Merge newly landed files into car_telemetry_flattened, then archive them."""
    from weir.telemetry.models import RAW_PREFIX
    from weir.telemetry.pipeline import job
    from weir.telemetry.pipeline.engines import make_engine

    options = TelemetrySettings()
    name = engine or options.engine
    if name not in ("local", "spark"):
        raise fail(f"unknown engine {name!r}: use local or spark")
    if every and watch:
        raise fail("use either --every (a schedule) or --watch (new files)")
    interval = parse_interval(every) if every else (WATCH_POLL_SECONDS if watch else None)
    with guard():
        settings, store = _setup()
        runner = make_engine(name, workers or options.workers)
        runs = 0
        try:
            while True:
                # --watch: any file in the raw prefix is work (new, or left by a crash)
                if not watch or next(iter(store.list(RAW_PREFIX)), None) is not None:
                    bar, update = _progress("merging landed files")
                    with bar:
                        summary = job.run(
                            store,
                            settings,
                            engine=runner,
                            engine_name=name,
                            chunk_files=chunk_files or options.chunk_files,
                            chunk_bytes=chunk_bytes or options.chunk_bytes,
                            progress=update,
                        )
                    _print(summary.as_dict(), json_out, f"run {summary.run_id}")
                    runs += 1
                if interval is None or (max_runs is not None and runs >= max_runs):
                    break
                time.sleep(interval)
        finally:
            runner.close()


@app.command()
def status(json_out: JsonOption = False) -> None:
    """Table version, rows, columns, files pending and processed, rescued, dead letters."""
    from weir.telemetry.service import status as read_status

    with guard():
        _, store = _setup()
        data = read_status(store)
    _print(data, json_out, "telemetry status")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over car_telemetry_flattened, vehicle_latest.")],
    json_out: JsonOption = False,
) -> None:
    """Run SQL over the telemetry tables."""
    from weir.telemetry.service import query as run_query

    with guard():
        _, store = _setup()
        rows = run_query(store, sql)
    if json_out:  # JSON has no NaN or Infinity: orjson writes them as null
        print(orjson.dumps(rows, default=str).decode())
        return
    table = RichTable()
    for name in rows[0] if rows else []:
        table.add_column(name)
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    Console().print(table)


def sample(
    out: Annotated[Path, typer.Option(help="Folder receiving the event files.")] = Path(
        "samples/telemetry"
    ),
    events: Annotated[int, typer.Option(min=1, help="Stream records to write.")] = 2000,
    vehicles: Annotated[int, typer.Option(min=1, help="Size of the fleet.")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 7,
) -> None:
    """Write DynamoDB Streams event files of Smartcar v4-style payloads (messy cases included)."""
    from weir.telemetry.sample import generate

    with guard():
        summary = generate(out, events=events, vehicles=vehicles, seed=seed)
    console.print(f"wrote {summary.files} event files to {out}: {summary.as_dict()}")


def demo(settings: Settings, sample_dir: Path) -> dict[str, object]:
    """Generate sample events, replay them through the handler, run the job; return the status."""
    from weir.telemetry.pipeline import job
    from weir.telemetry.pipeline.landing import replay as run_replay
    from weir.telemetry.sample import generate
    from weir.telemetry.service import status as read_status

    store = Store.from_settings(settings)
    generate(sample_dir, events=2000, vehicles=20, seed=7)
    replayed = run_replay(sample_dir, store)
    job.run(store, settings, workers=TelemetrySettings().workers)
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
