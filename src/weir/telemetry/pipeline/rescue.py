"""How many rows a merge wrote with ``_rescued_data``: the run's ``rescued_rows``.

``status`` counts the table's rows that carry ``_rescued_data``; a run counts the rows it
wrote that carry it, so both speak of the same rows. A chunk's rows are not those rows: a
retried delivery (same ``event_id``) is flattened once per copy and the merge keeps only the
newest, and a row older than the stored one is not written at all.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from weir.core.tables import MergeResult, Table
from weir.telemetry.models import KEY, ORDER_KEY, RESCUED

PROCESSED = "pipeline_processed_at"


def winners(data: pa.Table) -> Any:
    """Per ``event_id`` the row the merge keeps (the greatest ``_order_key``, the last of equal
    ones, as :meth:`weir.core.tables.Table.merge` does): event id, order key, rescued or not."""
    import polars as pl

    frame = pl.from_arrow(data.select([KEY, ORDER_KEY, RESCUED]))
    assert isinstance(frame, pl.DataFrame)
    return (
        frame.with_columns(pl.col(RESCUED).is_not_null().alias(RESCUED))
        .sort(ORDER_KEY, nulls_last=False, maintain_order=True)
        .unique(subset=[KEY], keep="last", maintain_order=True)
    )


def written(table: Table, kept: Any, merged: MergeResult, processed_at: int) -> int:
    """Rows among `kept` (:func:`winners`) the merge wrote that carry ``_rescued_data``.

    When the merge wrote every kept row (the usual case) that is the kept rows' count; else the
    rescued ones still stored with their order key and this run's ``pipeline_processed_at``
    (a row the merge left alone keeps the earlier run's).
    """
    import polars as pl

    rescued = kept.filter(pl.col(RESCUED))
    if merged.inserted + merged.updated == kept.height or rescued.height == 0:
        return int(rescued.height)
    stored = (
        table.scan()
        .filter(pl.col(KEY).is_in(rescued.get_column(KEY).to_list()))
        .filter(pl.col(RESCUED).is_not_null())
        .select(KEY, ORDER_KEY, pl.col(PROCESSED).dt.epoch("us").alias(PROCESSED))
        .collect()
    )
    matched = stored.join(rescued.select(KEY, ORDER_KEY), on=[KEY, ORDER_KEY])
    return int(matched.filter(pl.col(PROCESSED) == processed_at).height)
