"""The local engine: the publish transformations on polars lazy frames."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from weir.dac.models import DashboardConfig
from weir.dac.pipeline.window import EXCLUSION_REASONS, Outputs, Window

if TYPE_CHECKING:
    import polars as pl


def _rules(config: DashboardConfig) -> pl.LazyFrame:
    import polars as pl

    names = config.readings
    metrics = config.metrics
    return pl.LazyFrame(
        {
            "metric": names,
            "order": list(range(len(names))),
            "data_unit": [metrics[name].data_unit for name in names],
            "lo": [metrics[name].min_valid_value for name in names],
            "hi": [metrics[name].max_valid_value for name in names],
        }
    )


def classify(readings: pl.LazyFrame, config: DashboardConfig, window: Window) -> pl.LazyFrame:
    """Readings in the window with a ``reason`` column: null when valid, else why excluded.

    Duplicates are readings of one metric at one timestamp beyond the first (lowest value).
    """
    import polars as pl

    value = pl.col("value")
    reason = (
        pl.when(pl.col("order").is_null())
        .then(pl.lit("unknown_metric"))
        .when(pl.col("unit") != pl.col("data_unit"))
        .then(pl.lit("unit_mismatch"))
        .when(value.is_null() | value.is_nan() | value.is_infinite())
        .then(pl.lit("nan"))
        .when((value < pl.col("lo")) | (value > pl.col("hi")))
        .then(pl.lit("out_of_range"))
    )
    framed = (
        readings.filter(
            (pl.col("timestamp") >= window.start) & (pl.col("timestamp") <= window.as_of)
        )
        .join(_rules(config), on="metric", how="left")
        .with_columns(reason.alias("reason"))
        .sort(["timestamp", "metric", "reason", "value"], nulls_last=False)
    )
    first = pl.int_range(pl.len()).over(["timestamp", "metric", "reason"]) == 0
    return framed.with_columns(
        pl.when(pl.col("reason").is_null() & ~first)
        .then(pl.lit("duplicate"))
        .otherwise(pl.col("reason"))
        .alias("reason")
    )


def compute(
    readings: pl.LazyFrame,
    machine_status: pl.LazyFrame,
    config: DashboardConfig,
    window: Window,
) -> Outputs:
    """Every public figure of a publication (see :class:`Outputs`)."""
    import polars as pl

    frame = classify(readings, config, window).collect()
    valid = frame.filter(pl.col("reason").is_null()).sort(["order", "timestamp"])
    out = Outputs(rows_in_window=frame.height)
    counts = frame.filter(pl.col("reason").is_not_null())["reason"].value_counts()
    found = dict(zip(counts["reason"].to_list(), counts["count"].to_list(), strict=True))
    out.excluded = {reason: int(found.get(reason, 0)) for reason in EXCLUSION_REASONS}
    out.excluded_recent = frame.filter(
        pl.col("reason").is_not_null() & (pl.col("timestamp") >= window.trend_start)
    ).height

    latest = valid.group_by("metric", maintain_order=True).agg(
        pl.col("timestamp").last(), pl.col("value").last(), pl.col("data_unit").first()
    )
    out.snapshot = [
        (row["timestamp"], row["metric"], row["value"], row["data_unit"])
        for row in latest.iter_rows(named=True)
    ]
    out.latest = {row[1]: row[0] for row in out.snapshot}

    hourly = (
        valid.filter(
            (pl.col("timestamp") >= window.trend_start) & (pl.col("timestamp") < window.trend_end)
        )
        .with_columns(pl.col("timestamp").dt.truncate("1h").alias("hour"))
        .group_by(["hour", "order", "metric"])
        .agg(
            pl.col("value").first().alias("start"),
            pl.col("value").last().alias("end"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
            pl.col("value").mean().alias("mean"),
        )
        .sort(["hour", "order"])
    )
    out.trends = [tuple(row) for row in hourly.drop("order").iter_rows()]
    out.gap_hours = window_hours(window) - hourly["hour"].n_unique()

    daily = (
        valid.with_columns(pl.col("timestamp").dt.date().alias("date"))
        .group_by(["date", "order", "metric"])
        .agg(
            pl.col("value").mean().alias("mean"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
            pl.len().alias("count"),
        )
        .sort(["date", "order"])
    )
    out.daily = [tuple(row) for row in daily.drop("order").iter_rows()]
    out.machines, counts_row = machines(machine_status, window)
    out.snapshot += counts_row
    return out


def window_hours(window: Window) -> int:
    """Number of whole hours in the trend window."""
    return int((window.trend_end - window.trend_start).total_seconds() // 3600)


def machines(
    machine_status: pl.LazyFrame, window: Window
) -> tuple[list[tuple[str, str, datetime]], list[tuple[datetime, str, float, str]]]:
    """Each unit's current status and since when, and the snapshot's machine count rows."""
    import polars as pl

    status = (
        machine_status.filter(
            (pl.col("timestamp") >= window.start) & (pl.col("timestamp") <= window.as_of)
        )
        .unique(["timestamp", "unit_id"], keep="last", maintain_order=True)
        .sort(["unit_id", "timestamp"])
        .with_columns(
            (pl.col("status") != pl.col("status").shift(1).over("unit_id"))
            .fill_null(True)
            .cum_sum()
            .over("unit_id")
            .alias("run")
        )
        .collect()
    )
    if status.height == 0:
        return [], []
    last_run = status.group_by("unit_id").agg(pl.col("run").max())
    current = (
        status.join(last_run, on=["unit_id", "run"])
        .group_by("unit_id")
        .agg(
            pl.col("status").last(),
            pl.col("timestamp").min().alias("since"),
            pl.col("timestamp").max().alias("seen"),
        )
        .sort("unit_id")
    )
    rows = [(r["unit_id"], r["status"], r["since"]) for r in current.iter_rows(named=True)]
    seen = current["seen"].max()
    running = sum(1 for _, state, _ in rows if state == "running")
    return rows, [
        (seen, "machines_running", float(running), "count"),  # type: ignore[list-item]
        (seen, "machines_total", float(len(rows)), "count"),  # type: ignore[list-item]
    ]
