"""Calcium lab results (``lab/*.csv``): Load → Clean → Validate → Normalize.

Clean rules, each recorded as a row flag:

* ``<DL`` results (e.g. ``<0.5``) are stored at the detection limit, flag
  ``below_detection_limit`` (the value is an upper bound, not a measurement).
* Results in g/L are converted to mg/L (× 1000), flag ``converted_from_g_per_l``.
* A second row for the same plant, location, parameter and date is rejected as a duplicate
  (``duplicate``; ``conflicting_duplicate`` when its value differs). The first row wins.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from weir.mrv.errors import FileReadError
from weir.mrv.pipeline.common import (
    ParsedFile,
    Skipped,
    is_blank,
    parse_date,
    parse_number,
    reject,
)
from weir.mrv.pipeline.schemas import validate_records
from weir.mrv.settings import MrvSettings

#: CSV header aliases → field.
ALIASES: dict[str, str] = {
    "sample_id": "sample_id",
    "sample id": "sample_id",
    "plant_id": "plant_id",
    "plant": "plant_id",
    "site": "plant_id",
    "location": "location",
    "position": "location",
    "parameter": "parameter",
    "analyte": "parameter",
    "value": "value",
    "result": "value",
    "unit": "unit",
    "units": "unit",
    "sample_date": "sample_date",
    "date": "sample_date",
    "sample_time": "sample_time",
    "time": "sample_time",
    "analyst": "analyst",
    "method": "method",
    "detection_limit": "detection_limit",
    "mdl": "detection_limit",
    "received_date": "received_date",
    "notes": "notes",
    "comment": "notes",
}
REQUIRED = {"plant_id", "location", "value", "sample_date"}
METADATA = ("sample_id", "analyst", "method", "detection_limit", "received_date", "notes")
#: Analyte spellings → parameter name.
PARAMETERS = {"ca": "calcium", "ca2+": "calcium", "calcium": "calcium", "ca (dissolved)": "calcium"}
LOCATIONS = {
    "upstream": "upstream",
    "up": "upstream",
    "us": "upstream",
    "downstream": "downstream",
    "down": "downstream",
    "ds": "downstream",
}


def load(path: Path, display: str) -> tuple[list[list[str]], str]:
    """Decode (UTF-8, then cp1252) and split the CSV; return rows and the encoding used.

    Raises:
        FileReadError: the file is not decodable text or not CSV.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise FileReadError("not UTF-8 or cp1252 text", file=display)
    if "\x00" in text:
        raise FileReadError("binary content (NUL bytes) in a CSV file", file=display)
    try:
        return list(csv.reader(io.StringIO(text))), encoding
    except csv.Error as exc:
        raise FileReadError(f"malformed CSV: {exc}", file=display) from exc


def find_header(
    rows: list[list[str]], aliases: dict[str, str], required: set[str], display: str
) -> tuple[int, dict[str, int]]:
    """The first of the top 20 rows naming every `required` field, with field → column.

    Labels are matched case-insensitively through `aliases`, so title rows above the header and
    reordered or extra columns are tolerated.
    """
    for index, row in enumerate(rows[:20]):
        mapping: dict[str, int] = {}
        for col, label in enumerate(row):
            field = aliases.get(label.strip().lower())
            if field and field not in mapping:
                mapping[field] = col
        if set(mapping) >= required:
            return index, mapping
    raise FileReadError(
        f"no header row with columns {sorted(required)} in the first 20 rows", file=display
    )


def _clean(row: list[str], cols: dict[str, int], line: int) -> dict[str, Any]:
    def cell(name: str) -> str:
        index = cols.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    rec: dict[str, Any] = {
        "plant_id": cell("plant_id").upper() or None,
        "location": LOCATIONS.get(cell("location").lower(), cell("location").lower() or None),
        "parameter": PARAMETERS.get(cell("parameter").lower(), cell("parameter").lower())
        or "calcium",
        "value": None,
        "unit": "mg/L",
        "sampled_at": None,
        "sample_date": None,
        "status": "valid",
        "reject_reason": None,
        "flags": [],
        "source_row": line,
        "meta": {name: cell(name) for name in METADATA if cell(name)},
    }
    raw_value, unit = cell("value"), cell("unit") or "mg/L"
    rec["meta"]["raw_value"], rec["meta"]["raw_unit"] = raw_value, unit
    try:
        rec["sample_date"] = parse_date(cell("sample_date"))
        if rec["sample_date"] is not None:
            time = dt.time.fromisoformat(cell("sample_time")) if cell("sample_time") else dt.time()
            rec["sampled_at"] = dt.datetime.combine(rec["sample_date"], time)
    except ValueError as exc:
        reject(rec, f"sample_date/sample_time: {exc}", "unparseable_date")
    if raw_value.startswith("<"):
        limit = parse_number(raw_value[1:]) if not is_blank(raw_value[1:]) else None
        rec["value"] = limit
        rec["flags"].append("below_detection_limit")
    else:
        try:
            rec["value"] = parse_number(raw_value)
        except ValueError as exc:
            reject(rec, f"value: {exc}", "unparseable_value")
    if rec["value"] is None and rec["status"] != "rejected":
        reject(rec, "value is missing", "missing_value")
    if unit.lower().replace(" ", "") in {"g/l", "g/liter"} and rec["value"] is not None:
        rec["value"] = round(rec["value"] * 1000.0, 6)
        rec["flags"].append("converted_from_g_per_l")
    elif unit.lower().replace(" ", "") in {"mg/l", "ppm"}:
        pass
    else:
        rec["unit"] = unit
    return rec


def _mark_duplicates(records: list[dict[str, Any]]) -> None:
    first: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rec in records:
        if rec["status"] == "rejected":
            continue
        key = (rec["plant_id"], rec["location"], rec["parameter"], rec["sample_date"])
        seen = first.setdefault(key, rec)
        if seen is rec:
            continue
        rec["meta"]["duplicate_of_row"] = seen["source_row"]
        if seen["value"] == rec["value"]:
            reject(rec, f"duplicate of row {seen['source_row']}", "duplicate")
        else:
            reject(
                rec,
                f"conflicting duplicate of row {seen['source_row']} "
                f"({rec['value']} vs {seen['value']}); first row kept",
                "conflicting_duplicate",
            )


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one calcium CSV into ``lab_readings`` records.

    Raises:
        FileReadError: unreadable file or no recognisable header.
    """
    rows, encoding = load(path, display)
    header_index, cols = find_header(rows, ALIASES, REQUIRED, display)
    result = ParsedFile(
        "lab", details={"encoding": encoding, "header_row": header_index + 1, "columns": cols}
    )
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if all(not c.strip() for c in row):
            result.skipped.append(Skipped(index + 1, "empty row"))
            continue
        result.records.append(_clean(row, cols, index + 1))
    _mark_duplicates(result.records)
    validate_records("calcium", result.records, settings)
    return result
