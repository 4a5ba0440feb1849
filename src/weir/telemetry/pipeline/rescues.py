"""Rescued values: what did not fit a column, kept as typed records until written as text.

Flattening (:mod:`.flatten`), table building and unifying (:mod:`.columns`) record a
:class:`Rescue` per value that does not fit; the ``_rescued_data`` column is their JSON text,
``{"<column>": {"raw": …, "reason": "…"}}`` with sorted keys, written by :func:`to_text` when
the Arrow column is built. Whether a value may return to its column (when the run's kind of the
column turns out to be the kind of the value) is decided by :attr:`Rescue.cause`, never by the
reason's wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any, NamedTuple

import orjson


class Cause(IntEnum):
    """Why a value was rescued."""

    BAD_JSON = 1
    """A signal body that is not valid JSON."""
    BAD_SHAPE = 2
    """A part of the record without the expected shape (a signal that is not an object …)."""
    BAD_TIME = 3
    """A time that is not an ISO-8601 text or epoch milliseconds between years 1 and 9999."""
    OUT_OF_RANGE = 4
    """An integer outside int64, or a body integer float64 cannot hold exactly."""
    WRONG_TYPE = 5
    """A record field whose value does not have its fixed kind."""
    KIND_CONFLICT = 6
    """A value whose kind conflicts with the kind its column took from its first value."""
    UNKNOWN_FIELD = 7
    """A field the record layout does not have."""
    DUPLICATE = 8
    """A second signal, or second value, for the same column in one record."""
    NAME_REFUSED = 9
    """A new column name Delta cannot hold (forbidden characters, case clash)."""


RETURNABLE: frozenset[Cause] = frozenset((Cause.KIND_CONFLICT, Cause.NAME_REFUSED))
"""Causes that depend on what came before in the run: such a value returns to its column when
the run (unified from files flattened apart) gives the column a kind and name it fits."""


class Rescue(NamedTuple):
    """One value that did not fit its column.

    Attributes:
        column: The column (or signal / field path) the value belonged to.
        raw: The value as decoded from the record.
        reason: Why, in words, as written to ``_rescued_data``.
        cause: Why, as a code.
    """

    column: str
    raw: Any
    reason: str
    cause: Cause


RowRescues = dict[str, Rescue]
"""One row's rescues, by column (a later rescue of the same column replaces the earlier)."""


def to_text(rescues: Mapping[str, Rescue]) -> str:
    """The ``_rescued_data`` text of one row: ``{column: {"raw", "reason"}}``, keys sorted."""
    entries = {column: {"raw": item.raw, "reason": item.reason} for column, item in rescues.items()}
    return orjson.dumps(entries, option=orjson.OPT_SORT_KEYS).decode()


def conflict(column: str, value: Any, kind: str) -> Rescue:
    """The rescue of `value` whose kind conflicts with `column`'s `kind`."""
    reason = f"{type(value).__name__} conflicts with {kind} column"
    return Rescue(column, value, reason, Cause.KIND_CONFLICT)
