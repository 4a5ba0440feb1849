"""Telemetry end to end: landing files → Delta → archive; discovery; stream handler throughput.

Run: ``uv run python benchmarks/telemetry_e2e.py [RECORDS]`` (default 100,000).

1. The stream handler (``land``) converts and lands sample DynamoDB Streams events of 100
   records on one core: records/s.
2. ``weir telemetry run --json`` (local engine, 2 workers) runs as a child process over the landed
   files: wall time and peak RSS of its whole process tree (sampled every 20 ms with psutil).
3. Discovery: 1,000 new files in ``telemetry/raw`` while the ledger holds 100,000 processed
   files and ``telemetry/archive`` holds 100,000 archived ones: time to list and check.
4. Memory against input size: the job over half and over all of the files with 64 MiB chunks
   (both inputs span several chunks): peak RSS of each.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from loguru import logger
from rich.console import Console
from rich.table import Table

from telemetry_common import batches, job_env, wide_records
from weir.core.settings import Settings
from weir.core.storage import ObjectMeta, Store
from weir.telemetry.pipeline import ledger
from weir.telemetry.pipeline.landing import land

PROCESSED = 100_000
NEW = 1_000


def peak_rss(process: subprocess.Popen[bytes]) -> tuple[float, int]:
    """Wait for `process`; return (seconds, peak RSS in bytes of it and its children)."""
    started = time.perf_counter()
    root = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    process.wait()
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    return seconds, peak


def discovery(workdir: Path) -> float:
    settings = Settings(home=workdir / "discovery")
    store = Store.from_settings(settings)
    root = settings.home / "store"
    now = datetime.now(UTC)
    metas = [
        ObjectMeta(f"telemetry/raw/2025/01/{1 + i // 24000:02d}/{i:040d}.ndjson", 10, now)
        for i in range(PROCESSED)
    ]
    ledger.record(store, metas, table_version=0, run_id="seed")
    for meta in metas:
        path = root / meta.path.replace("telemetry/raw", "telemetry/archive")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 10)
    for i in range(NEW):
        store.put(f"telemetry/raw/2025/02/01/00/{PROCESSED + i:040d}.ndjson", b"{}\n")
    started = time.perf_counter()
    listing = list(store.list("telemetry/raw"))
    done = ledger.processed(store, listing)
    seconds = time.perf_counter() - started
    assert (len(listing), len(done)) == (NEW, 0)
    return seconds


def job(home: Path, *options: str) -> tuple[float, int, dict[str, Any]]:
    """``weir telemetry run --json`` over the files in `home`: (wall s, peak RSS, summary)."""
    env = job_env(home)
    child = subprocess.Popen(
        [str(Path(sys.executable).parent / "weir"), "telemetry", "run", "--json", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=(home / "job.log").open("wb"),
    )
    seconds, rss = peak_rss(child)
    assert child.stdout is not None
    output = child.stdout.read()
    if child.returncode != 0:
        raise SystemExit((home / "job.log").read_text()[-3000:])
    summary: dict[str, Any] = json.loads(output)
    return seconds, rss, summary


def landed_copy(source: Path, target: Path, files: list[ObjectMeta]) -> Path:
    """A fresh WEIR_HOME holding copies of the landed `files` of `source`."""
    for meta in files:
        path = target / "store" / meta.path
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "store" / meta.path, path)
    return target


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    logger.remove()
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="weir-e2e-"))
    settings = Settings(home=workdir / "home")
    store = Store.from_settings(settings)
    console.print(f"generating {count} stream records …")
    events = list(batches(wide_records(count, min_signals=0)))
    started = time.perf_counter()
    landed = sum(land(event, store).landed for event in events)
    handler_s = time.perf_counter() - started
    raw = list(store.list("telemetry/raw"))
    raw_mb = sum(meta.size for meta in raw) / 1e6
    del events
    # memory against input size, at a chunk size both inputs exceed: it should stay flat
    small = 64 * 2**20
    flat = [
        job(landed_copy(settings.home, workdir / f"flat{n}", raw[:n]), "--chunk-bytes", str(small))
        for n in (len(raw) // 2, len(raw))
    ]
    job_s, rss, summary = job(settings.home)
    assert summary["files"] == len(raw), summary
    assert list(store.list("telemetry/raw")) == []
    discovery_s = discovery(workdir)
    table = Table(title=f"telemetry end to end · {landed:,} records · {raw_mb:.0f} MB · 2 cores")
    for column in ("measure", "result", "target"):
        table.add_column(column)
    table.add_row("handler, 1 core", f"{landed / handler_s:,.0f} records/s", "≥ 5,000 records/s")
    table.add_row(
        f"job: {len(raw)} files → Delta → archive",
        f"{job_s:.1f} s wall incl. CLI start; run {summary['seconds']:.1f} s; "
        f"{summary['rows_merged']:,} rows merged in {summary['chunks']} commits",
        "≤ 15 s",
    )
    table.add_row("job peak RSS (process tree)", f"{rss / 2**20:,.0f} MiB", "≤ 1.5 GB")
    for seconds, peak, run in flat:
        table.add_row(
            f"job peak RSS, {run['files']} files, --chunk-bytes 64 MiB",
            f"{peak / 2**20:,.0f} MiB ({run['chunks']} commits, {seconds:.1f} s)",
            "flat as input grows",
        )
    table.add_row(
        f"discovery: {NEW:,} new among {PROCESSED:,} processed",
        f"{discovery_s:.2f} s",
        "≤ 1 s",
    )
    console.print(table)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
