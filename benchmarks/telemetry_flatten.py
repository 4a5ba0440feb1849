"""Telemetry flattening throughput: weir's engines against the parse-only floor, dlt and pandas.

Run: ``uv run python benchmarks/telemetry_flatten.py [RECORDS] [--weir-only]`` (default 50,000;
``--weir-only`` measures the floor and the local engine alone, for quick before/after runs).

Input: sample Smartcar v4 payloads with ≥ 20 signals each, landed by the stream handler into
NDJSON files of 100 records (the files the job reads). Every contender starts from the same
landed bytes and produces one wide row per record:

- parse-only floor: orjson parses every line and every signal body, nothing else;
- weir local engine (1 and 2 worker processes, pool warmed), weir spark engine (session warm):
  the full flatten (typing, rescue, Arrow tables) of :mod:`weir.telemetry.pipeline.flatten`,
  on its native path (the Cython extension the install builds) and on the Python path
  (``WEIR_TELEMETRY_NATIVE=0``, what runs where the extension is not built);
- one core, CPU seconds (steadier than wall time on a shared machine): the floor and
  ``flatten_files`` on each path, in this process;
- dlt: ``pipeline.extract`` of the parsed records, then the timed ``pipeline.normalize()``
  (dlt's relational normalizer: a parent table plus a signals child table; bodies stay text);
- pandas: ``json_normalize`` of the signals + body parsing + ``pivot`` to one row per event.

dlt and pandas run on a subset (``PEER_RECORDS``) and are compared by records/s.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from loguru import logger
from rich.console import Console
from rich.table import Table

from telemetry_common import batches, land_all, parse_floor, wide_records
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.pipeline import flatten
from weir.telemetry.pipeline.columns import unify
from weir.telemetry.pipeline.engine import MAX_BATCH
from weir.telemetry.pipeline.engines import LocalEngine
from weir.telemetry.settings import TelemetrySettings

PEER_RECORDS = 10_000
NOW_US = 1_800_000_000_000_000


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def weir_local(engine: LocalEngine, store: Store, paths: list[str]) -> int:
    results = engine.flatten(store, paths, processed_at=NOW_US, established={})
    return int(unify(results, {}).num_rows)


def local_rows(
    store: Store, paths: list[str], n: int, native: bool
) -> list[tuple[str, int, float]]:
    """Wall seconds of the local engine on 1 and 2 workers (best of two, pool warmed)."""
    label = "native" if native else "Python path"
    rows = []
    for workers in (1, 2):
        with LocalEngine(TelemetrySettings(workers=workers, native=native)) as engine:
            weir_local(engine, store, paths[:8])  # start and warm the pool
            seconds, flat = min(timed(lambda: weir_local(engine, store, paths)) for _ in range(2))
            assert flat == n, (flat, n)
            rows.append(
                (f"weir local, {workers} worker{'s' * (workers > 1)} ({label})", n, seconds)
            )
    return rows


def cpu_seconds(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Best CPU time of this process over `repeat` calls of `fn`."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def one_core(files: list[tuple[str, bytes]], native: bool) -> None:
    """``flatten_files`` over the run in the engines' batches, in this process."""
    for start in range(0, len(files), MAX_BATCH):
        batch = files[start : start + MAX_BATCH]
        flatten.flatten_files(batch, processed_at=NOW_US, established={}, native=native)


def weir_spark(store: Store, paths: list[str]) -> tuple[float, int]:
    from weir.core.spark import session
    from weir.telemetry.pipeline.spark import SparkEngine

    spark = session("local[2]")
    engine = SparkEngine(TelemetrySettings(engine="spark"), spark)
    engine.flatten(store, paths[:4], processed_at=NOW_US, established={})  # warm the workers
    seconds, results = timed(
        lambda: engine.flatten(store, paths, processed_at=NOW_US, established={})
    )
    rows = unify(results, {}).num_rows
    spark.stop()
    return seconds, rows


def dlt_normalize(records: list[dict[str, Any]], workdir: Path) -> float:
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name="weir_bench",
        destination="duckdb",
        pipelines_dir=str(workdir / "dlt"),
        dataset_name="telemetry",
    )
    pipeline.extract(dlt.resource(records, name="car_telemetry"))
    seconds, _ = timed(pipeline.normalize)
    return seconds


def pandas_pivot(records: list[dict[str, Any]]) -> int:
    import pandas as pd

    def body(text: Any) -> Any:
        try:
            return orjson.loads(text) if isinstance(text, str) else {}
        except orjson.JSONDecodeError:
            return {}

    signals = pd.json_normalize(records, record_path="signals", meta=["event_id"], errors="ignore")
    bodies = pd.json_normalize(signals["body"].map(body).tolist())
    bodies.index = signals.index
    long = pd.concat([signals[["event_id", "group", "name"]], bodies], axis=1)
    long = long.melt(id_vars=["event_id", "group", "name"], var_name="key", value_name="v")
    long = long.dropna(subset=["v"])
    long["column"] = long["group"] + "_" + long["name"] + "_" + long["key"]
    long = long.drop_duplicates(["event_id", "column"], keep="last")
    wide = long.pivot(index="event_id", columns="column", values="v")
    top = pd.json_normalize(records, sep="_").drop(columns=["signals"])
    top = top.drop_duplicates("event_id", keep="last").set_index("event_id")
    return len(top.join(wide))


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg != "--weir-only"]
    weir_only = len(args) < len(sys.argv) - 1
    count = int(args[0]) if args else 50_000
    logger.remove()
    workdir = Path(tempfile.mkdtemp(prefix="weir-bench-"))
    settings = Settings(home=workdir)
    store = Store.from_settings(settings)
    console = Console()
    console.print(f"landing {count} records …")
    land_all(store, list(batches(wide_records(count))))
    paths = [meta.path for meta in store.list("telemetry/raw")]
    blobs = [store.get(path) for path in paths]
    size_mb = sum(map(len, blobs)) / 1e6
    n = sum(blob.count(b"\n") for blob in blobs)
    console.print(
        f"{n} records in {len(paths)} files, {size_mb:.1f} MB ({size_mb * 1e6 / n:.0f} B/record)"
    )
    rows: list[tuple[str, int, float]] = []
    floor_s, _ = min(timed(lambda: parse_floor(blobs)) for _ in range(2))
    rows.append(("parse-only floor (orjson, 1 core)", n, floor_s))
    if flatten.native_record() is None:
        console.print("[red]the native extension is not built: `make install` builds it[/red]")
    rows += local_rows(store, paths, n, native=True)
    rows += local_rows(store, paths, n, native=False)
    files = list(zip(paths, blobs, strict=True))
    cpu = {
        "parse-only floor": cpu_seconds(lambda: parse_floor(blobs)),
        "flatten_files, native": cpu_seconds(lambda: one_core(files, native=True)),
        "flatten_files, Python path": cpu_seconds(lambda: one_core(files, native=False)),
    }
    if not weir_only:
        seconds, _ = weir_spark(store, paths)
        rows.append(("weir spark local[2]", n, seconds))
        subset = [orjson.loads(line) for blob in blobs for line in blob.splitlines()][:PEER_RECORDS]
        rows.append(("dlt normalize (1 core)", len(subset), dlt_normalize(subset, workdir)))
        seconds, _ = timed(lambda: pandas_pivot(subset))
        rows.append(("pandas json_normalize + pivot", len(subset), seconds))
    table = Table(title=f"telemetry flatten · {n} records · {size_mb:.0f} MB · 2 cores")
    for column in ("contender", "records", "seconds", "records/s", "MB/s", "vs floor", "vs dlt"):
        table.add_column(column, justify="left" if column == "contender" else "right")
    floor_rate = n / floor_s
    dlt_rate = next((r / s for name, r, s in rows if name.startswith("dlt")), None)
    for name, records, seconds in rows:
        rate = records / seconds
        mb = size_mb * records / n / seconds
        table.add_row(
            name, f"{records:,}", f"{seconds:.2f}", f"{rate:,.0f}", f"{mb:.1f}",
            f"{rate / floor_rate:.2f}", f"{rate / dlt_rate:.1f}×" if dlt_rate else "–",
        )  # fmt: skip
    console.print(table)
    cores = Table(title="one core, CPU seconds (best of 3) · vs floor = floor CPU / CPU")
    for column in ("contender", "CPU s", "vs floor"):
        cores.add_column(column, justify="left" if column == "contender" else "right")
    for name, seconds in cpu.items():
        cores.add_row(name, f"{seconds:.2f}", f"{cpu['parse-only floor'] / seconds:.2f}")
    console.print(cores)
    console.print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
