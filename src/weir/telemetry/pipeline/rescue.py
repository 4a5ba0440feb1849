"""How many rows a chunk wrote with ``_rescued_data``: the run's ``rescued_rows``.

``status`` counts the table's rows that carry ``_rescued_data``; a run counts the rows it
wrote that carry it, so both speak of the same rows. A chunk's rows are not those rows: a
retried delivery (same ``event_id``) is flattened once per copy and only the newest is written,
and a row older than the stored one is not written at all. :meth:`weir.core.tables.Table.upsert`
says which rows it wrote, so counting them reads nothing back from the table.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from weir.telemetry.models import RESCUED


def written(rows: pa.Table, mask: pa.Array) -> int:
    """Rows of `rows` written by an upsert (`mask`) that carry ``_rescued_data``."""
    if RESCUED not in rows.column_names:
        return 0
    frame = pl.from_arrow(rows.select([RESCUED]))
    assert isinstance(frame, pl.DataFrame)
    kept = pl.Series(mask, dtype=pl.Boolean)
    return int((frame.get_column(RESCUED).is_not_null() & kept).sum())
