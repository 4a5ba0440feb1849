"""Column typing: flattened rows → Arrow tables with one stable kind per column.

:func:`build_table` types one file's rows; :func:`unify` joins the files of a run so that the
result equals a one-pass flattening whatever the engine (see :mod:`.flatten` for the rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from weir.telemetry.models import (
    ARROW_TYPES,
    FIXED_COLUMNS,
    PY_TYPES,
    RESCUED,
    Kind,
    is_timestamp_column,
    kind_of_type,
)

if TYPE_CHECKING:
    from weir.telemetry.pipeline.flatten import FileResult


class _Never:
    """A type no value has."""


_FORBIDDEN = frozenset(" ,;{}()\n\t=")


def name_problem(column: str, known: Mapping[str, str]) -> str | None:
    """Why `column` cannot become a new column of the table, or None when it can.

    Args:
        column: The new column's name.
        known: Lower-cased name → name of the columns the table (or run) already has.
    """
    if not _FORBIDDEN.isdisjoint(column):
        return "column name holds a character Delta forbids in names ( ,;{}()=, tab, newline)"
    other = known.get(column.lower())
    if other is not None and other != column:
        return f"column name clashes with {other} (Delta column names are case-insensitive)"
    return None


def _lowered(names: Iterable[str]) -> dict[str, str]:
    return {name.lower(): name for name in names}


def column_kind(column: str, value: Any) -> Kind:
    """The kind a new column gets from its first value."""
    fixed = FIXED_COLUMNS.get(column)
    if fixed is not None:
        return fixed
    if is_timestamp_column(column):
        return "timestamp"
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is float:
        return "float64"
    if kind is int:
        return "int64"
    return "string"


_POLARS_TYPES: dict[Kind, str] = {
    "bool": "Boolean",
    "int64": "Int64",
    "float64": "Float64",
    "string": "String",
    "timestamp": "Int64",
}


def _arrow(values: list[Any], kind: Kind) -> pa.Array:
    """A Python list of one kind → an Arrow array of that kind.

    Built through polars: as fast as ``pa.array`` and, unlike it, it does not import pandas
    (a second per worker process) when pandas happens to be installed.
    """
    import polars as pl

    series = pl.Series(values, dtype=getattr(pl, _POLARS_TYPES[kind]), strict=True)
    return series.to_arrow().cast(ARROW_TYPES[kind])


def _column_order(names: Iterable[str]) -> list[str]:
    fixed = [name for name in FIXED_COLUMNS if name in names]
    return fixed + sorted(set(names) - FIXED_COLUMNS.keys())


def build_table(rows: Sequence[dict[str, Any]], established: Mapping[str, Kind]) -> pa.Table:
    """Rows → Arrow; a value of the wrong kind for its column moves to ``_rescued_data``.

    Args:
        rows: Rows from :func:`flatten_record`, in file order.
        established: Kinds of the columns the table already has.
    """
    count = len(rows)
    kinds: dict[str, Kind] = {}
    columns: dict[str, list[Any]] = {}
    slots: dict[str, tuple[list[Any], type]] = {RESCUED: ([], _Never)}  # rescued: see below
    known = _lowered([*FIXED_COLUMNS, *established])
    refused: dict[str, str] = {}  # new column → why it cannot be one; its values are rescued
    for index, values in enumerate(rows):
        conflicts: dict[str, Any] | None = None
        for column, value in values.items():
            slot = slots.get(column)
            if slot is None:
                problem = None if column in established else name_problem(column, known)
                if problem is None:
                    known[column.lower()] = column
                    kind = kinds[column] = established.get(column) or column_kind(column, value)
                    slot = (columns.setdefault(column, [None] * count), PY_TYPES[kind])
                else:
                    refused[column] = problem
                    slot = ([], _Never)
                slots[column] = slot
            if type(value) is slot[1]:
                slot[0][index] = value
                continue
            if column != RESCUED:
                if conflicts is None:
                    conflicts = {}
                reason = refused.get(column)
                if reason is None:
                    reason = f"{type(value).__name__} conflicts with {kinds[column]} column"
                conflicts[column] = {"raw": value, "reason": reason}
        rescued = values.get(RESCUED)
        if conflicts:
            rescued = {**(rescued or {}), **conflicts}
        if rescued:
            columns.setdefault(RESCUED, [None] * count)[index] = orjson.dumps(
                rescued, option=orjson.OPT_SORT_KEYS
            ).decode()
    for name, kind in FIXED_COLUMNS.items():
        kinds[name] = kind
        columns.setdefault(name, [None] * count)
    arrays = {name: _arrow(columns[name], kinds[name]) for name in _column_order(columns)}
    return pa.table(arrays)


def count_rescued(table: pa.Table) -> int:
    """Rows of `table` with rescued data."""
    if RESCUED not in table.column_names:
        return 0
    return int(len(table) - table.column(RESCUED).null_count)


def unify(results: Sequence[FileResult], established: Mapping[str, Kind]) -> pa.Table:
    """Concatenate per-file tables (in path order) into one table with one kind per column.

    A new column's kind is the kind of its first value in (file, line) order. A later file
    whose own first value had another kind is reconciled so that the result is the same as
    flattening all files in one pass: its values of the wrong kind move to ``_rescued_data``
    and the values it had rescued as conflicts, now of the right kind, come back.
    """
    kinds: dict[str, pa.DataType] = {name: ARROW_TYPES[kind] for name, kind in established.items()}
    known = _lowered([*FIXED_COLUMNS, *established])
    tables = []
    for result in results:
        table = result.table
        if table.num_rows == 0:
            continue
        refused: dict[str, str] = {}
        for name in table.column_names:
            if name not in kinds:
                problem = name_problem(name, known)
                if problem is not None:
                    refused[name] = problem
                    continue
                known[name.lower()] = name
                kinds[name] = table.schema.field(name).type
        wrong = {
            n: kinds[n]
            for n in table.column_names
            if n not in refused and table.schema.field(n).type != kinds[n]
        }
        if wrong or refused:
            table = _reconcile(table, wrong, refused)
            result.rescued_rows = count_rescued(table)
        tables.append(table)
    if not tables:
        return pa.table({})
    merged = pa.concat_tables(tables, promote_options="default")
    return merged.select(_column_order(merged.column_names))


def _reconcile(
    table: pa.Table, wanted: Mapping[str, pa.DataType], refused: Mapping[str, str]
) -> pa.Table:
    """Rebuild columns of a per-file table with the run's kinds (see :func:`unify`).

    Columns in `refused` (name → reason) leave the table; their values are rescued.
    """
    count = table.num_rows
    rescued = table.column(RESCUED).to_pylist() if RESCUED in table.column_names else [None] * count
    entries = [orjson.loads(text) if text else {} for text in rescued]
    for name, reason in refused.items():
        for index, value in enumerate(table.column(name).to_pylist()):
            if value is not None:
                entries[index][name] = {"raw": value, "reason": reason}
        table = table.drop_columns([name])
    for name, dtype in wanted.items():
        kind = kind_of_type(dtype)
        expected = PY_TYPES[kind]
        values: list[Any] = [None] * count
        for index, value in enumerate(table.column(name).to_pylist()):
            entry = entries[index]
            if value is not None:
                reason = f"{type(value).__name__} conflicts with {kind} column"
                entry[name] = {"raw": value, "reason": reason}
                continue
            held = entry.get(name)
            if held and "conflicts with" in held["reason"] and type(held["raw"]) is expected:
                values[index] = held["raw"]
                del entry[name]
        table = table.set_column(table.column_names.index(name), name, _arrow(values, kind))
    column = _arrow(
        [orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode() if e else None for e in entries],
        "string",
    )
    return table.set_column(table.column_names.index(RESCUED), RESCUED, column)
