"""The durable file ledger: which landed files went into which Delta version.

The ledger is a small Delta table beside the flattened table (``telemetry/tables/_file_ledger``)
with one row per processed file: path, size, modified, processed_at, table_version, run_id. It
is appended once per chunk, after the chunk's merge commit and before its files are archived, so
a file in the ledger is in the table. Processed files leave ``telemetry/raw`` when archived, so
discovery lists only new (or not yet archived) files; the ledger lookup reads only the
rows of those paths (a filtered scan).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import pyarrow as pa

from weir.core.storage import ObjectMeta, Store
from weir.telemetry.models import TIMESTAMP
from weir.telemetry.pipeline import tables

COMPACT_EVERY = 50
SCHEMA = pa.schema(
    [
        pa.field("path", pa.string()),
        pa.field("size", pa.int64()),
        pa.field("modified", TIMESTAMP),
        pa.field("processed_at", TIMESTAMP),
        pa.field("table_version", pa.int64()),
        pa.field("run_id", pa.string()),
    ]
)


def processed(store: Store, candidates: Iterable[ObjectMeta]) -> set[str]:
    """Paths among `candidates` whose (path, size) the ledger already holds."""
    wanted = {(meta.path, meta.size) for meta in candidates}
    table = tables.ledger(store)
    if not wanted or not table.exists():
        return set()
    import polars as pl

    seen = (
        table.scan()
        .filter(pl.col("path").is_in([path for path, _ in wanted]))
        .select("path", "size")
        .collect()
    )
    return {path for path, size in seen.iter_rows() if (path, size) in wanted}


def record(
    store: Store, files: Sequence[ObjectMeta], *, table_version: int | None, run_id: str
) -> int:
    """Append the chunk's files to the ledger in one commit; returns the ledger version."""
    import polars as pl

    now = datetime.now(UTC)
    frame = pl.DataFrame(
        {
            "path": [meta.path for meta in files],
            "size": [meta.size for meta in files],
            "modified": [meta.modified for meta in files],
            "processed_at": [now] * len(files),
            "table_version": pl.Series([table_version] * len(files), dtype=pl.Int64),
            "run_id": [run_id] * len(files),
        }
    )
    data = frame.to_arrow().cast(SCHEMA)
    table = tables.ledger(store)
    version = table.append(data, commit_metadata={"weir.run_id": run_id})
    if version and version % COMPACT_EVERY == 0:
        table.compact()
    return version


def count(store: Store) -> int:
    """Number of files the ledger holds."""
    table = tables.ledger(store)
    return table.count() if table.exists() else 0
