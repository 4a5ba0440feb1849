"""The local engine: the publish transformations on polars lazy frames."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from weir.dac.models import DashboardConfig
from weir.dac.pipeline.window import EXCLUSION_REASONS, Outputs, Window

PACK = 1024  # metric index packed under the microseconds of a timestamp

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

    Duplicates are not marked here (see :func:`dedupe`).
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
    return (
        readings.filter(
            (pl.col("timestamp") >= window.start) & (pl.col("timestamp") <= window.as_of)
        )
        .join(_rules(config), on="metric", how="left")
        .with_columns(reason.alias("reason"))
    )


def dedupe(valid: pl.DataFrame) -> pl.DataFrame:
    """One valid reading per metric and timestamp (the lowest value); ``n`` counts the copies.

    Grouping runs on one packed integer key (microseconds × 1024 + metric index), the cheapest
    key to hash; the result has ``timestamp``, ``order``, ``value`` and ``n``.
    """
    import polars as pl

    key = pl.col("timestamp").dt.epoch("us") * PACK + pl.col("order")
    grouped = (
        valid.select(key.alias("key"), "value")
        .group_by("key")
        .agg(pl.col("value").min(), pl.len().alias("n"))
    )
    return grouped.select(
        (pl.col("key") // PACK).cast(pl.Datetime("us", "UTC")).alias("timestamp"),
        (pl.col("key") % PACK).cast(pl.Int64).alias("order"),
        "value",
        "n",
    )


def compute(
    readings: pl.LazyFrame,
    machine_status: pl.LazyFrame,
    config: DashboardConfig,
    window: Window,
) -> Outputs:
    """Every public figure of a publication (see :class:`Outputs`)."""
    import polars as pl

    names = config.readings
    units = [config.metrics[name].data_unit for name in names]
    frame = classify(readings, config, window).collect()
    is_valid = pl.col("reason").is_null()
    valid = dedupe(frame.filter(is_valid))
    out = Outputs(rows_in_window=frame.height)
    counts = frame.filter(~is_valid)["reason"].value_counts()
    found = dict(zip(counts["reason"].to_list(), counts["count"].to_list(), strict=True))
    found["duplicate"] = int(valid["n"].sum()) - valid.height
    out.excluded = {reason: int(found.get(reason, 0)) for reason in EXCLUSION_REASONS}
    recent = pl.col("timestamp") >= window.trend_start
    recent_valid = valid.filter(recent)
    out.excluded_recent = (
        frame.filter(~is_valid & recent).height + int(recent_valid["n"].sum()) - recent_valid.height
    )

    latest = (
        valid.group_by("order")
        .agg(pl.col("timestamp").max(), pl.col("value").sort_by("timestamp").last())
        .sort("order")
    )
    out.snapshot = [(at, names[k], value, units[k]) for k, at, value in latest.iter_rows()]
    out.latest = {row[1]: row[0] for row in out.snapshot}

    in_order = pl.col("value").sort_by("timestamp")
    hourly = (
        valid.filter(
            (pl.col("timestamp") >= window.trend_start) & (pl.col("timestamp") < window.trend_end)
        )
        .group_by(pl.col("timestamp").dt.truncate("1h").alias("hour"), "order")
        .agg(
            in_order.first().alias("start"),
            in_order.last().alias("end"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
            pl.col("value").mean().alias("mean"),
        )
        .sort(["hour", "order"])
    )
    out.trends = [(hour, names[k], *rest) for hour, k, *rest in hourly.iter_rows()]
    out.gap_hours = window_hours(window) - hourly["hour"].n_unique()

    daily = (
        valid.group_by(pl.col("timestamp").dt.date().alias("date"), "order")
        .agg(
            pl.col("value").mean().alias("mean"),
            pl.col("value").min().alias("min"),
            pl.col("value").max().alias("max"),
            pl.len().alias("count"),
        )
        .sort(["date", "order"])
    )
    out.daily = [(day, names[k], *rest) for day, k, *rest in daily.iter_rows()]
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
        .unique(["timestamp", "unit_id"], keep="last")
        .sort(["unit_id", "timestamp"])
        .with_columns(
            (
                (pl.col("status") != pl.col("status").shift(1))
                | (pl.col("unit_id") != pl.col("unit_id").shift(1))
            )
            .fill_null(True)
            .cum_sum()
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
