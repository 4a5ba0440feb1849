"""``vehicle_latest``: the latest known value of every column, per vehicle.

For each vehicle and each column, the value comes from the newest row (greatest ``_order_key``,
the same order rule as the flattened table) in which that column is not null, so a signal a car
reported an hour ago stays visible after newer records without it. Only vehicles touched by a
chunk are recomputed, from their rows in ``car_telemetry_flattened``; ``source_table_version``
names the flattened table version they were computed from.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa

from weir.core.storage import Store
from weir.telemetry.models import ORDER_KEY
from weir.telemetry.pipeline import tables

VEHICLE = "vehicle_id"
SOURCE_VERSION = "source_table_version"


def compute(rows: pa.Table, table_version: int) -> pa.Table:
    """Latest non-null value of every column per vehicle, from flattened rows."""
    frame = pl.from_arrow(rows)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.filter(pl.col(VEHICLE).is_not_null()).sort(ORDER_KEY, maintain_order=True)
    others = [name for name in frame.columns if name != VEHICLE]
    latest = (
        frame.group_by(VEHICLE, maintain_order=True)
        .agg([pl.col(name).drop_nulls().last() for name in others])
        .sort(VEHICLE)
        .with_columns(pl.lit(table_version, pl.Int64).alias(SOURCE_VERSION))
    )
    return latest.to_arrow().cast(
        pa.schema(
            [rows.schema.field(VEHICLE)]
            + [rows.schema.field(name) for name in others]
            + [pa.field(SOURCE_VERSION, pa.int64())]
        )
    )


def refresh(store: Store, vehicles: Iterable[str], table_version: int, batch: int = 16) -> int:
    """Recompute `vehicles` from the flattened table and merge them; returns rows written.

    Args:
        store: The store holding both tables.
        vehicles: Vehicles whose rows changed.
        table_version: Version of the flattened table the rows come from.
        batch: Vehicles read from the flattened table at a time (bounds memory).
    """
    wanted = sorted({vehicle for vehicle in vehicles if vehicle})
    source = tables.flattened(store)
    scan = source.scan()
    parts = []
    # a few vehicles at a time: memory follows their history, not the whole table's
    for start in range(0, len(wanted), batch):
        rows = scan.filter(pl.col(VEHICLE).is_in(wanted[start : start + batch])).collect()
        parts.append(compute(rows.to_arrow(), table_version))
        del rows
    if not parts:
        return 0
    latest = pa.concat_tables(parts, promote_options="default")
    tables.latest(store).merge(latest, [VEHICLE], order_by=SOURCE_VERSION)
    return int(latest.num_rows)
