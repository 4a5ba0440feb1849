"""``vehicle_latest``: the latest known value of every column, per vehicle.

For each vehicle and each column, the value comes from the newest row (greatest ``_order_key``,
the same order rule as the flattened table) in which that column is not null, so a signal a car
reported an hour ago stays visible after newer records without it. ``source_table_version``
names the flattened table version a row was computed from.

Only vehicles a chunk touched change, and most of them incrementally: when every row the chunk
wrote for a vehicle is new (an insert, not an update) and newer than its stored latest row, the
stored row stands for the vehicle's whole history (it is the newest non-null value of every
column), so the new latest row is the latest of [stored row, the chunk's rows] — no history is
read. A vehicle whose chunk rows update stored events (an update may drop a value the latest row
shows), arrive late (older than its latest row), or were not written (already stored, e.g. a
rerun after a crash between the merge and this step) is recomputed from its rows in
``car_telemetry_flattened``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from weir.core.storage import Store
from weir.core.tables import UpsertResult
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


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _recomputed(store: Store, vehicles: list[str], table_version: int, batch: int) -> pa.Table:
    """`vehicles` recomputed from their whole history, a few at a time (bounds memory)."""
    scan = tables.flattened(store).scan()
    parts = []
    for start in range(0, len(vehicles), batch):
        rows = scan.filter(pl.col(VEHICLE).is_in(vehicles[start : start + batch])).collect()
        parts.append(compute(rows.to_arrow(), table_version))
        del rows
    return pa.concat_tables(parts, promote_options="default")


@dataclass(frozen=True)
class Update:
    """A chunk's change to ``vehicle_latest``, planned while its rows are in memory.

    Attributes:
        rows: Latest rows computed from the stored rows and the chunk alone (or None).
        recompute: Vehicles to recompute from their history in the flattened table.
    """

    rows: pa.Table | None
    recompute: list[str]


def _groups(vehicles: list[str], sizes: dict[str, int], rows: int) -> list[list[str]]:
    """`vehicles` in groups of at most `rows` rows (`sizes`) each, or of one vehicle."""
    groups: list[list[str]] = []
    size = 0
    for vehicle in vehicles:
        if groups and size + sizes[vehicle] <= rows:
            groups[-1].append(vehicle)
            size += sizes[vehicle]
        else:
            groups.append([vehicle])
            size = sizes[vehicle]
    return groups


def plan(store: Store, chunk: pa.Table, merged: UpsertResult, table_version: int) -> Update:
    """What the chunk changes in ``vehicle_latest`` (see the module docstring for the rule).

    Args:
        store: The store holding both tables.
        chunk: ``vehicle_id`` and ``event_id`` of every row the chunk flattened.
        merged: The chunk's upsert: its rows, which of them it wrote and which replaced one.
        table_version: Version of the flattened table after the chunk.

    The chunk's rows are in memory while this runs: vehicles are computed from one contiguous
    copy of them, in groups of an eighth of the rows at most, so the copies made for each group
    stay small beside the chunk.
    """
    touched = _frame(chunk.select([VEHICLE, KEY])).filter(pl.col(VEHICLE).is_not_null())
    wrote = pl.Series("_written", merged.written, dtype=pl.Boolean)
    new = (
        _frame(merged.rows.select([VEHICLE, KEY, ORDER_KEY]))
        .with_columns(wrote, pl.Series("_replaced", merged.replaced, dtype=pl.Boolean))
        .filter(pl.col("_written"))
    )
    table = tables.latest(store)
    wanted = touched.get_column(VEHICLE).unique().to_list()
    stored = (
        table.scan().filter(pl.col(VEHICLE).is_in(wanted)).collect()
        if table.exists() and wanted
        else pl.DataFrame(schema={VEHICLE: pl.String, ORDER_KEY: pl.String})
    )
    skipped = touched.join(new.select(KEY), on=KEY, how="anti").get_column(VEHICLE)
    late = (
        new.group_by(VEHICLE)
        .agg(pl.col(ORDER_KEY).min().alias("_oldest"), pl.col("_replaced").any())
        .join(stored.select(VEHICLE, ORDER_KEY), on=VEHICLE, how="left")
        .filter(pl.col("_replaced") | (pl.col("_oldest") <= pl.col(ORDER_KEY)).fill_null(False))
        .get_column(VEHICLE)
    )
    full = sorted(set(skipped.to_list()) | set(late.to_list()))
    quick = sorted(set(new.get_column(VEHICLE).drop_nulls().to_list()) - set(full))
    if not quick:
        return Update(None, full)
    # one chunk: the batch comes in one chunk per flattened batch of files, and filtering and
    # converting a group's rows from ~15 chunks cost ~2x the copy (0.6 s against 0.3 at 50k)
    frame, parts = _frame(merged.rows).rechunk(), []
    known = stored.drop(SOURCE_VERSION, strict=False)
    sizes = dict(new.group_by(VEHICLE).len().iter_rows())
    for group in _groups(quick, sizes, max(1, new.height // 8)):  # bounds the copies of rows
        some = pl.col(VEHICLE).is_in(group)
        rows = frame.filter(some & pl.lit(wrote))
        both = pl.concat([known.filter(some), rows], how="diagonal_relaxed")
        parts.append(compute(both.to_arrow(), table_version))
        del both
    return Update(pa.concat_tables(parts, promote_options="permissive"), full)


def apply(store: Store, update: Update, table_version: int, batch: int = 16) -> int:
    """Recompute what `update` names from history, merge all into ``vehicle_latest``.

    Args:
        store: The store holding both tables.
        update: From :func:`plan` (the chunk's rows need not be in memory any more).
        table_version: Version of the flattened table after the chunk.
        batch: Vehicles read from the flattened table at a time (bounds memory).

    Returns:
        The rows written.
    """
    parts = [update.rows] if update.rows is not None else []
    if update.recompute:
        parts.append(_recomputed(store, update.recompute, table_version, batch))
    if not parts:
        return 0
    # one sorted batch: the rows land in one file, in vehicle order
    latest = pa.concat_tables(parts, promote_options="permissive").sort_by(VEHICLE)
    tables.latest(store).merge(latest, [VEHICLE], order_by=SOURCE_VERSION)
    return int(latest.num_rows)
