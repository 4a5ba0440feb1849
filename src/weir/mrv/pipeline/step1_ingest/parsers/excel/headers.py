"""Find a table's header by content: tolerate title rows, reordered/extra columns, newline
labels and two-row merged (multi-level) headers.

A header candidate is scored by how many schema fields its labels match. Each row in the first
:data:`MAX_SCAN_ROWS` rows is tried alone and joined with the row below (the upper row's merged
labels forward-filled, e.g. ``Effluent`` + ``Flow (MGD)`` → ``effluent flow (mgd)``); the best
candidate that has every required field wins, a single row beating a two-row header on ties.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from weir.mrv.pipeline.step1_ingest.parsers.common import is_blank, normalize_label

MAX_SCAN_ROWS = 30
Matcher = Callable[[str], bool]


def _has(*words: str) -> Matcher:
    return lambda label: all(re.search(rf"\b{w}", label) for w in words)


def _flow(label: str) -> bool:
    return "flow" in label


#: Operator column labels → schema fields; first matching field wins, in this order.
OPS_FIELDS: dict[str, Matcher] = {
    "date": lambda s: s in {"date", "day", "sample date", "date of record", "log date"},
    "eff_flow_max_mgd": lambda s: _flow(s) and bool(re.search(r"\b(max|peak)", s)),
    "eff_flow_min_mgd": lambda s: _flow(s) and bool(re.search(r"\bmin", s)),
    "influent_flow_mgd": lambda s: _flow(s) and bool(re.search(r"\b(influent|inf)\b", s)),
    "eff_flow_actual_mgd": lambda s: _flow(s) and bool(re.search(r"\b(effluent|eff)\b", s)),
    "bypass_volume_mg": lambda s: "bypass" in s and bool(re.search(r"volume|\(mg\)", s)),
    "bypass_hours": lambda s: "bypass" in s and bool(re.search(r"hour|hrs|duration", s)),
}


@dataclass
class Header:
    """A detected header.

    Attributes:
        row_index: Index of the header's first row in the sheet grid.
        height: 1 or 2 rows.
        labels: Normalized label per column.
        columns: Schema field → column index.
    """

    row_index: int
    height: int
    labels: list[str]
    columns: dict[str, int]

    @property
    def data_start(self) -> int:
        """Index of the first row below the header."""
        return self.row_index + self.height


def map_columns(labels: Sequence[str], fields: dict[str, Matcher]) -> dict[str, int]:
    """Schema field → first column whose label matches it (each column used once)."""
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        if not label:
            continue
        for name, matches in fields.items():
            if name not in columns and matches(label):
                columns[name] = index
                break
    return columns


def _joined(upper: Sequence[Any], lower: Sequence[Any]) -> list[str]:
    labels: list[str] = []
    current = ""
    for index, cell in enumerate(upper):
        if not is_blank(cell):
            current = normalize_label(cell)
        elif index == 0:
            current = ""
        below = normalize_label(lower[index]) if index < len(lower) else ""
        labels.append(f"{current} {below}".strip())
    return labels


def detect_header(
    rows: Sequence[Sequence[Any]], fields: dict[str, Matcher], required: set[str]
) -> Header | None:
    """The best header in the first rows of a grid, or None when no row has all ``required``."""
    best: Header | None = None
    for index in range(min(MAX_SCAN_ROWS, len(rows))):
        single = [normalize_label(c) for c in rows[index]]
        candidates = [Header(index, 1, single, map_columns(single, fields))]
        if index + 1 < len(rows) and not all(is_blank(c) for c in rows[index]):
            joined = _joined(rows[index], rows[index + 1])
            candidates.append(Header(index, 2, joined, map_columns(joined, fields)))
        for candidate in candidates:
            if not required <= set(candidate.columns):
                continue
            if best is None or len(candidate.columns) > len(best.columns):
                best = candidate
    return best
