"""Forecast benchmark: point extraction, a full extraction run, dashboard interaction time.

Run: ``uv run python benchmarks/forecast_extract.py`` (``--span``/``--resolution`` size the sample
stores; default 40° × 40° at 1°, GEFS 31 members × 81 leads, IFS 51 × 61, sharded Zarr v3).

All in one printed table, weir next to its peer, a naive xarray loop (open the store, select the
nearest point with ``method="nearest"``, load; per point, as the seed's helper script does):

* point extraction: the first query in a new process (imports, open, read) and repeated queries
  (p50/p95 over 25 points × 2 sources) — weir reads on an open store, chunk by chunk;
* a full run of 25 points × 4 variables × 2 sources to Parquet (artifacts, summaries, status)
  vs the naive loop writing the same tables;
* dashboard interaction server time: what one interaction costs the server (read the cached
  artifacts, summarise, render the PNG plot and the table), p50/p95 over 60 interactions, as
  wall time and as this process's CPU time (less sensitive to other jobs on a shared machine).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from loguru import logger
from rich.console import Console
from rich.table import Table

from weir.core.storage import Store
from weir.forecast.models import Points
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.extract import extract
from weir.forecast.pipeline.source import open_source
from weir.forecast.pipeline.summary import summarize
from weir.forecast.pipeline.units import convert, rate_to_amount, vector_speed
from weir.forecast.sample import sample
from weir.forecast.settings import ForecastSettings

VARIABLES = ("temperature_2m", "precipitation", "snow_depth", "wind_speed_10m")


def points(count: int, seed: int = 11) -> Points:
    """`count` points spread over the sample region (70–30 N, 130–90 W)."""
    rng = np.random.default_rng(seed)
    return Points.model_validate(
        {
            "points": [
                {
                    "id": f"p{i:02d}",
                    "name": f"Point {i:02d}",
                    "lat": round(float(rng.uniform(31, 69)), 3),
                    "lon": round(float(rng.uniform(-129, -91)), 3),
                }
                for i in range(count)
            ]
        }
    )


def pct(values: list[float], q: float) -> float:
    """Percentile in milliseconds."""
    return float(np.percentile(values, q) * 1000)


NAIVE_QUERY = """
import sys, time
t = time.perf_counter()
import xarray as xr
ds = xr.open_zarr(sys.argv[1], chunks=None)
da = ds["temperature_2m"].isel(init_time=0).sel(latitude=45.3, longitude=-110.2, method="nearest")
da.values
print(time.perf_counter() - t)
"""
WEIR_QUERY = """
import sys, time
t = time.perf_counter()
from weir.forecast.models import Source
from weir.forecast.pipeline.source import open_source
source = Source.model_validate_json(sys.argv[1])
opened = open_source(source)
cell = opened.grid.nearest(45.3, -110.2)
opened.read_points("temperature_2m", 0, [cell])
print(time.perf_counter() - t)
"""


def first_query(code: str, arg: str, runs: int = 3) -> list[float]:
    """Seconds of a first query in a new Python process (imports included)."""
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code, arg], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        for _ in range(runs)
    ]


def naive_point(url: str, name: str, lat: float, lon: float) -> Any:
    """The peer: open, select nearest, load (a fresh open per query)."""
    import xarray as xr

    ds = xr.open_zarr(url, chunks=None)
    da = ds[name].isel(init_time=0).sel(latitude=lat, longitude=lon, method="nearest")
    return da.transpose("ensemble_member", "lead_time").values


def naive_full(registry: Any, pts: Points, out: Path) -> int:
    """The peer's full run: per source × variable × point, open and select, convert, summarise,
    then write the same two Parquet tables per source × variable."""
    import pandas as pd
    import xarray as xr

    rows = 0
    for source in registry.sources:
        for variable in VARIABLES:
            native = source.variables[variable]
            point_frames, summary_frames = [], []
            for point in pts.points:
                names = [native.native] if isinstance(native.native, str) else native.native
                arrays = [naive_point(source.url, n, point.lat, point.lon) for n in names]
                ds = xr.open_zarr(source.url, chunks=None)
                leads = ds["lead_time"].values.astype("timedelta64[h]").astype(float)
                if variable == "precipitation":
                    values = rate_to_amount(arrays[0], native.units, "mm", leads)
                elif variable == "wind_speed_10m":
                    values = vector_speed(arrays[0], arrays[1])
                else:
                    target = "cm" if variable == "snow_depth" else "degC"
                    values = convert(arrays[0], native.units, target)
                members, n_leads = values.shape
                point_frames.append(
                    pd.DataFrame(
                        {
                            "point_id": point.id,
                            "lead_hours": np.tile(leads, members),
                            "ensemble_member": np.repeat(np.arange(members), n_leads),
                            "value": values.reshape(-1),
                        }
                    )
                )
                summary_frames.append(
                    pd.DataFrame({"point_id": point.id, "lead_hours": leads, **summarize(values)})
                )
            folder = out / source.source_id / variable
            folder.mkdir(parents=True, exist_ok=True)
            frame = pd.concat(point_frames)
            frame.to_parquet(folder / "points.parquet")
            pd.concat(summary_frames).to_parquet(folder / "ensemble_summary.parquet")
            rows += len(frame)
    return rows


def dashboard_times(store: Store, pts: Points, count: int = 60) -> dict[str, list[float]]:
    """Server seconds per interaction, split: data (cached artifacts → summary, members,
    threshold odds, table) and plot (figure + PNG, what ``render.plot`` does)."""
    import matplotlib

    matplotlib.use("Agg")
    from weir.forecast.ui.data import Dashboard, Selection
    from weir.forecast.ui.plots import figure
    from weir.forecast.ui.server import table_frame

    board = Dashboard(store)
    views = ("bands", "boxplot", "members")
    times: dict[str, list[float]] = {"data": [], "plot": [], "total": [], "cpu": []}
    for i in range(count + 1):
        started = time.perf_counter()
        cpu = time.process_time()
        sel = Selection(
            sources=(("gefs", "ecmwf_ifs_ens"), ("gefs",), ("ecmwf_ifs_ens",))[i % 3],
            variable=VARIABLES[i % 4],
            point=pts.points[i % len(pts.points)].id,
            run="latest",
            system=("metric", "imperial")[i % 2],
            threshold=0.5 if i % 5 == 0 else None,
            above=True,
        )
        view = views[i % 3]
        summary = board.summary(sel)
        members = {s: board.members(sel, s) for s in sel.sources} if view == "members" else {}
        table_frame(summary, "America/Denver").to_dict("records")
        middle = time.perf_counter()
        fig = figure(
            summary, members, view=view, label="x", tz="America/Denver", threshold=sel.threshold
        )
        fig.savefig(io.BytesIO(), format="png")
        ended = time.perf_counter()
        if i == 0:  # the first interaction warms the cache and imports matplotlib
            times["cold"] = [ended - started]
            continue
        times["data"].append(middle - started)
        times["plot"].append(ended - middle)
        times["total"].append(ended - started)
        times["cpu"].append(time.process_time() - cpu)
    return times


def main() -> None:
    """Run every measurement and print one table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--span", type=float, default=40.0)
    parser.add_argument("--resolution", type=float, default=1.0)
    parser.add_argument("--points", type=int, default=25)
    args = parser.parse_args()
    logger.remove()
    work = Path(tempfile.mkdtemp(prefix="weir-forecast-bench-"))
    t0 = time.perf_counter()
    sample(work / "sample", 7, span=args.span, resolution=args.resolution)
    sample_s = time.perf_counter() - t0
    pts = points(args.points)
    (work / "points.json").write_bytes(orjson.dumps(pts.model_dump(mode="json")))
    registry = configs.load_registry(
        Store.from_url("memory://"), work / "sample/source_registry.json"
    )
    gefs = registry.sources[0]

    weir_first = first_query(WEIR_QUERY, gefs.model_dump_json())
    naive_first = first_query(NAIVE_QUERY, gefs.url)

    naive_repeat, weir_repeat = [], []
    for source in registry.sources:
        opened = open_source(source)
        for point in pts.points:
            t = time.perf_counter()
            naive_point(source.url, "temperature_2m", point.lat, point.lon)
            naive_repeat.append(time.perf_counter() - t)
            t = time.perf_counter()
            opened.read_points("temperature_2m", 0, [opened.grid.nearest(point.lat, point.lon)])
            weir_repeat.append(time.perf_counter() - t)

    store = Store.from_url(f"file://{work / 'store'}")
    options = ForecastSettings(points=work / "points.json")
    t = time.perf_counter()
    result = extract(store, options, registry=work / "sample/source_registry.json")
    weir_full = time.perf_counter() - t
    t = time.perf_counter()
    naive_rows = naive_full(registry, pts, work / "naive")
    naive_full_s = time.perf_counter() - t
    assert naive_rows == result.rows, (naive_rows, result.rows)

    dash = dashboard_times(store, pts)
    load = os.getloadavg()[0]

    table = Table(
        title=f"forecast benchmark ({args.points} points × 4 variables × 2 sources; "
        f"2 cores shared with other jobs, load average {load:.1f})"
    )
    for column in ("measure", "weir", "naive xarray", "weir vs naive"):
        table.add_column(column, justify="right" if column != "measure" else "left")

    def row(name: str, ours: float, theirs: float | None, unit: str = "ms") -> None:
        ratio = ""
        if theirs:
            ratio = (
                f"{theirs / ours:.1f}× faster" if theirs >= ours else f"{ours / theirs:.1f}× slower"
            )
        shown = "—" if theirs is None else f"{theirs:.1f} {unit}"
        table.add_row(name, f"{ours:.1f} {unit}", shown, ratio)

    row(
        "first point query, new process (p50 of 3)",
        statistics.median(weir_first) * 1000,
        statistics.median(naive_first) * 1000,
    )
    row("repeat point query p50", pct(weir_repeat, 50), pct(naive_repeat, 50))
    row("repeat point query p95", pct(weir_repeat, 95), pct(naive_repeat, 95))
    row("full run (Parquet + summaries + status)", weir_full, naive_full_s, "s")
    row("dashboard interaction, first (cold)", dash["cold"][0] * 1000, None)
    row("dashboard data p50 / p95", pct(dash["data"], 50), None)
    table.add_row("", f"{pct(dash['data'], 95):.1f} ms", "", "")
    row("dashboard plot render p50 / p95", pct(dash["plot"], 50), None)
    table.add_row("", f"{pct(dash['plot'], 95):.1f} ms", "", "")
    row("dashboard interaction p50", pct(dash["total"], 50), None)
    row("dashboard interaction p95 (target ≤ 300 ms)", pct(dash["total"], 95), None)
    row("dashboard interaction CPU time p50", pct(dash["cpu"], 50), None)
    row("dashboard interaction CPU time p95", pct(dash["cpu"], 95), None)
    Console().print(table)
    Console().print(
        f"sample: {args.span}° × {args.span}° at {args.resolution}°, written in {sample_s:.1f} s; "
        f"weir run: {result.rows:,} member rows, {result.chunk_reads} chunk reads, "
        f"{result.files_written} files; target full run ≤ 30 s and ≥ 5× the naive loop"
    )


if __name__ == "__main__":
    main()
