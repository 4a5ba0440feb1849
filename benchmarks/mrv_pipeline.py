"""MRV benchmark: full pipeline wall time on SQLite and PostgreSQL; Excel readers side by side.

Run: ``uv run python benchmarks/mrv_pipeline.py`` (set ``WEIR_BENCH_PG_URL`` to use an existing
PostgreSQL database; otherwise a throwaway server is started from the local binaries, as an
unprivileged user when run as root).

Measured on the sample data (seed 7, 12 files, ~42 k rows), all in one printed table:

* the real CLI end to end: ``weir db upgrade``, ``weir mrv ingest DIR`` and
  ``weir mrv calculate`` as subprocesses on a fresh ``WEIR_HOME`` (SQLite and PostgreSQL),
  with Python's bytecode cache as a normal install has it (warmed by one run first), and once
  without it (``PYTHONDONTWRITEBYTECODE=1``, how this sandbox runs: every import compiles);
  each step's wall and CPU time (CPU varies far less on a shared machine);
* in process: migrate + ingest + QA + calculate + QA on a fresh database (median of runs in
  one process, so imports are warm after the first run);
* reading the ops workbooks with calamine vs openpyxl.
"""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import socket
import statistics
import subprocess
import sys
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
from weir.mrv.pipeline.step1_ingest.parsers.excel.reader import read_workbook
from weir.mrv.sample import generate
from weir.mrv.settings import MrvSettings

REPEATS = 3
EXCEL_REPEATS = 20


CLI_STEPS = (("db", "upgrade"), ("mrv", "ingest", "{sample}"), ("mrv", "calculate"))


def pipeline_seconds(url: str, sample: Path) -> tuple[float, dict[str, int]]:
    """Wall time of migrate + ingest + QA + calculate + QA on a fresh database."""
    started = time.perf_counter()
    service.migrate(url)
    engine = make_engine(url)
    settings = MrvSettings()
    report, _ = service.ingest(engine, sample, settings)
    summary, _ = service.calculate(engine, settings)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert not report.failed
    return elapsed, summary.by_flag


def cli_seconds(
    home: Path, sample: Path, url: str | None, bytecode: Path | None
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each CLI step run as a subprocess on a fresh
    ``home``; CPU time varies far less than wall time on a shared machine.

    ``bytecode`` is a pycache folder (a normal install's cached bytecode); None runs with
    ``PYTHONDONTWRITEBYTECODE=1`` and no cache, so every import compiles its source.
    """
    weir = str(Path(sys.executable).with_name("weir"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["WEIR_HOME"] = str(home)
    if url:
        env["WEIR_DATABASE_URL"] = url
    if bytecode is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(home / "no-such-cache")
    else:
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    walls, cpus = [], []
    for step in CLI_STEPS:
        args = [a.format(sample=sample) for a in step]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([weir, *args], env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def cli_row(
    table: Table,
    label: str,
    runs: list[tuple[list[float], list[float]]],
    target: str,
    note: str = "",
) -> None:
    """One table row: the median total of the CLI runs, the median per step, wall and CPU."""

    def steps(i: int) -> str:
        medians = [statistics.median(run[i][s] for run in runs) for s in range(len(CLI_STEPS))]
        return " + ".join(f"{m:.2f}" for m in medians)

    cpu = statistics.median(sum(run[1]) for run in runs)
    table.add_row(
        label,
        f"{statistics.median(sum(run[0]) for run in runs):.2f} s",
        str(len(runs)),
        target,
        f"upgrade + ingest + calculate {steps(0)} s (CPU {steps(1)} = {cpu:.2f} s)"
        + (f"; {note}" if note else ""),
    )


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
    console = Console(width=220)  # the notes carry the per-step CPU times
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = root / "sample"
        generate(sample, 7)
        cache = root / "pycache"
        table = Table(title="MRV pipeline benchmark (sample seed 7; median of runs)")
        for column in ("measurement", "median", "runs", "target", "notes"):
            table.add_column(column)
        cli_seconds(root / "warm", sample, None, cache)  # fill the bytecode cache once
        cli_row(
            table,
            "CLI upgrade+ingest+calculate, SQLite, bytecode cached",
            [cli_seconds(root / f"c{i}", sample, None, cache) for i in range(REPEATS)],
            "< 3 s",
            "subprocesses, as a normal install runs them",
        )
        cli_row(
            table,
            "CLI upgrade+ingest+calculate, SQLite, no bytecode cache",
            [cli_seconds(root / "n0", sample, None, None)],
            "",
            "PYTHONDONTWRITEBYTECODE=1, no __pycache__: every import compiles",
        )
        sqlite = [pipeline_seconds(f"sqlite:///{root}/b{i}.db", sample)[0] for i in range(REPEATS)]
        table.add_row(
            "in process: migrate+ingest+QA+calculate, SQLite",
            f"{statistics.median(sqlite):.2f} s",
            str(REPEATS),
            "≤ 5 s",
            f"first run (cold imports) {sqlite[0]:.2f} s",
        )
        with postgres_server() as fresh:
            if fresh is None:
                table.add_row("PostgreSQL rows", "skipped", "0", "≤ 10 s", "no PostgreSQL binaries")
            else:
                cli_row(
                    table,
                    "CLI upgrade+ingest+calculate, PostgreSQL",
                    [cli_seconds(root / f"p{i}", sample, fresh(), cache) for i in range(REPEATS)],
                    "≤ 10 s",
                    "local server, psycopg 3, bytecode cached",
                )
                pg = [pipeline_seconds(fresh(), sample)[0] for _ in range(REPEATS)]
                table.add_row(
                    "in process: migrate+ingest+QA+calculate, PostgreSQL",
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
        f"{os.uname().sysname} {os.uname().release}; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


if __name__ == "__main__":
    main()
