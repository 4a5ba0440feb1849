"""``weir forecast extract``: every enabled source × variable × point, latest complete run.

Per source: open the store, find the latest complete init time, work out what is missing
against ``manifests/latest.json`` (a newer init, new or moved points, new variables), read each
chunk once for the points inside it, convert to canonical units, and merge ``points.parquet`` and
``ensemble_summary.parquet`` into their init-date partitions. A source that fails is recorded in
``errors`` and the others still run. Nothing to do → the run is recorded as skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from loguru import logger

from weir.core.errors import BadInputError, WeirError
from weir.core.runs import record_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.errors import SourceError
from weir.forecast.models import CONFIG, EXTRACTION_STATUS, GRIDS_FILE, LOGS, Point, Source
from weir.forecast.pipeline import artifacts, configs, status
from weir.forecast.pipeline.derive import derive
from weir.forecast.pipeline.grid import Nearest, normalize_lon
from weir.forecast.pipeline.map_summary import map_rows
from weir.forecast.pipeline.source import OpenSource, open_source
from weir.forecast.settings import ForecastSettings

Progress = Callable[[int, int | None], None]


@dataclass
class ExtractResult:
    """What one extraction run did."""

    run_id: str
    status: str = "ok"
    init_times: dict[str, str] = field(default_factory=dict)
    points: int = 0
    rows: int = 0
    files_written: int = 0
    chunk_reads: int = 0
    deleted: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Flat output for ``--json`` and tables."""
        return dict(self.__dict__)


@dataclass
class _Work:
    source: Source
    opened: OpenSource
    init_index: int
    init: datetime
    points: list[tuple[Point, Nearest]]
    variables: list[str]


def _plan(
    opened: OpenSource,
    points: list[Point],
    variables: list[str],
    previous: dict[str, Any],
    forced: set[str],
    outside: list[str],
) -> _Work | None:
    source = opened.source
    mapped = [v for v in variables if v in source.variables]
    probe_name = source.variables[mapped[0]].native if mapped else None
    probe = probe_name if isinstance(probe_name, str) else (probe_name or ("",))[0]
    init_index = opened.latest_complete(probe)
    init = datetime.fromisoformat(str(opened.init_times()[init_index])[:19]).replace(tzinfo=UTC)
    done = previous if previous.get("init_time") == init.isoformat() else {}
    same_vars = set(mapped) <= set(done.get("variables", []))
    todo = []
    for point in points:
        if not opened.grid.contains(point.lat, normalize_lon(point.lon)):
            outside.append(f"{source.source_id}:{point.id}")
            continue
        seen = done.get("points", {}).get(point.id)
        if point.id in forced or not same_vars or seen != [point.lat, point.lon, point.name]:
            todo.append((point, opened.grid.nearest(point.lat, normalize_lon(point.lon))))
    if not todo or not mapped:
        return None
    return _Work(source, opened, init_index, init, todo, mapped)


def _run_source(
    store: Store,
    work: _Work,
    variables: Any,
    update: Callable[[], None],
    map_leads: tuple[int, ...] = (),
) -> tuple[int, int]:
    import pandas as pd

    rows = files = 0
    opened = work.opened
    leads, members = opened.lead_hours, opened.members
    for variable_id in work.variables:
        variable = variables.get(variable_id)
        native = work.source.variables[variable_id]
        values = derive(opened, variable, native, work.init_index, (n for _, n in work.points))
        stacked = np.stack([values[(cell.lat_index, cell.lon_index)] for _, cell in work.points])
        common = {"source_id": work.source.source_id, "variable_id": variable_id}
        ids = [point.id for point, _ in work.points]
        new_points = artifacts.point_rows(
            **common,
            point_ids=ids,
            point_names=[point.name for point, _ in work.points],
            init=work.init,
            lead_hours=leads,
            members=members,
            values=stacked,
            units_native=native.units,
        )
        new_summary = artifacts.summary_rows(
            **common, point_ids=ids, init=work.init, lead_hours=leads, values=stacked
        )
        folder = artifacts.partition(work.source.source_id, variable_id, work.init)
        merged_points = artifacts.merge(
            artifacts.read_parquet(store, f"{folder}/points.parquet"),
            new_points,
            artifacts.POINT_SORT,
        )
        merged_summary = artifacts.merge(
            artifacts.read_parquet(store, f"{folder}/ensemble_summary.parquet"),
            new_summary,
            artifacts.SUMMARY_SORT,
        )
        store.put(f"{folder}/points.parquet", artifacts.to_parquet(merged_points))
        store.put(f"{folder}/ensemble_summary.parquet", artifacts.to_parquet(merged_summary))
        rows += len(new_points)
        files += 2
        if map_leads:
            grid = map_rows(opened, variable, native, work.init_index, work.init, map_leads)
            if grid is not None:
                path = f"{folder}/map_summary.parquet"
                existing = artifacts.read_parquet(store, path)
                if existing is not None:  # other inits of the same date stay
                    existing = existing[existing["init_time"] != grid["init_time"].iloc[0]]
                    grid = pd.concat([existing, grid], ignore_index=True)
                store.put(path, artifacts.to_parquet(grid))
                files += 1
        logger.info(
            "{} {} {}: {} points, {} rows",
            work.source.source_id,
            variable_id,
            work.init.isoformat(),
            len(work.points),
            len(new_points),
        )
        update()
    return rows, files


def extract(
    store: Store,
    options: ForecastSettings,
    core: Settings | None = None,
    *,
    registry: Path | None = None,
    point_ids: list[str] | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ExtractResult:
    """Run one extraction (see the module docstring).

    Raises:
        BadInputError: a configuration file is invalid, or `point_ids` names an unknown point.
        SourceError: at least one source failed (after the others ran and status was written).
    """
    reg = configs.load_registry(store, registry or options.registry)
    variables = configs.load_variables(store, options.variables)
    configs.check_sources(reg, variables)
    all_points = configs.load_points(store, options.points).points
    known = {point.id for point in all_points}
    unknown = sorted(set(point_ids or []) - known)
    if unknown:
        raise BadInputError(f"unknown point id(s): {', '.join(unknown)}", field="point")
    points = [p for p in all_points if p.enabled or p.id in (point_ids or [])]
    if point_ids:
        points = [p for p in points if p.id in point_ids]
    if len(points) > options.max_points:
        raise BadInputError(
            f"{len(points)} points exceed WEIR_FORECAST_MAX_POINTS={options.max_points}"
        )
    variable_ids = [v.id for v in variables.variables if v.enabled]
    manifest = status.latest_manifest(store)
    log_lines: list[str] = []
    sink = logger.add(log_lines.append, serialize=True, level="DEBUG", format="{message}")
    started = datetime.now(UTC)
    try:
        with record_run(store, "forecast", "extract") as run:
            result = ExtractResult(run.run_id)
            works: list[_Work] = []
            grids: dict[str, dict[str, list[float]]] = {}
            outside: list[str] = []
            for source in reg.enabled():
                try:
                    opened = open_source(source, core)
                    grids[source.source_id] = {
                        "lats": opened.grid.lats.tolist(),
                        "lons": opened.grid.lons.tolist(),
                    }
                    previous = manifest["sources"].get(source.source_id, {})
                    work = _plan(
                        opened, points, variable_ids, previous, set(point_ids or []), outside
                    )
                    if work is not None:
                        works.append(work)
                    else:
                        result.init_times[source.source_id] = previous.get("init_time", "")
                except WeirError as exc:
                    _fail(result, source, exc)
            total = sum(len(work.variables) for work in works)
            done = [0]
            processed: list[str] = []
            variables_done: set[str] = set()

            def tick() -> None:
                done[0] += 1
                if progress:
                    progress(done[0], total)

            for work in works:
                try:
                    rows, files = _run_source(store, work, variables, tick, options.map_leads)
                except Exception as exc:  # an unreadable source is isolated
                    _fail(result, work.source, exc)
                    continue
                result.rows += rows
                result.files_written += files
                result.chunk_reads += work.opened.chunk_reads
                result.init_times[work.source.source_id] = work.init.isoformat()
                processed.append(work.source.source_id)
                variables_done.update(work.variables)
                entry = manifest["sources"].get(work.source.source_id, {})
                same_init = entry.get("init_time") == work.init.isoformat()
                known_points = entry.get("points", {}) if same_init else {}
                nearest = entry.get("nearest", {}) if same_init else {}
                for point, cell in work.points:
                    known_points[point.id] = [point.lat, point.lon, point.name]
                    nearest[point.id] = {
                        "lat": cell.lat,
                        "lon": cell.lon,
                        "distance_km": cell.distance_km,
                    }
                manifest["sources"][work.source.source_id] = {
                    "init_time": work.init.isoformat(),
                    "variables": sorted(
                        set(work.variables) | set(entry.get("variables", []) if same_init else [])
                    ),
                    "points": known_points,
                    "nearest": nearest,
                }
            result.points = len({p.id for w in works for p, _ in w.points})
            if outside:
                logger.warning("points outside a source's domain: {}", ", ".join(outside))
            if grids:
                store.put_json(f"{CONFIG}/{GRIDS_FILE}", grids)
            if not processed and not result.errors:
                result.status = "skipped"
                run.skip("up to date: no source has a newer complete init time")
                logger.info("up to date: nothing to extract")
            else:
                _publish(store, options, result, manifest, processed, sorted(variables_done), now)
            run.counts.update(
                {
                    "rows": result.rows,
                    "files_written": result.files_written,
                    "chunk_reads": result.chunk_reads,
                    "points": result.points,
                    "sources_failed": len(result.errors),
                }
            )
            if result.errors:
                result.status = "failed"
                raise SourceError(
                    "; ".join(f"{e['source_id']}: {e['message']}" for e in result.errors)
                )
    finally:
        logger.remove(sink)
        result_id = locals().get("result")
        if log_lines and result_id is not None:
            store.put(f"{LOGS}/run_id={result_id.run_id}.jsonl", "".join(log_lines).encode("utf-8"))
    result.seconds = round((datetime.now(UTC) - started).total_seconds(), 3)
    return result


def _fail(result: ExtractResult, source: Source, exc: Exception) -> None:
    message = exc.message if isinstance(exc, WeirError) else f"{type(exc).__name__}: {exc}"
    message = message.splitlines()[0] if message else type(exc).__name__
    message = message.removeprefix(f"{source.source_id}: ")
    result.errors.append({"source_id": source.source_id, "message": message})
    logger.error("source {} failed: {}", source.source_id, message)


def _publish(
    store: Store,
    options: ForecastSettings,
    result: ExtractResult,
    manifest: dict[str, Any],
    processed: list[str],
    variables_done: list[str],
    now: datetime | None,
) -> None:
    now = now or datetime.now(UTC)
    manifest.update({"run_id": result.run_id, "written_at": now.isoformat()})
    status.write_manifest(store, manifest, result.run_id)
    result.deleted = len(status.retain(store, options.retention_days, now))
    previous = status.read_extraction_status(store)
    last_ok = now if processed else (previous.last_successful_extract_utc if previous else None)
    document = {
        "last_successful_extract_utc": f"{last_ok:%Y-%m-%dT%H:%M:%SZ}" if last_ok else None,
        "run_id": result.run_id,
        "sources_processed": processed,
        "variables_processed": variables_done,
        "errors": result.errors,
        "init_times": {k: v for k, v in result.init_times.items() if v},
        "points_processed": result.points,
    }
    store.put(EXTRACTION_STATUS, orjson.dumps(document, option=orjson.OPT_INDENT_2))
    status.inventory(store, options.cost_per_gb_month_usd, now)
