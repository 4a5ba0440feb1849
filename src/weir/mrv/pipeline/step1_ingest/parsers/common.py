"""Shared parsing helpers and the result type every source parser returns."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.mrv.rules import Flag, RowStatus

#: Excel's day zero (serial 1 is 1900-01-01, with Lotus' leap-year bug folded in).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers accepted as dates (1954 … 2119); numbers outside are not dates.
EXCEL_SERIAL_RANGE = (20_000.0, 80_000.0)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)


@dataclass
class Skipped:
    """A source row that carries no data (empty, summary or notes row), with the reason."""

    row: int
    reason: str
    sheet: str | None = None


@dataclass
class ParsedFile:
    """What a source parser made of one file.

    Attributes:
        source: Source kind (lab, ph, ops_a, ops_b).
        records: Row dicts keyed by model attribute, including ``source_row``, ``status``,
            ``reject_reason`` and ``flags`` (:class:`~weir.mrv.rules.Flag`); lineage (file,
            sha, run id) is added on insert.
        skipped: Rows that are not data, each with its reason.
        details: File-level facts (sheet, header row, column mapping, revision key ...).
    """

    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """Number of records kept with status ``rejected``."""
        return sum(1 for r in self.records if r["status"] == RowStatus.REJECTED)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_blank(value: Any) -> bool:
    """True for None, empty or whitespace-only strings."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: Any) -> dt.date | None:
    """A date from an Excel date cell, an Excel serial number or text; None when blank.

    Raises:
        ValueError: the value is not blank and not a date.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = EXCEL_SERIAL_RANGE
        if low <= float(value) <= high:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"number {value!r} is not an Excel date serial")
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return parse_date(float(text))
    for fmt in (*DATE_FORMATS, *DATETIME_FORMATS):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")


def parse_datetime(text: str) -> dt.datetime:
    """A naive timestamp from ISO 8601 text or one of :data:`DATETIME_FORMATS` (a trailing Z or
    an offset is converted to UTC).

    Raises:
        ValueError: the text is no timestamp.
    """
    text = text.strip().removesuffix("Z")
    if len(text) >= 16 and text[4] == "-" and text[10] in " T":  # ISO 8601: the fast path
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:  # an offset is converted to naive UTC, like a trailing Z
            return stamp.astimezone(dt.UTC).replace(tzinfo=None) if stamp.tzinfo else stamp
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised timestamp {text!r}")


#: ``1,234`` / ``12,345.6``: commas group thousands (the leading group has no leading zero).
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?")
#: ``0,5`` / ``12,75``: one comma, no dot: a decimal comma.
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def parse_number(value: Any) -> float | None:
    """A float from a number or numeric text; None when blank.

    Commas are read by pattern: ``1,234.5`` and ``1,234`` hold thousands separators (groups of
    three after a leading 1–3 digit group without a leading zero); any other single comma
    between digits without a dot is a decimal comma (``0,5`` → 0.5, ``12,75`` → 12.75).

    Raises:
        ValueError: the value is not blank and not a number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"boolean {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if "," in text:  # both patterns need a comma: most cells skip them
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        elif _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"not a number: {str(value).strip()!r}") from None


def parse_censored(value: Any) -> tuple[float | None, bool]:
    """A number that may be written below detection (``<0.5``, ``< 0,5``).

    Returns:
        ``(number, below_detection)``; for ``<DL`` the number is the detection limit.

    Raises:
        ValueError: not blank and not a number (the message quotes the whole text).
    """
    if not isinstance(value, str) or not value.strip().startswith("<"):
        return parse_number(value), False
    text = value.strip()
    try:
        limit = parse_number(text[1:])
    except ValueError:
        limit = None
    if limit is None:
        raise ValueError(f"not a number: {text!r}")
    return limit, True


def where(file: str, row: int, column: str, sheet: str | None = None) -> str:
    """``<file> row <n>, column <c>`` (with the sheet for workbooks): the place of a cell."""
    place = f"{file} sheet {sheet} row {row}" if sheet else f"{file} row {row}"
    return f"{place}, column {column}"


def normalize_label(value: Any) -> str:
    """A header label lower-cased with newlines and repeated blanks collapsed."""
    return re.sub(r"\s+", " ", str(value if value is not None else "")).strip().lower()


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def reading(
    line: int,
    *,
    plant: str | None,
    location: str | None,
    parameter: str,
    unit: str,
    meta: dict[str, Any],
    value: float | None = None,
    sampled_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A new valid ``lab_readings`` record of source row `line`: every source builds its
    readings here, so all of them have the same fields (ingest inserts them column-wise)."""
    return {
        "plant_id": plant,
        "location": location,
        "parameter": parameter,
        "value": value,
        "unit": unit,
        "sampled_at": sampled_at,
        "sample_date": None if sampled_at is None else sampled_at.date(),
        "status": RowStatus.VALID,
        "reject_reason": None,
        "flags": [],
        "source_row": line,
        "meta": meta,
    }


def reject(record: dict[str, Any], reason: str, flag: Flag) -> None:
    """Mark a record rejected, adding ``reason`` (all reasons kept, joined by "; ") and ``flag``."""
    record["status"] = RowStatus.REJECTED
    reasons = record.get("reject_reason")
    if not reasons:
        record["reject_reason"] = reason
    elif reason not in reasons.split("; "):
        record["reject_reason"] = f"{reasons}; {reason}"
    if flag not in record["flags"]:
        record["flags"].append(flag)


def unparsed(record: dict[str, Any], column: str) -> None:
    """Remember that ``column`` did not parse, so the data contract does not report it again."""
    record.setdefault("_unparsed", set()).add(column)
