"""How many rows a chunk wrote with ``_rescued_data``: the run's ``rescued_rows``.

``status`` counts the table's rows that carry ``_rescued_data``; a run counts the rows it
wrote that carry it, so both speak of the same rows. A chunk's rows are not those rows: a
retried delivery (same ``event_id``) is flattened once per copy and only the newest is written,
and a row older than the stored one is not written at all. :meth:`weir.core.tables.Table.upsert`
says which rows it wrote, so counting them reads nothing back from the table.
"""

from __future__ import annotations

import pyarrow as pa

from weir.telemetry.models import RESCUED


def written(rows: pa.Table) -> int:
    """Rows among `rows` (the rows an upsert wrote) that carry ``_rescued_data``."""
    if RESCUED not in rows.column_names:
        return 0
    column = rows.column(RESCUED)
    return int(len(column) - column.null_count)
