"""``vehicle_latest``: the latest known value of every column, per vehicle.

For each vehicle and each column, the value comes from the newest row (greatest ``_order_key``,
the same order rule as the flattened table) in which that column is not null, so a signal a car
reported an hour ago stays visible after newer records without it. ``source_table_version``
names the flattened table version a row was computed from.

After each chunk only the vehicles it touched change, by one of two exact paths:

- incremental (the usual case: records arrive newer than what the table holds): when every
  chunk row of a vehicle is a new event and newer than the vehicle's latest ``_order_key``,
  the new latest row is the old one overlaid with the chunk's rows — the old row's values all
  come from older rows, so any non-null value in the chunk is newer;
- recompute: a vehicle with a late row, or with an event the chunk replaced (its old version's
  values may be in the latest row), is recomputed from its rows in ``car_telemetry_flattened``.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl
import pyarrow as pa

from weir.core.storage import Store
from weir.core.tables import Table
from weir.telemetry.models import KEY, ORDER_KEY
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


def refresh(
    store: Store,
    data: pa.Table,
    existing: Collection[str],
    table_version: int,
    batch: int = 16,
) -> int:
    """Bring the vehicles of a merged chunk up to date; returns rows written.

    Args:
        store: The store holding both tables.
        data: The chunk's flattened rows, as merged (several versions of an event allowed).
        existing: Event ids of the chunk that the table held before the merge.
        table_version: Version of the flattened table after the merge.
        batch: Vehicles read from the flattened table at a time when recomputing.
    """
    frame = pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    frame = (
        frame.filter(pl.col(VEHICLE).is_not_null())
        .sort(ORDER_KEY, maintain_order=True)
        .unique(subset=KEY, keep="last", maintain_order=True)
    )
    vehicles = sorted(set(frame.get_column(VEHICLE).to_list()))
    if not vehicles:
        return 0
    target = tables.latest(store)
    known = pl.DataFrame(schema={VEHICLE: pl.String, "_known": pl.String})
    if target.exists():
        known = (
            target.scan()
            .filter(pl.col(VEHICLE).is_in(vehicles))
            .select(VEHICLE, pl.col(ORDER_KEY).alias("_known"))
            .collect()
        )
    oldest = frame.group_by(VEHICLE).agg(
        pl.col(ORDER_KEY).min().alias("_first"),
        pl.col(KEY).is_in(list(existing)).any().alias("_old"),
    )
    checks = oldest.join(known, on=VEHICLE, how="left")
    simple = checks.filter(
        ~pl.col("_old") & (pl.col("_known").is_null() | (pl.col("_first") > pl.col("_known")))
    ).get_column(VEHICLE)
    parts = []
    if len(simple):
        chunk = frame.filter(pl.col(VEHICLE).is_in(simple.to_list()))
        parts.append(_overlay(target, chunk, table_version))
    redo = sorted(set(vehicles) - set(simple.to_list()))
    source = tables.flattened(store).scan()
    # a few vehicles at a time: memory follows their history, not the whole table's
    for start in range(0, len(redo), batch):
        rows = source.filter(pl.col(VEHICLE).is_in(redo[start : start + batch])).collect()
        parts.append(compute(rows.to_arrow(), table_version))
        del rows
    latest = pa.concat_tables(parts, promote_options="default")
    target.merge(latest, [VEHICLE], order_by=SOURCE_VERSION)
    return int(latest.num_rows)


def _overlay(target: Table, rows: pl.DataFrame, table_version: int) -> pa.Table:
    """The latest rows of `rows`' vehicles: their stored latest rows overlaid with `rows`."""
    vehicles = rows.get_column(VEHICLE).unique().to_list()
    frames = [rows.to_arrow()]
    if target.exists():
        stored = target.scan().filter(pl.col(VEHICLE).is_in(vehicles)).drop(SOURCE_VERSION)
        frames.insert(0, stored.collect().to_arrow())
    both = pa.concat_tables(frames, promote_options="permissive")
    return compute(both, table_version)
