"""Health API and check-runner benchmark; prints one table of figures and their targets.

Measures, on this machine (2 cores shared with other work: figures vary run to run):

1. ``/v1/status`` of a 50-process pipeline and ``/v1/diagram`` + ``/v1/diagram/svg`` under load
   on ONE uvicorn worker, with wrk (targets: ≥ 1,000 req/s for /status; p99 ≤ 20 ms at 500
   req/s for /diagram). Peers in the same server: the naive way (a status serialized by
   FastAPI's default encoder on every request; an SVG rendered by mmdr on every request).
2. A round of 150 checks of which 10 hang (5 HTTP requests to a server that never answers,
   5 commands that sleep): target done within the 5 s timeout + 1 s.
3. 2,000 checks per 60 s on one instance (the service's loop): CPU seconds and peak RSS.
4. Time from a stage failing (the helicopter sample) to the API showing it (target < 5 s).

Gatus and Uptime Kuma (the monitors the issue names) are not installed on this offline
machine, so they are not in the table.

Usage: ``python benchmarks/health_api.py [--duration 10] [--load-seconds 60]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pipeline(folder: Path, processes: int, checks_each: int = 1, interval: str = "5s") -> Path:
    """A config of `processes` processes in groups of 10, each with file checks."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    specs = []
    for index in range(processes):
        (folder / "data" / f"f{index}.tsv").write_text("x\n")
        checks = [
            {"id": f"c{index}_{n}", "type": "file_fresh" if n % 2 else "file_exists",
             "path": f"data/f{index}.tsv", "interval": interval, "timeout": "5s",
             **({"max_age": "1d"} if n % 2 else {})}
            for n in range(checks_each)
        ]  # fmt: skip
        specs.append({"id": f"p{index}", "name": f"Stage {index}", "group": f"g{index // 10}",
                      "checks": checks})  # fmt: skip
    edges = [{"from": f"p{i}", "to": f"p{i + 1}"} for i in range(processes - 1)]
    path = folder / "pipeline.yaml"
    config = {"pipeline": {"name": "bench"}, "processes": specs, "edges": edges}
    path.write_text(yaml.safe_dump(config))
    return path


def serve(config: Path, port: int) -> None:
    """One uvicorn worker serving the health router (and the naive peers)."""
    import uvicorn
    from fastapi import FastAPI, Response
    from loguru import logger

    from weir.core.http import RequestIdMiddleware, install_error_handlers
    from weir.core.settings import Settings
    from weir.health.api import create_router
    from weir.health.pipeline.render import render_mmdr
    from weir.health.settings import HealthSettings

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    health = HealthSettings(config=config, svg_renderer="mmdr")
    router = create_router(Settings(), health)
    service = router.state  # type: ignore[attr-defined]
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(router, prefix="/api/health")

    @app.get("/naive/status")
    def naive_status() -> dict[str, Any]:
        return {"status": "ok", "data": service.status(), "error": None}

    @app.get("/naive/diagram/svg")
    def naive_svg() -> Response:
        return Response(render_mmdr(service.diagram_text), media_type="image/svg+xml")

    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning",
                access_log=False)  # fmt: skip


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    """Requests/s and latency percentiles (ms) from wrk."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    figures = {"rps": rate}
    for name in ("50", "99"):
        match = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out)
        assert match is not None, out
        value = float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        figures[f"p{name}"] = value
    return figures


def start_server(config: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "WEIR_HOME": str(config.parent / "home")}
    process = subprocess.Popen(
        [sys.executable, __file__, "serve", str(config), str(port)], env=env, cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/health/v1/health").json()["data"]["round"] >= 1:
                return process, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("server did not start")
        time.sleep(0.2)


def api_load(folder: Path, seconds: int) -> list[tuple[str, str, str]]:
    config = pipeline(folder / "api", 50)
    process, base = start_server(config)
    rows = []
    try:
        api = f"{base}/api/health/v1"
        time.sleep(1.0)  # the SVG is rendered after the first round
        for label, url, connections in (
            ("/v1/status, 50 processes (cached JSON)", f"{api}/status", 50),
            ("peer: /status via FastAPI's encoder each request", f"{base}/naive/status", 50),
            ("/v1/diagram", f"{api}/diagram", 50),
            ("/v1/diagram, 10 connections", f"{api}/diagram", 10),
            ("/v1/diagram/svg (render cache)", f"{api}/diagram/svg", 10),
            ("peer: SVG rendered by mmdr each request", f"{base}/naive/diagram/svg", 10),
        ):
            figures = wrk(url, seconds, connections)
            rows.append((label, f"{figures['rps']:,.0f} req/s",
                         f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms"))  # fmt: skip
    finally:
        process.terminate()
        process.wait(10)
    return rows


def hung_round(folder: Path) -> tuple[str, str, str]:
    from weir.core.settings import Settings
    from weir.health.pipeline.checks.base import CheckContext
    from weir.health.pipeline.config import load_config
    from weir.health.pipeline.runner import Runner

    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    port = silent.getsockname()[1]
    config = yaml.safe_load(pipeline(folder / "hung", 140).read_text())
    hung = [{"id": f"http{n}", "type": "http", "url": f"http://127.0.0.1:{port}/",
             "timeout": "5s"} for n in range(5)]  # fmt: skip
    hung += [{"id": f"sleep{n}", "type": "command", "command": "sleep 60", "timeout": "5s"}
             for n in range(5)]  # fmt: skip
    config["processes"][0]["checks"] += hung
    path = folder / "hung" / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config))
    loaded = load_config(path)
    runner = Runner(CheckContext(Settings(), path.parent, lambda _id: None), 32, 10.0)
    started = time.perf_counter()
    results = runner.run_round(loaded)
    elapsed = time.perf_counter() - started
    runner.close()
    silent.close()
    timed_out = sum(r.message.startswith("timed out after 5s") for r in results)
    return ("round of 150 checks, 10 hung (timeout 5 s)", f"{elapsed:.2f} s",
            f"{timed_out} timed out, {sum(r.ok for r in results)} ok; target ≤ 6 s")  # fmt: skip


def sustained(folder: Path, seconds: int) -> tuple[str, str, str]:
    from weir.core.settings import Settings
    from weir.health.service import HealthService
    from weir.health.settings import HealthSettings

    # 200 checks every 5.5 s ≈ 2,200 checks per 60 s
    config = pipeline(folder / "load", 100, checks_each=2, interval="5.5s")
    os.environ["WEIR_HOME"] = str(folder / "load" / "home")
    service = HealthService(Settings(), HealthSettings(config=config, round_every=1.0), config)
    me = psutil.Process()
    peak = [me.memory_info().rss]
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], me.memory_info().rss)

    threading.Thread(target=sample_rss, daemon=True).start()
    cpu0 = sum(me.cpu_times()[:2])
    service.start()
    time.sleep(seconds)
    service.stop()
    stop.set()
    cpu = sum(me.cpu_times()[:2]) - cpu0
    from weir.health.pipeline import history

    engine = service.engine()
    with engine.connect() as connection:
        from sqlalchemy import func, select

        done = connection.execute(select(func.count()).select_from(history.results)).scalar()
    rate = int(done or 0) * 60 / seconds
    return (f"{int(done or 0):,} checks in {seconds} s ({rate:,.0f} per 60 s), history in SQLite",
            f"{cpu / seconds * 100:.1f} % of one core",
            f"{cpu:.1f} CPU s, peak RSS {peak[0] / 2**20:.0f} MiB")  # fmt: skip


def failure_latency(folder: Path) -> tuple[str, str, str]:
    from weir.health.pipeline.simulate import apply
    from weir.health.sample import sample

    root = folder / "heli"
    sample(root, 7)
    process, base = start_server(root / "helicopter.yaml")
    times = []
    try:
        for stage in ("parse", "compress", "store_tsv", "algorithms", "sql"):
            apply(root, "healthy")
            while httpx.get(f"{base}/api/health/v1/health").json()["data"]["status"] != "healthy":
                time.sleep(0.1)
            started = time.monotonic()
            apply(root, stage)
            while True:
                body = httpx.get(f"{base}/api/health/v1/status", params={"process": stage})
                if body.json()["data"]["processes"][0]["status"] in ("failed", "pending"):
                    break
                time.sleep(0.05)
            times.append(time.monotonic() - started)
    finally:
        process.terminate()
        process.wait(10)
    return ("stage failure → visible in /v1/status (5 stages)",
            f"median {sorted(times)[2]:.2f} s, max {max(times):.2f} s",
            "check interval 3 s, round every 1 s; target < 5 s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per endpoint")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from loguru import logger

    logger.remove()  # the in-process rounds log every check at DEBUG: keep the table readable
    logger.add(sys.stderr, level="WARNING")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["WEIR_HOME"] = str(folder / "home")
        rows = api_load(folder, args.duration)
        rows.append(hung_round(folder))
        rows.append(failure_latency(folder))
        rows.append(sustained(folder, args.load_seconds))
    if args.json:
        print(json.dumps(rows))
        return
    width = max(len(r[0]) for r in rows)
    print(f"health benchmark · {os.cpu_count()} cores shared with other work · one uvicorn worker")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>22}  {note}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
