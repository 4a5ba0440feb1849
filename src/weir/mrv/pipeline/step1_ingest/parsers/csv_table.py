"""Read a CSV file and find its header by content (shared by the lab and pH parsers).

Labels are normalized before matching (:func:`normalize_header`): case, punctuation,
whitespace and a trailing unit in parentheses do not matter, so ``Sample Date``,
``SAMPLE_DATE``, ``sample-date`` and ``Sample date (local)`` are all ``sample date``. Each
source has an alias table of normalized labels → field; the first of the top
:data:`MAX_SCAN_ROWS` rows naming every required field is the header, so title rows above it
and reordered, shifted or extra columns are tolerated.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from weir.mrv.errors import FileReadError

MAX_SCAN_ROWS = 20


@dataclass
class CsvRows:
    """A decoded CSV: each row with the 1-based line it starts on, and the encoding used."""

    rows: list[tuple[int, list[str]]]
    encoding: str


@dataclass
class CsvHeader:
    """The header found: its position in ``CsvRows.rows``, its labels and field → column."""

    index: int
    line: int
    labels: list[str]
    columns: dict[str, int]


def normalize_header(label: str) -> str:
    """``"Sample Date (local)"`` → ``"sample date"``: lower case, a trailing parenthesised part
    dropped, every run of non-alphanumerics (``_ - / . ,`` newlines, blanks) one space."""
    text = re.sub(r"\([^)]*\)\s*$", "", label.strip())
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def load(path: Path, display: str) -> CsvRows:
    """Decode (UTF-8, then cp1252) and split the CSV.

    Raises:
        FileReadError: the file cannot be read, is not text or not CSV (with the CSV line).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileReadError(f"cannot read file: {exc.strerror or exc}", file=display) from exc
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise FileReadError("not UTF-8 or cp1252 text", file=display)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileReadError("binary content (NUL byte) in a CSV file", file=display, row=line)
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        if '"' not in text and text.count("\r") == text.count("\r\n"):
            # no quoted field and no lone CR: each line is one row (counted at C speed)
            rows = list(enumerate(reader, 1))
        else:
            for row in reader:
                rows.append((start, row))
                start = reader.line_num + 1
    except csv.Error as exc:
        raise FileReadError(f"malformed CSV: {exc}", file=display, row=reader.line_num) from exc
    return CsvRows(rows, encoding)


def find_header(
    table: CsvRows, aliases: dict[str, str], required: set[str], display: str
) -> CsvHeader:
    """The first of the top rows naming every ``required`` field (see the module rules).

    Raises:
        FileReadError: no such row.
    """
    for index, (line, row) in enumerate(table.rows[:MAX_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for col, label in enumerate(row):
            field = aliases.get(normalize_header(label))
            if field and field not in columns:
                columns[field] = col
        if set(columns) >= required:
            return CsvHeader(index, line, row, columns)
    raise FileReadError(
        f"no header row with columns {sorted(required)} in the first {MAX_SCAN_ROWS} rows",
        file=display,
    )
