"""``weir dac publish``: one hourly publication of the public dashboard files.

Reads the gold partitions of the window, validates every reading against the dashboard config,
computes snapshot, 48-hour trends, 30-day summary and machine status, checks each file against
the size limit, writes the dated CSVs, the config and the widget, then ``metadata.csv`` last, and
prunes dated versions past the retention. A run record and a JSON-lines pipeline log are written
for every run, failed ones included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from weir.core.runs import record_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.dac.errors import FileTooLargeError, NoDataError
from weir.dac.models import (
    CONFIG_KEY,
    DATED,
    METADATA_KEY,
    WIDGET_KEY,
    DashboardConfig,
    default_config_bytes,
    parse_config,
    widget_bytes,
)
from weir.dac.pipeline import render
from weir.dac.pipeline.gold import read_gold
from weir.dac.pipeline.log import PipelineLog
from weir.dac.pipeline.window import Outputs, Window
from weir.dac.settings import DacSettings

PUBLISH_EVERY = timedelta(hours=1)


@dataclass
class PublishResult:
    """What one publication did."""

    as_of: datetime
    files: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    data_quality: str = ""
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log_key: str | None = None


def load_config(dac: DacSettings) -> tuple[DashboardConfig, bytes]:
    """The dashboard config in use (``WEIR_DAC_CONFIG_PATH`` or the shipped one) and its bytes."""
    if dac.config_path is not None:
        data = dac.config_path.read_bytes()
        return parse_config(data, str(dac.config_path)), data
    data = default_config_bytes()
    return parse_config(data), data


def run_engine(
    engine: str, gold: Store, config: DashboardConfig, window: Window
) -> tuple[Outputs, int, int]:
    """Compute the outputs with `engine`; returns them, the rows read and the files read."""
    if engine == "spark":
        from weir.dac.pipeline.spark import compute_spark

        return compute_spark(gold, config, window)
    import polars as pl

    from weir.dac.pipeline.local import compute

    frames = read_gold(gold, window.first_day, window.last_day)
    rows_read = int(frames.readings.select(pl.len()).collect().item())
    outputs = compute(frames.readings, frames.machine_status, config, window)
    return outputs, rows_read, frames.files_read


def build_files(
    outputs: Outputs, config: DashboardConfig, config_data: bytes, window: Window, rows_read: int
) -> tuple[dict[str, bytes], bytes]:
    """Every file of a publication, metadata apart (it is written last)."""
    day: date = window.as_of.date()
    keys = {
        name: render.dated(name, day)
        for name in ("current_snapshot", "hourly_trends", "daily_summary", "machine_status")
    }
    files = {
        keys["current_snapshot"]: render.snapshot_csv(outputs, config),
        keys["hourly_trends"]: render.trends_csv(outputs, config),
        keys["daily_summary"]: render.daily_csv(outputs, config),
        keys["machine_status"]: render.machines_csv(outputs),
        CONFIG_KEY: config_data,
        WIDGET_KEY: widget_bytes(),
    }
    metadata = render.metadata_csv(
        outputs,
        config,
        window,
        rows_read=rows_read,
        files=keys,
        next_update=window.trend_end + PUBLISH_EVERY,
    )
    return files, metadata


def check_sizes(files: dict[str, bytes], limit: int) -> None:
    """Refuse to publish anything when one file passes `limit` bytes (the seed's 1 MB alert)."""
    for key, data in files.items():
        if len(data) > limit:
            raise FileTooLargeError(
                f"{key} is {len(data)} bytes, over the {limit}-byte limit "
                "(WEIR_DAC_MAX_FILE_BYTES); nothing was published"
            )


def prune_dated(store: Store, today: date, keep_days: int) -> list[str]:
    """Delete ``data/*_YYYYMMDD.csv`` versions dated more than `keep_days` before `today`."""
    cutoff = today - timedelta(days=keep_days)
    pruned = []
    for meta in store.list("data"):
        found = DATED.search(meta.path.rsplit("/", 1)[-1])
        if found is None:
            continue
        try:
            stamped = datetime.strptime(found.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        if stamped < cutoff:
            store.delete(meta.path)
            pruned.append(meta.path)
    return pruned


def publish(
    settings: Settings,
    dac: DacSettings,
    *,
    as_of: datetime | None = None,
    engine: str | None = None,
) -> PublishResult:
    """One publication at `as_of` (default now); see the module docstring.

    Raises:
        NoDataError: no valid reading in the window.
        FileTooLargeError: a file passes the size limit (nothing was published).
    """
    started = time.perf_counter()
    window = Window.at(as_of or datetime.now(UTC))
    gold, public = dac.gold_store(settings), dac.public_store(settings)
    result = PublishResult(as_of=window.as_of)
    with record_run(Store.from_settings(settings), "dac", "publish") as run:
        log = PipelineLog(run.run_id)
        try:
            log.log(
                "INFO",
                "Pipeline started",
                as_of=render.stamp(window.as_of),
                engine=engine or dac.engine,
            )
            config, config_data = load_config(dac)
            log.log(
                "INFO", "Reading from Gold layer", path=gold.url, first_day=str(window.first_day)
            )
            outputs, rows_read, files_read = run_engine(engine or dac.engine, gold, config, window)
            log.log("INFO", "Successfully read Gold data", row_count=rows_read, files=files_read)
            if not outputs.latest:
                raise NoDataError(
                    f"no valid reading between {render.stamp(window.start)} and "
                    f"{render.stamp(window.as_of)} in {gold.url}"
                )
            files, metadata = build_files(outputs, config, config_data, window, rows_read)
            check_sizes({**files, METADATA_KEY: metadata}, dac.max_file_bytes)
            log.log("INFO", "Writing to public store", store=public.url, files=len(files) + 1)
            public.publish(files, (METADATA_KEY, metadata))
            result.pruned = prune_dated(public, window.as_of.date(), dac.retention_days)
            result.files = {
                key: len(data) for key, data in {**files, METADATA_KEY: metadata}.items()
            }
            result.data_quality = render.quality(outputs, config, window)[0]
            result.counts = {
                "rows_read": rows_read,
                "files_read": files_read,
                "rows_in_window": outputs.rows_in_window,
                "rows_excluded": sum(outputs.excluded.values()),
                **{f"excluded_{k}": v for k, v in outputs.excluded.items()},
                "files_written": len(files) + 1,
                "pruned": len(result.pruned),
            }
            run.counts.update(result.counts)
            log.log("INFO", "Pipeline completed successfully", **result.counts)
        except Exception as exc:
            log.log("ERROR", "Pipeline failed", error=str(exc), error_type=type(exc).__name__)
            raise
        finally:
            result.log_key = log.write(public)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def summary(result: PublishResult) -> dict[str, Any]:
    """A flat dict of a result for the CLI."""
    return {
        "as_of": render.stamp(result.as_of),
        "data_quality": result.data_quality,
        **result.counts,
        "seconds": result.seconds,
        "log": result.log_key,
    }
