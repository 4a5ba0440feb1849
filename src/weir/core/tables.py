"""Delta tables in the store, through deltalake (delta-rs).

One helper, :class:`Table`, does what the systems need: create-or-append, merge on key columns
(insert-if-absent, update-when-newer), additive schema evolution, reads to Arrow and Polars,
version and history, compaction and vacuum. A column whose type would change is refused with
:class:`SchemaConflictError`: history is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from weir.core.errors import BadInputError, ConflictError, NotFoundError

if TYPE_CHECKING:
    import polars as pl

    from weir.core.storage import Store


REPLACE_MAX = 1000
"""At most this many stored rows are replaced by key in one commit (:meth:`Table.upsert`):
the keys go in the commit's predicate as a list (delta-rs crashed on ~50,000)."""


class SchemaConflictError(ConflictError):
    """An incoming column has a different type than the same column in the table."""

    code = "schema_conflict"


@dataclass(frozen=True)
class TableInfo:
    """What :meth:`Table.info` reports, from one open of the Delta log."""

    version: int
    last_commit: datetime | None
    rows: int
    columns: list[str]


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the new table version and the rows inserted and updated."""

    version: int
    inserted: int
    updated: int


@dataclass(frozen=True)
class UpsertResult(MergeResult):
    """What :meth:`Table.upsert` did, and which of the incoming rows it wrote.

    Attributes:
        rows: The incoming rows, as given (a key may come more than once).
        written: Per row of `rows`, whether it was inserted or updated (of rows sharing a key,
            only the one :meth:`Table.merge` would keep can be).
        replaced: Per row of `rows`, whether it replaced a stored row (an update).
        version: The table version after the upsert (unchanged when nothing was written).
    """

    rows: pa.Table
    written: pa.Array
    replaced: pa.Array

    def written_rows(self) -> pa.Table:
        """The rows inserted or updated (a copy unless every row was written)."""
        return (
            self.rows
            if self.written.true_count == len(self.rows)
            else self.rows.filter(self.written)
        )


def _normalize(dtype: pa.DataType) -> pa.DataType:
    """The type Delta stores for `dtype` (string views and large strings are strings ...)."""
    if pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return pa.string()
    if pa.types.is_large_binary(dtype) or pa.types.is_binary_view(dtype):
        return pa.binary()
    if pa.types.is_timestamp(dtype):
        return pa.timestamp("us", tz="UTC" if dtype.tz else None)
    if pa.types.is_large_list(dtype) or pa.types.is_list_view(dtype):
        return pa.list_(_normalize(dtype.value_type))
    return dtype


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


class Table:
    """A Delta table at `path` inside `store`.

    Args:
        store: The store holding the table (``file://`` or ``s3://``).
        path: The table's folder, relative to the store root.
    """

    def __init__(self, store: Store, path: str) -> None:
        if store.scheme == "memory":
            raise BadInputError("Delta tables need a file:// or s3:// store, not memory://")
        self.store = store
        self.path = path.strip("/")
        self.uri = store.uri(self.path)
        self._options = store.storage_options()

    def exists(self) -> bool:
        """Whether a Delta table has been created at this path."""
        return DeltaTable.is_deltatable(self.uri, storage_options=self._options)

    def _open(self) -> DeltaTable:
        if not self.exists():
            raise NotFoundError(f"no Delta table at {self.path!r}")
        return DeltaTable(self.uri, storage_options=self._options)

    def _conform(self, data: pa.Table, table: DeltaTable | None) -> pa.Table:
        """Cast `data` to the table's stored types, refusing any type change."""
        existing: dict[str, pa.DataType] = {}
        if table is not None:
            schema = pa.schema(table.schema().to_arrow())
            existing = {field.name: _normalize(field.type) for field in schema}
        fields = []
        for field in data.schema:
            if field.name in existing:
                target = existing[field.name]
                if not pa.types.is_null(field.type) and _normalize(field.type) != target:
                    raise SchemaConflictError(
                        f"column {field.name!r} of table {self.path!r} is {target}, "
                        f"the new data has {field.type}; a type change is refused"
                    )
            elif pa.types.is_null(field.type):
                raise BadInputError(
                    f"column {field.name!r} is new to table {self.path!r} and has only nulls, "
                    "so it has no type; give it one"
                )
            else:
                target = _normalize(field.type)
            fields.append(pa.field(field.name, target))
        return data.cast(pa.schema(fields))

    def _whole(self, data: pa.Table, table: DeltaTable) -> pa.Table:
        """`data` conformed to `table`, with the stored columns it lacks as nulls.

        A newer row replaces the stored row whole: columns it lacks become null, not stale.
        """
        source = self._conform(data, table)
        for field in pa.schema(table.schema().to_arrow()):
            if field.name not in source.column_names:
                source = source.append_column(field, pa.nulls(source.num_rows, field.type))
        return source

    @staticmethod
    def _commit(metadata: dict[str, str] | None, app: tuple[str, int] | None) -> CommitProperties:
        transactions = [Transaction(app_id=app[0], version=app[1])] if app else None
        return CommitProperties(custom_metadata=metadata, app_transactions=transactions)

    def append(
        self,
        data: pa.Table,
        *,
        commit_metadata: dict[str, str] | None = None,
        app_transaction: tuple[str, int] | None = None,
    ) -> int:
        """Create the table or append to it; new columns merge into the schema.

        Returns:
            The new table version.
        """
        current = self._open() if self.exists() else None
        write_deltalake(
            self.uri,
            self._conform(data, current),
            mode="append",
            schema_mode="merge",
            storage_options=self._options,
            commit_properties=self._commit(commit_metadata, app_transaction),
        )
        return self.version()

    def merge(
        self,
        data: pa.Table,
        keys: list[str],
        *,
        order_by: str | None = None,
        commit_metadata: dict[str, str] | None = None,
        app_transaction: tuple[str, int] | None = None,
    ) -> MergeResult:
        """Upsert `data` by `keys` in one commit.

        Rows whose keys are absent are inserted. With `order_by`, a row whose keys exist replaces
        the stored row only when its `order_by` value is greater (newer); without it, existing
        rows are left alone (insert-if-absent). Within `data`, one row per key survives: the one
        with the greatest `order_by` (the last one without). Merging the same batch twice
        changes nothing the second time.

        Args:
            data: The rows to merge.
            keys: Key columns.
            order_by: Column deciding which of two rows with the same keys is newer.
            commit_metadata: Custom metadata stored with the commit.
            app_transaction: ``(app_id, version)`` recorded atomically with the commit
                (read it back with :meth:`app_version`) for exactly-once pipelines.
        """
        missing = [
            key
            for key in [*keys, *([order_by] if order_by else [])]
            if key not in data.column_names
        ]
        if missing:
            raise BadInputError(f"merge into {self.path!r}: data lacks columns {missing}")
        data = _latest_per_key(data, keys, order_by)
        if not self.exists():
            version = self.append(
                data, commit_metadata=commit_metadata, app_transaction=app_transaction
            )
            return MergeResult(version, data.num_rows, 0)
        table = self._open()
        source = self._whole(data, table)
        predicate = " AND ".join(f"t.{_quote(key)} = s.{_quote(key)}" for key in keys)
        merger = table.merge(
            source,
            predicate,
            source_alias="s",
            target_alias="t",
            merge_schema=True,
            commit_properties=self._commit(commit_metadata, app_transaction),
        )
        if order_by:
            merger = merger.when_matched_update_all(
                predicate=f"s.{_quote(order_by)} > t.{_quote(order_by)}"
            )
        metrics = merger.when_not_matched_insert_all().execute()
        return MergeResult(
            table.version(),
            int(metrics.get("num_target_rows_inserted", 0)),
            int(metrics.get("num_target_rows_updated", 0)),
        )

    def upsert(
        self,
        data: pa.Table,
        keys: list[str],
        *,
        order_by: str,
        commit_metadata: dict[str, str] | None = None,
    ) -> UpsertResult:
        """:meth:`merge` with `order_by`, deciding from the stored keys first.

        Only the key and `order_by` columns of the stored rows whose keys come in are read.
        Of incoming rows sharing a key, only the newest can be written (as in :meth:`merge`; the
        others are not copied). Rows whose keys are absent are inserted; a row whose keys exist
        replaces the stored row when its `order_by` value is greater; other rows are not
        written. The resulting table is the one :meth:`merge` gives, in one or two commits:

        - only new keys: one append (the stored rows are not read);
        - rows replacing stored ones, on one key column: the new keys are appended, then the
          stored rows are deleted and the newer ones written in one commit (a replace by
          key; delta-rs's merge joins every stored row with the batch and costs ~2× more);
          more than :data:`REPLACE_MAX` such rows, or several key columns: one merge;
        - nothing to write: no commit.

        A crash between the two commits leaves the new keys stored; upserting the same rows
        again writes only the replacements. One writer at a time: a row another writer inserts
        between the lookup and the commit is not seen.

        Args:
            data: The rows to upsert.
            keys: Key columns.
            order_by: Column deciding which of two rows with the same keys is newer.
            commit_metadata: Custom metadata stored with the commit(s).
        """
        import polars as pl

        missing = [key for key in [*keys, order_by] if key not in data.column_names]
        if missing:
            raise BadInputError(f"upsert into {self.path!r}: data lacks columns {missing}")
        newest = pl.Series(_newest_per_key(data, keys, order_by), dtype=pl.Boolean)
        if not self.exists():
            fresh = data if newest.all() else data.filter(newest.to_arrow())
            version = self.append(fresh, commit_metadata=commit_metadata)
            none = pl.repeat(False, len(newest), dtype=pl.Boolean, eager=True)
            return UpsertResult(
                version, fresh.num_rows, 0, data, newest.to_arrow(), none.to_arrow()
            )
        incoming = pl.from_arrow(data.select([*keys, order_by]))
        assert isinstance(incoming, pl.DataFrame)
        stored_order, exists = "_stored_order", "_exists"
        stored = (
            self.scan()
            .select([*keys, pl.col(order_by).alias(stored_order)])
            .join(incoming.lazy().select(keys).unique(), on=keys, how="semi")
            .group_by(keys)  # one row per key (a table written only by merges has no other)
            .agg(pl.col(stored_order).max(), pl.lit(True).alias(exists))
            .collect()
        )
        decided = incoming.join(stored, on=keys, how="left", maintain_order="left").select(
            pl.col(exists).fill_null(False).alias(exists),
            (pl.col(order_by) > pl.col(stored_order)).fill_null(False).alias("_newer"),
        )
        new = newest & ~decided.get_column(exists)
        newer = newest & decided.get_column("_newer")
        write = new | newer
        written, replaced = write.to_arrow(), newer.to_arrow()
        if not write.any():
            return UpsertResult(self.version(), 0, 0, data, written, replaced)
        inserted, updated = int(new.sum()), int(newer.sum())
        if not updated:  # only new keys: appended, the stored rows are not read
            fresh = data if write.all() else data.filter(written)
            version = self.append(fresh, commit_metadata=commit_metadata)
            return UpsertResult(version, inserted, 0, data, written, replaced)
        if len(keys) == 1 and updated <= REPLACE_MAX and _listable(data.schema.field(keys[0]).type):
            if inserted:
                self.append(data.filter(new.to_arrow()), commit_metadata=commit_metadata)
            version = self._replace(data.filter(replaced), keys[0], commit_metadata)
            return UpsertResult(version, inserted, updated, data, written, replaced)
        # the merge leaves alone the rows not written (no copy of the batch without them)
        merged = self.merge(data, keys, order_by=order_by, commit_metadata=commit_metadata)
        return UpsertResult(
            merged.version, merged.inserted, merged.updated, data, written, replaced
        )

    def _replace(self, rows: pa.Table, key: str, commit_metadata: dict[str, str] | None) -> int:
        """Delete the stored rows whose `key` one of `rows` has, write `rows`: one commit.

        Returns:
            The new table version.
        """
        table = self._open()
        values = ", ".join(_literal(value) for value in rows.column(key).to_pylist())
        write_deltalake(
            self.uri,
            self._whole(rows, table),
            mode="overwrite",
            predicate=f"{_quote(key)} IN ({values})",
            schema_mode="merge",
            storage_options=self._options,
            commit_properties=self._commit(commit_metadata, None),
        )
        return self.version()

    def app_version(self, app_id: str) -> int | None:
        """The last transaction version committed by `app_id`, or None."""
        return self._open().transaction_version(app_id) if self.exists() else None

    def to_arrow(self, columns: list[str] | None = None) -> pa.Table:
        """The current table contents as Arrow."""
        return self._open().to_pyarrow_table(columns=columns)

    def dataset(self) -> pa.dataset.Dataset:
        """The current version as a lazy Arrow dataset (scanned as read; for DuckDB, Arrow)."""
        return self._open().to_pyarrow_dataset()

    def schema(self) -> pa.Schema:
        """The table's current Arrow schema."""
        return pa.schema(self._open().schema().to_arrow())

    def scan(self) -> pl.LazyFrame:
        """A lazy Polars scan of the current version (filters and projections push down)."""
        import polars as pl

        self._open()
        return pl.scan_delta(self.uri, storage_options=self._options or None)

    def to_polars(self, columns: list[str] | None = None) -> pl.DataFrame:
        """The current table contents as a Polars DataFrame."""
        import polars as pl

        frame = pl.from_arrow(self.to_arrow(columns))
        assert isinstance(frame, pl.DataFrame)
        return frame

    def version(self) -> int:
        """The current table version (0 after creation)."""
        return self._open().version()

    def info(self) -> TableInfo:
        """Version, last commit time, rows and columns, from one open of the Delta log.

        Raises:
            NotFoundError: there is no table at this path.
        """
        table = self._open()
        last = table.history(1)
        stamp = last[0].get("timestamp") if last else None
        return TableInfo(
            version=table.version(),
            last_commit=datetime.fromtimestamp(stamp / 1000, UTC) if stamp else None,
            rows=table.count(),
            columns=[field.name for field in table.schema().fields],
        )

    def count(self) -> int:
        """Number of rows in the current version."""
        return self._open().count()

    def history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Commits, newest first (version, timestamp, operation, metrics, custom metadata)."""
        return self._open().history(limit)

    def compact(self) -> dict[str, Any]:
        """Rewrite small files into larger ones; returns delta-rs's metrics."""
        return dict(self._open().optimize.compact())

    def vacuum(self, retention_hours: int = 168) -> list[str]:
        """Delete files no longer referenced and older than `retention_hours`."""
        return list(
            self._open().vacuum(
                retention_hours=retention_hours, enforce_retention_duration=False, dry_run=False
            )
        )


def _listable(dtype: pa.DataType) -> bool:
    """Whether keys of `dtype` can be listed in a predicate by :func:`_literal` (text, integers)."""
    return bool(
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or pa.types.is_string_view(dtype)
        or pa.types.is_integer(dtype)
    )


def _literal(value: object) -> str:
    """A text or integer key as a SQL literal of a delta-rs predicate (quotes doubled)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    assert isinstance(value, int), value  # _listable admits no other type
    return str(value)


def _newest_per_key(data: pa.Table, keys: list[str], order_by: str | None) -> pa.Array:
    """Per row of `data`, whether it is its key's row: the greatest `order_by` (the last of
    equals), or the last occurrence without it. Only the key and order columns are read."""
    import polars as pl

    index = pl.from_arrow(data.select([*keys, *([order_by] if order_by else [])]))
    assert isinstance(index, pl.DataFrame)
    if index.height == index.select(keys).unique().height:
        return pl.repeat(True, index.height, dtype=pl.Boolean, eager=True).to_arrow()
    index = index.with_row_index("_row")
    if order_by:
        index = index.sort(order_by, nulls_last=False, maintain_order=True)
    keep = index.unique(subset=keys, keep="last", maintain_order=True).get_column("_row")
    newest = pl.repeat(False, index.height, dtype=pl.Boolean, eager=True).scatter(keep, True)
    return newest.to_arrow()


def _latest_per_key(data: pa.Table, keys: list[str], order_by: str | None) -> pa.Table:
    """One row per key (:func:`_newest_per_key`), in their original order."""
    newest = _newest_per_key(data, keys, order_by)
    return data if newest.true_count == len(data) else data.filter(newest)
