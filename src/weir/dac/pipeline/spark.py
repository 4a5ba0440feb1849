"""The Spark engine of ``weir dac publish``: the same transformations on PySpark.

The seed runs them as a Databricks notebook; here the active session is used when there is one
(Databricks), else a local one. The same pruned list of day partitions is read; results are
collected into the engine-neutral :class:`Outputs`, so both engines render identical CSVs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from weir.core.errors import ConfigError
from weir.core.spark import session
from weir.core.storage import Store
from weir.dac.models import MACHINE_STATUS, READINGS, DashboardConfig
from weir.dac.pipeline.gold import days, partition_files
from weir.dac.pipeline.window import EXCLUSION_REASONS, Outputs, Window


def _paths(gold: Store, table: str, window: Window) -> list[str]:
    """Spark-readable URLs of the partition files the window needs."""
    found = partition_files(gold, table, days(window.first_day, window.last_day))
    if gold.scheme == "file":
        return [gold.uri(path).removeprefix("file://") for path in found]
    if gold.scheme == "s3":  # the cluster's own S3 credentials (Databricks)
        return ["s3a://" + gold.uri(path).removeprefix("s3://") for path in found]
    raise ConfigError("the spark engine reads file:// or s3:// gold stores, not memory://")


def _utc(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1e6, UTC)


def compute_spark(
    gold: Store, config: DashboardConfig, window: Window, spark: Any = None
) -> tuple[Outputs, int, int]:
    """The outputs, rows read and files read, computed on Spark."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window as W

    spark = spark or session()
    readings_paths = _paths(gold, READINGS, window)
    status_paths = _paths(gold, MACHINE_STATUS, window)
    out = Outputs()
    if not readings_paths:
        return out, 0, len(status_paths)
    raw = spark.read.parquet(*readings_paths).select("timestamp", "metric", "value", "unit")
    rows_read = raw.count()
    names = config.readings
    rules = spark.createDataFrame(
        [
            (
                name,
                k,
                config.metrics[name].data_unit,
                float(config.metrics[name].min_valid_value),
                float(config.metrics[name].max_valid_value),
            )
            for k, name in enumerate(names)
        ],
        "metric string, order int, data_unit string, lo double, hi double",
    )
    value = F.col("value")
    reason = (
        F.when(F.col("order").isNull(), "unknown_metric")
        .when(F.col("unit") != F.col("data_unit"), "unit_mismatch")
        .when(value.isNull() | F.isnan(value) | value.isin(float("inf"), float("-inf")), "nan")
        .when((value < F.col("lo")) | (value > F.col("hi")), "out_of_range")
    )
    ts = F.col("timestamp")
    framed = (
        raw.where((ts >= F.lit(window.start)) & (ts <= F.lit(window.as_of)))
        .join(F.broadcast(rules), "metric", "left")
        .withColumn("reason", reason)
    )
    rank = F.row_number().over(
        W.partitionBy("timestamp", "metric", "reason").orderBy(F.col("value").asc())
    )
    frame = framed.withColumn(
        "reason",
        F.when(F.col("reason").isNull() & (rank > 1), "duplicate").otherwise(F.col("reason")),
    ).cache()
    out.rows_in_window = frame.count()
    counts = {
        r["reason"]: r["count"]
        for r in frame.where("reason IS NOT NULL").groupBy("reason").count().collect()
    }
    out.excluded = {reason: int(counts.get(reason, 0)) for reason in EXCLUSION_REASONS}
    out.excluded_recent = frame.where(
        F.col("reason").isNotNull() & (ts >= F.lit(window.trend_start))
    ).count()
    valid = frame.where(F.col("reason").isNull())

    latest = (
        valid.groupBy("metric", "order", "data_unit")
        .agg(F.max_by("value", "timestamp").alias("value"), F.max("timestamp").alias("timestamp"))
        .orderBy("order")
        .select(F.unix_micros("timestamp").alias("us"), "metric", "value", "data_unit")
        .collect()
    )
    out.snapshot = [(_utc(r["us"]), r["metric"], r["value"], r["data_unit"]) for r in latest]
    out.latest = {metric: at for at, metric, _, _ in out.snapshot}

    hourly = (
        valid.where((ts >= F.lit(window.trend_start)) & (ts < F.lit(window.trend_end)))
        .withColumn("hour", F.date_trunc("hour", ts))
        .groupBy("hour", "order", "metric")
        .agg(
            F.min_by("value", "timestamp").alias("start"),
            F.max_by("value", "timestamp").alias("end"),
            F.min("value").alias("min"),
            F.max("value").alias("max"),
            F.avg("value").alias("mean"),
        )
        .orderBy("hour", "order")
        .select(F.unix_micros("hour").alias("us"), "metric", "start", "end", "min", "max", "mean")
        .collect()
    )
    out.trends = [
        (_utc(r["us"]), r["metric"], r["start"], r["end"], r["min"], r["max"], r["mean"])
        for r in hourly
    ]
    out.gap_hours = int((window.trend_end - window.trend_start).total_seconds() // 3600) - len(
        {r["us"] for r in hourly}
    )
    daily = (
        valid.withColumn("date", F.to_date(ts))
        .groupBy("date", "order", "metric")
        .agg(
            F.avg("value").alias("mean"),
            F.min("value").alias("min"),
            F.max("value").alias("max"),
            F.count("*").alias("count"),
        )
        .orderBy("date", "order")
        .collect()
    )
    out.daily = [
        (r["date"], r["metric"], r["mean"], r["min"], r["max"], int(r["count"])) for r in daily
    ]
    _machines(spark, status_paths, window, out)
    frame.unpersist()
    return out, int(rows_read), len(readings_paths) + len(status_paths)


def _machines(spark: Any, paths: list[str], window: Window, out: Outputs) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window as W

    if not paths:
        return
    ts = F.col("timestamp")
    by_unit = W.partitionBy("unit_id").orderBy("timestamp")
    status = (
        spark.read.parquet(*paths)
        .select("timestamp", "unit_id", "status")
        .where((ts >= F.lit(window.start)) & (ts <= F.lit(window.as_of)))
        .dropDuplicates(["timestamp", "unit_id"])
        .withColumn("changed", (F.lag("status").over(by_unit) != F.col("status")).cast("int"))
        .withColumn("run", F.sum(F.coalesce(F.col("changed"), F.lit(1))).over(by_unit))
    )
    last = status.groupBy("unit_id").agg(F.max("run").alias("run"))
    current = (
        status.join(last, ["unit_id", "run"])
        .groupBy("unit_id")
        .agg(
            F.max_by("status", "timestamp").alias("status"),
            F.unix_micros(F.min("timestamp")).alias("since"),
            F.unix_micros(F.max("timestamp")).alias("seen"),
        )
        .orderBy("unit_id")
        .collect()
    )
    if not current:
        return
    out.machines = [(r["unit_id"], r["status"], _utc(r["since"])) for r in current]
    seen = _utc(max(r["seen"] for r in current))
    running = sum(1 for r in current if r["status"] == "running")
    out.snapshot += [
        (seen, "machines_running", float(running), "count"),
        (seen, "machines_total", float(len(current)), "count"),
    ]
