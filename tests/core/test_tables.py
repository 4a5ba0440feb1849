"""Delta tables in the store: merge idempotency, update-when-newer, schema evolution."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pytest

from weir.core.errors import BadInputError, NotFoundError
from weir.core.storage import Store
from weir.core.tables import REPLACE_MAX, MergeResult, SchemaConflictError, Table


@pytest.fixture(params=["file", "s3"])
def table(request: pytest.FixtureRequest) -> Table:
    store = request.getfixturevalue(f"{request.param}_store")
    return Table(store, "t/readings")


def batch(ids: list[int], values: list[str], seq: list[int]) -> pa.Table:
    return pa.table(
        {"id": ids, "value": values, "seq": pa.array(seq, pa.int64())},
    )


def test_merge_same_batch_twice_changes_nothing(table: Table) -> None:
    first = table.merge(batch([1, 2, 3], ["a", "b", "c"], [1, 1, 1]), ["id"], order_by="seq")
    assert first == MergeResult(version=0, inserted=3, updated=0)
    again = table.merge(batch([1, 2, 3], ["a", "b", "c"], [1, 1, 1]), ["id"], order_by="seq")
    assert (again.inserted, again.updated) == (0, 0)
    assert table.count() == 3
    assert table.to_polars().sort("id")["value"].to_list() == ["a", "b", "c"]


def test_update_only_when_newer(table: Table) -> None:
    table.merge(batch([1, 2], ["a", "b"], [5, 5]), ["id"], order_by="seq")
    result = table.merge(batch([1, 2, 4], ["old", "new", "d"], [4, 6, 1]), ["id"], order_by="seq")
    assert (result.version, result.inserted, result.updated) == (1, 1, 1)
    rows = table.to_polars().sort("id").rows()
    assert rows == [(1, "a", 5), (2, "new", 6), (4, "d", 1)]


def test_a_newer_row_replaces_the_stored_row_whole(table: Table) -> None:
    extra = batch([1, 2], ["a", "b"], [1, 1]).append_column("note", pa.array(["x", "y"]))
    table.merge(extra, ["id"], order_by="seq")
    table.merge(batch([1], ["a2"], [2]), ["id"], order_by="seq")  # no "note" column
    rows = table.to_polars().sort("id").rows()
    assert rows == [(1, "a2", 2, None), (2, "b", 1, "y")]


def test_insert_if_absent_without_order(table: Table) -> None:
    table.merge(batch([1], ["a"], [1]), ["id"])
    result = table.merge(batch([1, 2], ["changed", "b"], [9, 1]), ["id"])
    assert (result.inserted, result.updated) == (1, 0)
    assert table.to_polars().sort("id")["value"].to_list() == ["a", "b"]


def test_duplicate_keys_in_one_batch_keep_the_newest(table: Table) -> None:
    result = table.merge(batch([1, 1, 1], ["x", "z", "y"], [1, 3, 2]), ["id"], order_by="seq")
    assert result.inserted == 1
    assert table.to_polars().rows() == [(1, "z", 3)]


def test_new_columns_merge_in(table: Table) -> None:
    table.append(batch([1], ["a"], [1]))
    evolved = pa.table(
        {
            "id": [2],
            "value": ["b"],
            "seq": pa.array([1], pa.int64()),
            "speed_kmh": [88.5],
            "seen_at": pa.array([datetime(2025, 4, 1, 12, tzinfo=UTC)], pa.timestamp("ns", "UTC")),
        }
    )
    table.merge(evolved, ["id"], order_by="seq")
    frame = table.to_polars().sort("id")
    assert frame.columns[:3] == ["id", "value", "seq"]
    assert sorted(frame.columns[3:]) == ["seen_at", "speed_kmh"]
    assert frame["speed_kmh"].to_list() == [None, 88.5]
    assert frame.schema["seen_at"] == pl.Datetime("us", "UTC")
    assert table.version() == 1


def test_type_change_is_refused_and_history_kept(table: Table) -> None:
    table.append(batch([1], ["a"], [1]))
    bad = pa.table({"id": [2], "value": [42], "seq": pa.array([1], pa.int64())})
    with pytest.raises(
        SchemaConflictError,
        match="column 'value' of table 't/readings' is string, the new data has int64",
    ):
        table.merge(bad, ["id"], order_by="seq")
    assert table.version() == 0
    assert table.to_polars().rows() == [(1, "a", 1)]


def test_all_null_column_takes_the_stored_type(table: Table) -> None:
    table.append(batch([1], ["a"], [1]))
    table.append(pa.table({"id": [2], "value": pa.nulls(1), "seq": pa.array([2], pa.int64())}))
    assert table.to_polars().sort("id")["value"].to_list() == ["a", None]
    with pytest.raises(BadInputError, match="column 'ghost' is new"):
        table.append(pa.table({"id": [3], "ghost": pa.nulls(1)}))


def test_history_app_transactions_compact_vacuum(table: Table) -> None:
    for n in range(3):
        table.append(batch([n], [str(n)], [n]), commit_metadata={"run_id": f"r{n}"})
    table.merge(batch([9], ["nine"], [1]), ["id"], app_transaction=("weir.test", 7))
    assert table.app_version("weir.test") == 7
    assert table.app_version("other") is None
    history = table.history()
    assert [h["version"] for h in history] == [3, 2, 1, 0]
    assert history[-1]["run_id"] == "r0"
    metrics = table.compact()
    assert (metrics["numFilesAdded"], metrics["numFilesRemoved"]) == (1, 4)
    assert len(table.vacuum(retention_hours=0)) == 4
    assert table.count() == 4
    assert sorted(table.to_polars()["value"].to_list()) == ["0", "1", "2", "nine"]


def test_missing_table_and_memory_store(file_store: Store) -> None:
    missing = Table(file_store, "nope")
    assert not missing.exists()
    with pytest.raises(NotFoundError, match="no Delta table at 'nope'"):
        missing.to_arrow()
    with pytest.raises(BadInputError, match="need a file:// or s3:// store"):
        Table(Store.from_url("memory://"), "t")
    with pytest.raises(BadInputError, match="lacks columns"):
        missing.merge(pa.table({"x": [1]}), ["id"])


def test_schema_and_lazy_scan(table: Table) -> None:
    table.merge(batch([1, 2, 3], ["a", "b", "c"], [1, 2, 3]), ["id"], order_by="seq")
    table.merge(batch([3], ["C"], [4]), ["id"], order_by="seq")
    assert table.schema().names == ["id", "value", "seq"]
    assert str(table.schema().field("seq").type) == "int64"
    picked = table.scan().filter(pl.col("seq") >= 2).select("id", "value").sort("id").collect()
    assert picked.rows() == [(2, "b"), (3, "C")]


def test_info_from_one_open(table: Table) -> None:
    with pytest.raises(NotFoundError):
        table.info()
    before = datetime.now(UTC)
    table.append(pa.table({"event_id": ["a", "b"], "v": [1, 2]}))
    table.append(pa.table({"event_id": ["c"], "v": [3]}))
    info = table.info()
    assert (info.version, info.rows, info.columns) == (1, 3, ["event_id", "v"])
    assert info.last_commit is not None
    assert before.replace(microsecond=0) <= info.last_commit <= datetime.now(UTC)


def test_upsert_gives_the_merge_result_and_says_what_it_wrote(
    table: Table, file_store: Store
) -> None:
    first = table.upsert(batch([1, 2, 2], ["a", "b0", "b"], [5, 4, 5]), ["id"], order_by="seq")
    assert (first.version, first.inserted, first.updated) == (0, 2, 0)
    assert first.written_rows().to_pylist() == [
        {"id": 1, "value": "a", "seq": 5},
        {"id": 2, "value": "b", "seq": 5},
    ]
    assert first.written.to_pylist() == [True, False, True]  # of two rows of id 2, the newest
    assert first.replaced.to_pylist() == [False, False, False]
    # new keys only: appended, one commit, no merge
    fresh = table.upsert(batch([3, 4], ["c", "d"], [1, 1]), ["id"], order_by="seq")
    assert (fresh.version, fresh.inserted, fresh.updated) == (1, 2, 0)
    assert table.history(1)[0]["operation"] == "WRITE"
    # stale and equal rows are not written; a newer one replaces the stored row whole
    rows = batch([1, 2, 3, 5], ["old", "same", "C", "e"], [4, 5, 2, 1])
    mixed = table.upsert(rows, ["id"], order_by="seq")
    assert (mixed.version, mixed.inserted, mixed.updated) == (3, 1, 1)
    assert mixed.written_rows().column("id").to_pylist() == [3, 5]
    assert mixed.written.to_pylist() == [False, False, True, True]
    assert mixed.replaced.to_pylist() == [False, False, True, False]
    # the new key is appended, the stored row replaced by key in a second commit
    assert [commit["operation"] for commit in table.history(2)] == ["WRITE", "WRITE"]
    # nothing to write: no commit
    again = table.upsert(batch([3, 5], ["C", "e"], [2, 1]), ["id"], order_by="seq")
    assert (again.version, again.inserted, again.updated) == (3, 0, 0)
    assert again.written_rows().num_rows == 0
    assert table.version() == 3
    assert table.to_polars().sort("id").rows() == [
        (1, "a", 5), (2, "b", 5), (3, "C", 2), (4, "d", 1), (5, "e", 1)
    ]  # fmt: skip
    reference = Table(file_store, "t/reference")
    for rows in (
        batch([1, 2, 2], ["a", "b0", "b"], [5, 4, 5]),
        batch([3, 4], ["c", "d"], [1, 1]),
        batch([1, 2, 3, 5], ["old", "same", "C", "e"], [4, 5, 2, 1]),
    ):
        reference.merge(rows, ["id"], order_by="seq")
    assert reference.to_polars().sort("id").rows() == table.to_polars().sort("id").rows()


def test_upsert_replaces_stored_rows_by_key_in_one_commit_whatever_the_key_text(
    table: Table,
) -> None:
    ids = ["a'b", "c\\d", "e\\'f", 'g"h', "plain"]
    table.upsert(
        pa.table({"id": ids, "value": ["old"] * 5, "seq": [1] * 5}), ["id"], order_by="seq"
    )
    rows = pa.table({"id": ids, "value": ["new"] * 5, "seq": [2] * 5, "extra": [1.5] * 5})
    result = table.upsert(rows, ["id"], order_by="seq")
    assert (result.version, result.inserted, result.updated) == (1, 0, 5)
    assert sorted(table.to_polars().rows()) == sorted((i, "new", 2, 1.5) for i in ids)


def test_upsert_merges_many_replacements_or_several_key_columns(
    table: Table, file_store: Store
) -> None:
    count = REPLACE_MAX + 1
    first = pa.table({"id": list(range(count)), "k": [0] * count, "seq": [1] * count})
    newer = pa.table(
        {"id": list(range(count + 1)), "k": [0] * (count + 1), "seq": [2] * (count + 1)}
    )
    table.upsert(first, ["id"], order_by="seq")
    result = table.upsert(newer, ["id"], order_by="seq")
    assert (result.version, result.inserted, result.updated) == (1, 1, count)
    assert table.history(1)[0]["operation"] == "MERGE"
    assert table.to_polars()["seq"].to_list() == [2] * (count + 1)
    pair = Table(file_store, "t/pairs")
    pair.upsert(first.slice(0, 3), ["id", "k"], order_by="seq")
    both = pair.upsert(newer.slice(0, 4), ["id", "k"], order_by="seq")
    assert (both.version, both.inserted, both.updated) == (1, 1, 3)
    assert pair.history(1)[0]["operation"] == "MERGE"
    assert sorted(pair.to_polars().rows()) == [(i, 0, 2) for i in range(4)]


def test_upsert_merges_when_the_key_cannot_be_listed(table: Table) -> None:
    stamps = pa.array([datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2)], pa.timestamp("us", "UTC"))
    table.upsert(pa.table({"at": stamps, "seq": [1, 1]}), ["at"], order_by="seq")
    result = table.upsert(pa.table({"at": stamps, "seq": [2, 1]}), ["at"], order_by="seq")
    assert (result.version, result.inserted, result.updated) == (1, 0, 1)
    assert table.history(1)[0]["operation"] == "MERGE"
    assert sorted(table.to_polars()["seq"].to_list()) == [1, 2]
