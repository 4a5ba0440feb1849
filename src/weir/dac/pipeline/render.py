"""Public files from an engine's outputs: the seed's CSVs, exact columns, sensible precision."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from weir.dac.models import (
    DAILY_COLUMNS,
    MACHINE_COLUMNS,
    METADATA_COLUMNS,
    SNAPSHOT_COLUMNS,
    STALE_AFTER_SECONDS,
    TIME_FORMAT,
    TRENDS_COLUMNS,
    DashboardConfig,
)
from weir.dac.pipeline.window import Outputs, Window


def number(value: float, decimals: int) -> str:
    """`value` rounded to `decimals`, without trailing zeros (``68``, ``16.3``, ``0``).

    Raises:
        ValueError: NaN or infinity (never published).
    """
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def stamp(value: datetime) -> str:
    """``2025-06-25T09:35:00Z``."""
    return value.strftime(TIME_FORMAT)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV bytes with a header, ``\\n`` line ends, quoting only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _decimals(config: DashboardConfig, metric: str) -> int:
    known = config.metrics.get(metric)
    return known.csv_decimals if known else 0


def snapshot_csv(out: Outputs, config: DashboardConfig) -> bytes:
    """``current_snapshot_YYYYMMDD.csv``."""
    return to_csv(
        SNAPSHOT_COLUMNS,
        (
            (stamp(ts), metric, number(value, _decimals(config, metric)), unit)
            for ts, metric, value, unit in out.snapshot
        ),
    )


def trends_csv(out: Outputs, config: DashboardConfig) -> bytes:
    """``hourly_trends_YYYYMMDD.csv``."""
    rows = []
    for hour, metric, *values in out.trends:
        places = _decimals(config, metric)
        rows.append([stamp(hour), metric, *(number(v, places) for v in values)])
    return to_csv(TRENDS_COLUMNS, rows)


def daily_csv(out: Outputs, config: DashboardConfig) -> bytes:
    """``daily_summary_YYYYMMDD.csv``."""
    rows = []
    for day, metric, mean, low, high, count in out.daily:
        places = _decimals(config, metric)
        rows.append(
            [day.isoformat(), metric, *(number(v, places) for v in (mean, low, high)), count]
        )
    return to_csv(DAILY_COLUMNS, rows)


def machines_csv(out: Outputs) -> bytes:
    """``machine_status_YYYYMMDD.csv``."""
    return to_csv(
        MACHINE_COLUMNS, ((unit, status, stamp(since)) for unit, status, since in out.machines)
    )


def quality(out: Outputs, config: DashboardConfig, window: Window) -> tuple[str, list[str]]:
    """``good``, ``degraded`` or ``stale``, with the reasons."""
    reasons = []
    stale = [
        metric
        for metric in config.readings
        if metric not in out.latest
        or (window.as_of - out.latest[metric]).total_seconds() > STALE_AFTER_SECONDS
    ]
    if out.excluded_recent:
        reasons.append(f"{out.excluded_recent} readings excluded in the last 48 h")
    if out.gap_hours:
        reasons.append(f"{out.gap_hours} of 48 hours without readings")
    if stale:
        reasons.append("stale: " + " ".join(stale))
    if len(stale) == len(config.readings):
        return "stale", reasons
    return ("degraded" if reasons else "good"), reasons


def metadata_csv(
    out: Outputs,
    config: DashboardConfig,
    window: Window,
    *,
    rows_read: int,
    files: dict[str, str],
    next_update: datetime,
) -> bytes:
    """``metadata.csv``: ``key,value,timestamp`` rows, all stamped with the publication time."""
    level, reasons = quality(out, config, window)
    latest = max(out.latest.values()) if out.latest else None
    values: list[tuple[str, Any]] = [
        ("last_update", "success"),
        ("data_quality", level),
        ("data_quality_reasons", "; ".join(reasons) or "none"),
        ("pipeline_version", _version()),
        ("latest_reading", stamp(latest) if latest else ""),
        ("next_update", stamp(next_update)),
        ("source_window_start", stamp(window.start)),
        ("source_window_end", stamp(window.as_of)),
        ("rows_read", rows_read),
        ("rows_in_window", out.rows_in_window),
        ("rows_excluded", sum(out.excluded.values())),
        *((f"rows_excluded_{reason}", count) for reason, count in out.excluded.items()),
        *((f"file_{name}", key) for name, key in files.items()),
    ]
    now = stamp(window.as_of)
    return to_csv(METADATA_COLUMNS, ((key, value, now) for key, value in values))


def _version() -> str:
    from weir.dac.models import PIPELINE_VERSION

    return PIPELINE_VERSION


def dated(name: str, day: date) -> str:
    """``data/<name>_YYYYMMDD.csv``."""
    return f"data/{name}_{day:%Y%m%d}.csv"
