"""MRV benchmark: full pipeline wall time on SQLite and PostgreSQL; Excel readers side by side.

Run: ``uv run python benchmarks/mrv_pipeline.py`` (set ``WEIR_BENCH_PG_URL`` to use an existing
PostgreSQL database; otherwise a throwaway server is started from the local binaries, as an
unprivileged user when run as root).

Measured on the sample data (seed 7): migrate is excluded; ingest (12 files, ~40k rows) + QA
pass + calculation + QA pass are included. Imports are warmed first.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from loguru import logger
from rich.console import Console
from rich.table import Table

from weir.core.db import make_engine
from weir.mrv import service
from weir.mrv.pipeline.excel.reader import read_workbook
from weir.mrv.pipeline.schemas import _pandera
from weir.mrv.sample import generate
from weir.mrv.settings import MrvSettings

REPEATS = 3
EXCEL_REPEATS = 20


def pipeline_seconds(url: str, sample: Path) -> tuple[float, dict[str, int]]:
    """Wall time of ingest + QA + calculate + QA on a freshly migrated database."""
    service.migrate(url)
    engine = make_engine(url)
    settings = MrvSettings()
    started = time.perf_counter()
    report, _ = service.ingest(engine, sample, settings)
    summary, _ = service.calculate(engine, settings)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert not report.failed
    return elapsed, summary.by_flag


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[Callable[[], str] | None]:
    """Yield a factory of fresh database URLs on a throwaway server (None if unavailable)."""
    if os.environ.get("WEIR_BENCH_PG_URL"):
        yield lambda: os.environ["WEIR_BENCH_PG_URL"]
        return
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        yield None
        return
    bindir = found[-1].parent
    work = Path(tempfile.mkdtemp(prefix="weir-bench-pg-"))
    work.chmod(0o755)
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("weirpg")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "weirpg"], check=True)
        shutil.chown(work, "weirpg")
        prefix = ["runuser", "-u", "weirpg", "--"]
    data, port = work / "data", _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(work / "log"),
            "-o",
            f"-p {port} -k {work} -h 127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )

    def fresh() -> str:
        import psycopg

        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield fresh
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)


def read_calamine(paths: list[Path]) -> int:
    """Cells read with python-calamine (the pipeline's reader)."""
    return sum(len(row) for p in paths for s in read_workbook(p, p.name) for row in s.rows)


def read_openpyxl(paths: list[Path]) -> int:
    """Cells read with openpyxl in read-only, values-only mode (its fastest)."""
    import openpyxl

    cells = 0
    for path in paths:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            cells += sum(len(row) for row in sheet.iter_rows(values_only=True))
        workbook.close()
    return cells


def timed(fn: Callable[[list[Path]], int], paths: list[Path]) -> tuple[float, int]:
    runs = []
    cells = 0
    for _ in range(EXCEL_REPEATS):
        started = time.perf_counter()
        cells = fn(paths)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), cells


def main() -> None:
    """Run every measurement and print the table."""
    logger.remove()  # per-file log lines would drown the table
    console = Console(width=110)
    _pandera()  # warm the heavy import once, outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = root / "sample"
        generate(sample, 7)
        table = Table(title="MRV pipeline benchmark (sample seed 7; median of runs)")
        for column in ("measurement", "median", "runs", "target", "notes"):
            table.add_column(column)
        sqlite = [pipeline_seconds(f"sqlite:///{root}/b{i}.db", sample)[0] for i in range(REPEATS)]
        table.add_row(
            "ingest+QA+calculate, SQLite",
            f"{statistics.median(sqlite):.2f} s",
            str(REPEATS),
            "≤ 5 s",
            "12 files, 40 k rows",
        )
        with postgres_server() as fresh:
            if fresh is None:
                table.add_row(
                    "ingest+QA+calculate, PostgreSQL",
                    "skipped",
                    "0",
                    "≤ 10 s",
                    "no PostgreSQL binaries",
                )
            else:
                pg = [pipeline_seconds(fresh(), sample)[0] for _ in range(REPEATS)]
                table.add_row(
                    "ingest+QA+calculate, PostgreSQL",
                    f"{statistics.median(pg):.2f} s",
                    str(REPEATS),
                    "≤ 10 s",
                    "local server, psycopg 3",
                )
        ops = sorted((sample / "ops").rglob("*.xlsx"))
        cal, cells = timed(read_calamine, ops)
        opx, cells_opx = timed(read_openpyxl, ops)
        assert cells == cells_opx, (cells, cells_opx)
        table.add_row(
            f"read {len(ops)} ops workbooks, calamine",
            f"{cal * 1000:.1f} ms",
            str(EXCEL_REPEATS),
            "",
            f"{cells} cells",
        )
        table.add_row(
            f"read {len(ops)} ops workbooks, openpyxl",
            f"{opx * 1000:.1f} ms",
            str(EXCEL_REPEATS),
            "",
            "read_only, values_only",
        )
        table.add_row("calamine speed-up", f"{opx / cal:.1f}×", "", "≥ 4×", "")
    console.print(table)
    console.print(
        f"machine: {os.cpu_count()} cores, {os.uname().machine}, "
        f"{os.uname().sysname} {os.uname().release}"
    )


if __name__ == "__main__":
    main()
