"""Column typing: flattened rows → Arrow tables with one stable kind per column.

:class:`Columns` types one batch's rows; :func:`unify` joins the batches of a run so that the
result equals a one-pass flattening whatever the engine (see :mod:`.flatten` for the rules).
Values that do not fit travel as :class:`~.rescues.Rescue` records next to the table
(:attr:`FileResult.rescues`), so that unifying decides on their cause, not on their text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from weir.telemetry.models import (
    FIXED_COLUMNS,
    KINDS,
    RESCUED,
    Kind,
    is_timestamp_column,
    kind_of_type,
)
from weir.telemetry.pipeline.rescues import RETURNABLE, Cause, Rescue, RowRescues, conflict, to_text


class _Never:
    """A type no value has (the kind of a refused name)."""


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


def _arrow(values: list[Any], kind: Kind) -> pa.Array:
    """A Python list of one kind → an Arrow array of that kind.

    Built through polars: as fast as ``pa.array`` and, unlike it, it does not import pandas
    (a second per worker process) when pandas happens to be installed.
    """
    import polars as pl

    types = KINDS[kind]
    series = pl.Series(values, dtype=getattr(pl, types.polars), strict=True)
    return series.to_arrow().cast(types.arrow)


def _column_order(names: Iterable[str]) -> list[str]:
    fixed = [name for name in FIXED_COLUMNS if name in names]
    return fixed + sorted(set(names) - FIXED_COLUMNS.keys())


@dataclass
class FileResult:
    """A batch of landed files (one or more, in path order), flattened.

    Attributes:
        path: The first file of the batch.
        table: The rows as Arrow, typed as this batch alone sees them (see :func:`unify`).
        records: Non-empty lines read.
        tombstones: REMOVE lines.
        rescued_rows: Rows with ``_rescued_data``.
        rejected: Lines that could not become rows (file, row, field, reason).
        files: Every file of the batch.
        rescues: Row index in `table` → that row's rescues (the structured form of the
            row's ``_rescued_data`` text); rows without rescues are absent.
    """

    path: str
    table: pa.Table
    records: int = 0
    tombstones: int = 0
    rescued_rows: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rescues: dict[int, RowRescues] = field(default_factory=dict)


class Columns:
    """The columns of a batch being flattened: column → value per row (None where absent).

    Each column is a list with a slot per row and, in its last slot, the Python type of its
    kind (:data:`weir.telemetry.models.KINDS`; a type no value has for a refused name), so
    that the flattening fast path checks a value's type without another lookup. A column is
    made at its first value, which also sets its kind (or why Delta cannot hold its name).
    Every value goes in its slot, also one of another kind (so that a later value for the same
    slot is seen as a duplicate); :meth:`put` notes such columns, and :meth:`table` moves
    their misfits to ``_rescued_data`` and builds Arrow arrays, without a dict per row.

    Args:
        capacity: Rows the batch can have (see :meth:`grow`).
        established: Kinds of the columns the table already has.
    """

    __slots__ = (
        "capacity",
        "established",
        "kinds",
        "known",
        "misfits",
        "refused",
        "rescues",
        "values",
    )

    def __init__(self, capacity: int, established: Mapping[str, Kind]) -> None:
        self.capacity = capacity
        self.established = established
        self.values: dict[str, list[Any]] = {}
        self.kinds: dict[str, Kind] = {}
        self.refused: dict[str, str] = {}  # new column → why it cannot be one
        self.misfits: set[str] = set()  # columns holding a value of another kind
        self.known = _lowered([*FIXED_COLUMNS, *established])
        self.rescues: dict[int, RowRescues] = {}

    def column(self, name: str, value: Any) -> list[Any]:
        """The slots of column `name`, made when `value` is its first value."""
        slots = self.values.get(name)
        if slots is None:
            established = self.established.get(name)
            problem = None if established else name_problem(name, self.known)
            expected: type = _Never
            if problem is None:
                self.known[name.lower()] = name
                kind = self.kinds[name] = established or column_kind(name, value)
                expected = KINDS[kind].python
            else:
                self.refused[name] = problem
            slots = self.values[name] = [None] * self.capacity
            slots.append(expected)
        return slots

    def grow(self, capacity: int) -> None:
        """Make room for `capacity` rows in every column."""
        extra = capacity - self.capacity
        if extra > 0:
            self.capacity = capacity
            for slots in self.values.values():
                slots[-1:-1] = [None] * extra

    def put(self, row: int, name: str, value: Any) -> None:
        """Put `value` in `row` of column `name` (its kind is checked in :meth:`table`)."""
        slots = self.column(name, value)
        slots[row] = value
        if type(value) is not slots[-1]:
            self.misfits.add(name)

    def rescue(self, row: int, item: Rescue) -> None:
        """Keep `item` in `row`'s ``_rescued_data`` (replacing one of the same column)."""
        entries = self.rescues.get(row)
        if entries is None:
            self.rescues[row] = {item.column: item}
        else:
            entries[item.column] = item

    def table(self, rows: int) -> tuple[pa.Table, dict[int, RowRescues]]:
        """The first `rows` rows as Arrow, and row index → rescues of the rows that have any.

        A value whose kind is not its column's kind, and every value of a refused name, moves
        to ``_rescued_data`` (replacing a rescue of the same column in that row).
        """
        kinds = {**self.kinds, **FIXED_COLUMNS}
        columns: dict[str, list[Any]] = {}
        for name, slots in self.values.items():
            del slots[rows:]
            problem = self.refused.get(name)
            if problem is not None:
                for index, value in enumerate(slots):
                    if value is not None:
                        self.rescue(index, Rescue(name, value, problem, Cause.NAME_REFUSED))
                continue
            if name in self.misfits:
                kind = kinds[name]
                expected = KINDS[kind].python
                for index, value in enumerate(slots):
                    if value is not None and type(value) is not expected:
                        self.rescue(index, conflict(name, value, kind))
                        slots[index] = None
            columns[name] = slots
        for name in FIXED_COLUMNS:
            if name not in columns:
                columns[name] = [None] * rows
        columns[RESCUED] = _texts(self.rescues, rows)
        arrays = {name: _arrow(columns[name], kinds[name]) for name in _column_order(columns)}
        return pa.table(arrays), self.rescues


def _texts(rescues: Mapping[int, RowRescues], count: int) -> list[str | None]:
    """The ``_rescued_data`` column's values: each row's rescues written as text, once."""
    texts: list[str | None] = [None] * count
    for index, row in rescues.items():
        texts[index] = to_text(row)
    return texts


def count_rescued(table: pa.Table) -> int:
    """Rows of `table` with rescued data."""
    if RESCUED not in table.column_names:
        return 0
    return int(len(table) - table.column(RESCUED).null_count)


def unify(results: Sequence[FileResult], established: Mapping[str, Kind]) -> pa.Table:
    """Concatenate per-batch tables (in path order) into one table with one kind per column.

    A new column's kind is the kind of its first value in (file, line) order, and a new name
    that clashes with an earlier one is refused. A later batch that saw another first value
    (or no earlier name) is reconciled so that the result is the same as flattening all files
    in one pass: its values that do not fit the run's column move to ``_rescued_data``, and
    the values it rescued for a reason that depends on earlier rows (:data:`.RETURNABLE`)
    return to their column when they fit, or are rescued for the run's reason.
    """
    kinds: dict[str, Kind] = dict(established)
    known = _lowered([*FIXED_COLUMNS, *established])
    tables = []
    for result in results:
        table = result.table
        if table.num_rows == 0:
            continue
        local: dict[str, Kind] = {}
        refused: dict[str, str] = {}
        for name, dtype in zip(table.column_names, table.schema.types, strict=True):
            local[name] = kind_of_type(dtype)
            if name not in kinds:
                problem = name_problem(name, known)
                if problem is not None:
                    refused[name] = problem
                    continue
                known[name.lower()] = name
                kinds[name] = local[name]
        wrong = {n for n, kind in local.items() if n not in refused and kinds[n] != kind}
        held = {
            name
            for row in result.rescues.values()
            for name, item in row.items()
            if item.cause is Cause.NAME_REFUSED or (item.cause in RETURNABLE and name in wrong)
        }
        if wrong or refused or held:
            table, rescues = _reconcile(result, kinds, known, wrong | refused.keys() | held)
            result.rescued_rows = len(rescues)
        tables.append(table)
    if not tables:
        return pa.table({})
    merged = pa.concat_tables(tables, promote_options="default")
    return merged.select(_column_order(merged.column_names))


def _reconcile(
    result: FileResult, kinds: Mapping[str, Kind], known: Mapping[str, str], names: set[str]
) -> tuple[pa.Table, dict[int, RowRescues]]:
    """Place the values of `names` in a batch's table as the run places them (see :func:`unify`).

    A name is the run's column when `kinds` has it and `known` spells it so; otherwise it is
    refused. Its values (in the batch's column, or rescued for a :data:`.RETURNABLE` cause) go
    to the column when they have its kind, else they are rescued for the run's reason. Only
    rows whose rescues change get their ``_rescued_data`` text rewritten.

    Returns:
        The table and its rows' rescues.

    Raises:
        ValueError: the batch came without its structured rescues (an engine must ship the
            whole :class:`FileResult`), so its ``_rescued_data`` cannot be rewritten safely.
    """
    table = result.table
    count = table.num_rows
    if count_rescued(table) != len(result.rescues):  # shipped without them: text would be lost
        raise ValueError(f"batch {result.path}: FileResult.rescues do not match its table")
    rescues = {index: dict(row) for index, row in result.rescues.items()}
    changed: set[int] = set()
    for name in sorted(names):
        problem = name_problem(name, known)
        kind = kinds.get(name) if problem is None else None
        if kind is None and problem is None:
            continue  # not a column the run has seen: nothing to place
        expected = _Never if kind is None else KINDS[kind].python
        values: list[Any] = [None] * count
        for index, row in rescues.items():
            held = row.get(name)
            if held is None or held.cause not in RETURNABLE:
                continue
            if type(held.raw) is expected:
                values[index] = held.raw
                del row[name]
                changed.add(index)
            else:
                item = _misfit(name, held.raw, kind, problem)
                if item != held:
                    row[name] = item
                    changed.add(index)
        present = name in table.column_names
        if present:
            column = table.column(name)
            if pa.types.is_timestamp(column.type):
                column = column.cast(pa.int64())  # rescued as in one pass: epoch µs
            for index, value in enumerate(column.to_pylist()):
                if value is None:
                    continue
                if type(value) is expected:
                    values[index] = value
                else:
                    rescues.setdefault(index, {})[name] = _misfit(name, value, kind, problem)
                    changed.add(index)
        if kind is None:
            if present:
                table = table.drop_columns([name])
        elif present:
            table = table.set_column(table.column_names.index(name), name, _arrow(values, kind))
        elif any(value is not None for value in values):
            table = table.append_column(name, _arrow(values, kind))
    if not changed:
        return table, rescues
    texts = table.column(RESCUED).to_pylist()
    for index in changed:
        entries = rescues.get(index)
        if entries:
            texts[index] = to_text(entries)
        else:
            texts[index] = None
            rescues.pop(index, None)
    column = _arrow(texts, "string")
    return table.set_column(table.column_names.index(RESCUED), RESCUED, column), rescues


def _misfit(name: str, value: Any, kind: Kind | None, problem: str | None) -> Rescue:
    """The rescue of a value that does not fit the run's column `name` (or refused name)."""
    if kind is None:
        return Rescue(name, value, str(problem), Cause.NAME_REFUSED)
    return conflict(name, value, kind)
