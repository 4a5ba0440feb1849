"""Reading the gold layer: only the day partitions a publication needs.

The partitions are named ``date=YYYY-MM-DD``; the reader lists exactly the days of the window
(partition pruning by construction: a year of history is never listed or read to publish 30 days)
and scans their files lazily with polars.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from weir.core.storage import Store
from weir.dac.models import MACHINE_STATUS, READINGS

if TYPE_CHECKING:
    import polars as pl


@dataclass
class GoldFrames:
    """What was read: lazy frames of readings and machine status, and what it cost."""

    readings: pl.LazyFrame
    machine_status: pl.LazyFrame
    files_read: int
    partitions: list[str]


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, inclusive."""
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def partition_files(store: Store, table: str, wanted: list[date]) -> list[str]:
    """The Parquet files of `table` in the partitions of the `wanted` days, in path order."""
    found = []
    for day in wanted:
        found += [
            meta.path
            for meta in store.list(f"{table}/date={day.isoformat()}")
            if meta.path.endswith(".parquet")
        ]
    return found


def _scan(store: Store, paths: list[str], schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    import polars as pl

    if not paths:
        return pl.LazyFrame(schema=schema)
    frames = [pl.scan_parquet(io.BytesIO(store.get(path))).select(list(schema)) for path in paths]
    return pl.concat(frames, how="vertical_relaxed")


def read_gold(store: Store, first: date, last: date) -> GoldFrames:
    """Lazy frames over the partitions of the days `first` … `last` of both gold tables."""
    import polars as pl

    wanted = days(first, last)
    stamp = pl.Datetime("us", "UTC")
    readings = partition_files(store, READINGS, wanted)
    status = partition_files(store, MACHINE_STATUS, wanted)
    return GoldFrames(
        readings=_scan(
            store,
            readings,
            {"timestamp": stamp, "metric": pl.String(), "value": pl.Float64(), "unit": pl.String()},
        ).with_columns(pl.col("timestamp").dt.cast_time_unit("us").dt.convert_time_zone("UTC")),
        machine_status=_scan(
            store, status, {"timestamp": stamp, "unit_id": pl.String(), "status": pl.String()}
        ).with_columns(pl.col("timestamp").dt.cast_time_unit("us").dt.convert_time_zone("UTC")),
        files_read=len(readings) + len(status),
        partitions=sorted({path.rsplit("/", 1)[0] for path in readings + status}),
    )
