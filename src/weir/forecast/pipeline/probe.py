"""``weir forecast probe``: the seed's test scripts as one command.

N point-trace queries against the source stores (all members × all leads of one variable at one
point, as a fresh open-and-select), each timed and written as ``Q01_<source>.json`` with its
``metrics``; ``summary.json`` with per-query status and p50/p95; ``query_performance.log``. The
output may be any store URL (a folder, ``file://``, ``s3://``): everything written is read back
and compared byte for byte (the seed's upload and read-back scripts). Transient errors of remote
stores are retried with backoff by obstore (``WEIR_FORECAST_PROBE_RETRIES``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.models import Point, Registry, Source, Variables
from weir.forecast.pipeline.derive import derive
from weir.forecast.pipeline.grid import normalize_lon
from weir.forecast.pipeline.source import open_source


@dataclass
class ProbeResult:
    """What a probe did."""

    queries: int = 0
    ok: int = 0
    failed: int = 0
    p50_s: float = 0.0
    p95_s: float = 0.0
    files_written: int = 0
    verified: int = 0
    mismatched: list[str] = field(default_factory=list)


def _query(
    query_id: str,
    source: Source,
    point: Point,
    variables: Variables,
    variable_id: str,
    settings: Settings | None,
    retries: int,
) -> dict[str, Any]:
    started = time.perf_counter()
    payload: dict[str, Any] = {
        "query_id": query_id,
        "source_id": source.source_id,
        "variable_id": variable_id,
        "point": {"id": point.id, "name": point.name, "lat": point.lat, "lon": point.lon},
    }
    try:
        opened = open_source(source, settings, retries=retries)
        native = source.variables[variable_id]
        variable = variables.get(variable_id)
        probe_name = native.native if isinstance(native.native, str) else native.native[0]
        init_index = opened.latest_complete(probe_name)
        cell = opened.grid.nearest(point.lat, normalize_lon(point.lon))
        values = derive(opened, variable, native, init_index, [cell])[
            (cell.lat_index, cell.lon_index)
        ]
        payload.update(
            {
                "init_time": str(opened.init_times()[init_index])[:19] + "Z",
                "nearest": {"lat": cell.lat, "lon": cell.lon, "distance_km": cell.distance_km},
                "units": variable.units,
                "lead_hours": opened.lead_hours.tolist(),
                "members": [
                    [None if np.isnan(v) else round(float(v), 4) for v in row] for row in values
                ],
            }
        )
        status, error, elements = "ok", None, int(values.size)
    except Exception as exc:  # a failed query is a result, not a crash
        status, error, elements = "failed", str(exc).splitlines()[0], 0
    payload["metrics"] = {
        "duration_s": round(time.perf_counter() - started, 4),
        "elements": elements,
        "bytes_estimate": elements * 8,
        "status": status,
        "error": error,
    }
    return payload


def probe(
    registry: Registry,
    variables: Variables,
    points: list[Point],
    out: Store,
    *,
    queries: int = 10,
    variable_id: str = "temperature_2m",
    settings: Settings | None = None,
    retries: int = 3,
    prefix: str = "",
) -> ProbeResult:
    """Run `queries` point-trace queries (sources and points taken in turn), write and verify."""
    sources = [s for s in registry.enabled() if variable_id in s.variables]
    result = ProbeResult()
    files: dict[str, bytes] = {}
    log: list[str] = []
    rows = []
    for index in range(queries if sources and points else 0):
        source = sources[index % len(sources)]
        point = points[index % len(points)]
        query_id = f"Q{index + 1:02d}"
        payload = _query(query_id, source, point, variables, variable_id, settings, retries)
        name = f"{query_id}_{source.source_id}.json"
        files[name] = orjson.dumps(payload, option=orjson.OPT_INDENT_2)
        metrics = payload["metrics"]
        rows.append({"query_id": query_id, "file": name, "source_id": source.source_id, **metrics})
        log.append(
            f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ} {query_id} {source.source_id} "
            f"{point.id} status={metrics['status']} duration_s={metrics['duration_s']} "
            f"elements={metrics['elements']} bytes={metrics['bytes_estimate']}"
            + (f" error={metrics['error']}" if metrics["error"] else "")
        )
    durations = [r["duration_s"] for r in rows if r["status"] == "ok"]
    result.queries = len(rows)
    result.ok = len(durations)
    result.failed = result.queries - result.ok
    if durations:
        result.p50_s = round(float(np.percentile(durations, 50)), 4)
        result.p95_s = round(float(np.percentile(durations, 95)), 4)
    log.append(f"p50_s={result.p50_s} p95_s={result.p95_s} ok={result.ok} failed={result.failed}")
    summary = {
        "queries": rows,
        "ok": result.ok,
        "failed": result.failed,
        "p50_s": result.p50_s,
        "p95_s": result.p95_s,
        "variable_id": variable_id,
    }
    files["summary.json"] = orjson.dumps(summary, option=orjson.OPT_INDENT_2)
    files["query_performance.log"] = ("\n".join(log) + "\n").encode()
    base = prefix.strip("/")
    for name, data in files.items():
        out.put(f"{base}/{name}" if base else name, data)
    result.files_written = len(files)
    for name, data in files.items():  # read back what was written, as stored
        if out.get(f"{base}/{name}" if base else name) == data:
            result.verified += 1
        else:
            result.mismatched.append(name)
    return result
