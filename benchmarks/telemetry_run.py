"""Telemetry end to end against the parse floor: ``weir telemetry run`` over 50k landed records.

Run: ``uv run python benchmarks/telemetry_run.py [RECORDS] [--baseline SRC]`` (default 50,000).

Input: the records of ``benchmarks/telemetry_flatten.py`` (sample Smartcar v4 payloads with
≥ 20 signals each) landed by the stream handler into NDJSON files of 100 records. In one run:

1. the parse floor: orjson parses every landed line and every signal body on one core (best of 2);
2. ``weir telemetry run --json`` (local engine, 2 workers) as a child process over the landed
   files: wall time including the CLI start, and the run's own phase times (``phases`` of its
   summary: flatten, unify, merge, rescue count, vehicle_latest, ledger, archive);
3. with ``--landed DIR``, the landed files are kept in DIR and reused by the next run;
4. with ``--baseline SRC`` (a checkout's ``src`` folder, e.g. the code before a change), the same
   CLI run over a fresh copy of the same files with that code first on ``PYTHONPATH``.

The ratio is floor seconds / run seconds: the target is ≥ 0.25 (the whole run within 4× a
single-core parse). The load average is printed with the table: the machine may be shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loguru import logger
from rich.console import Console
from rich.table import Table

from telemetry_common import batches, job_env, land_all, parse_floor, wide_records
from weir.core.settings import Settings
from weir.core.storage import Store

PHASES = ("discover", "flatten", "unify", "merge", "rescue", "latest", "ledger", "archive")


def floor_seconds(blobs: list[bytes]) -> float:
    """Seconds of the parse-only floor over `blobs`."""
    started = time.perf_counter()
    parse_floor(blobs)
    return time.perf_counter() - started


def cli_run(home: Path, src: Path | None = None) -> tuple[float, dict[str, Any]]:
    """``weir telemetry run --json`` over `home` in a child process: (wall s, summary)."""
    env = job_env(home)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(":")
    command = [sys.executable, "-c", "from weir.cli import main; main()"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "telemetry", "run", "--json"], env=env, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-3000:])
    summary: dict[str, Any] = json.loads(done.stdout)
    return seconds, summary


def copy_home(source: Path, target: Path) -> Path:
    """A fresh WEIR_HOME holding a copy of `source`'s landed files."""
    shutil.copytree(source / "store" / "telemetry" / "raw", target / "store" / "telemetry" / "raw")
    return target


def option(args: list[str], name: str) -> Path | None:
    """The folder given after `name` in `args` (removed from them), or None."""
    if name not in args:
        return None
    at = args.index(name)
    value = Path(args[at + 1]).resolve()
    del args[at : at + 2]
    return value


def main() -> None:
    args = sys.argv[1:]
    baseline = option(args, "--baseline")
    kept = option(args, "--landed")
    count = int(args[0]) if args else 50_000
    logger.remove()
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="weir-run-"))
    landed_home = kept or workdir / "landed"
    store = Store.from_settings(Settings(home=landed_home))
    if not store.has_objects("telemetry/raw"):
        console.print(f"landing {count:,} records …")
        land_all(store, list(batches(wide_records(count))))
    paths = [meta.path for meta in store.list("telemetry/raw")]
    blobs = [store.get(path) for path in paths]
    size_mb = sum(map(len, blobs)) / 1e6
    floor_s = min(floor_seconds(blobs) for _ in range(2))
    del blobs
    runs: list[tuple[str, float, dict[str, Any]]] = []
    seconds, summary = cli_run(copy_home(landed_home, workdir / "weir"))
    assert summary["rows_in"] == count, summary
    runs.append(("this code", seconds, summary))
    if baseline is not None:
        seconds, summary = cli_run(copy_home(landed_home, workdir / "baseline"), baseline)
        runs.append((f"baseline {baseline.parent.name}", seconds, summary))
    load = Path("/proc/loadavg").read_text().split()[:3]
    title = (
        f"telemetry run vs parse floor · {count:,} records · {len(paths)} files · "
        f"{size_mb:.0f} MB · 2 cores · load {' '.join(load)}"
    )
    table = Table(title=title)
    table.add_column("measure")
    for name, _, _ in runs:
        table.add_column(name, justify="right")
    table.add_row("parse floor (orjson, 1 core), s", *[f"{floor_s:.2f}" for _ in runs])
    table.add_row("CLI run, wall incl. start, s", *[f"{s:.2f}" for _, s, _ in runs])
    table.add_row("ratio floor / CLI wall (≥ 0.25)", *[f"{floor_s / s:.2f}" for _, s, _ in runs])
    table.add_row("the run itself (summary), s", *[f"{r['seconds']:.2f}" for _, _, r in runs])
    table.add_row(
        "outside the run (start, exit), s", *[f"{s - r['seconds']:.2f}" for _, s, r in runs]
    )
    for phase in PHASES:
        table.add_row(
            f"  {phase}, s",
            *[
                f"{r['phases'][phase]:.2f}" if phase in r.get("phases", {}) else "–"
                for *_, r in runs
            ],
        )
    table.add_row("commits", *[str(r["chunks"]) for *_, r in runs])
    console.print(table)
    console.print("target: ratio ≥ 0.25 (wall incl. CLI start within 4× the parse floor)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
