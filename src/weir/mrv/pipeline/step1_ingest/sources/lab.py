"""Calcium lab results (``lab/*.csv``): Load → Clean → Validate → Normalize.

Headers are matched by content (:mod:`weir.mrv.pipeline.step1_ingest.parsers.csv_table`)
through :data:`ALIASES`.
Clean rules, each recorded as a row flag:

* Below-detection results (``<0.5``, ``<0,5``) are stored at the detection limit with flag
  ``below_detection`` and ``metadata.detection_limit``; the value is an upper bound, not a
  measurement (the calculation uses the conservative bound, see ``pipeline/calculate.py``).
* Results in g/L are converted to mg/L (× 1000), flag ``converted_from_g_per_l``.
* A second row for the same plant, location, parameter and date is rejected as a duplicate
  (``duplicate``; ``conflicting_duplicate`` when its value differs). The first row wins.
* A value or date that cannot be parsed, or a row shorter than the header, rejects the row
  with a reason naming file, row, column and value; the row is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from weir.mrv.pipeline.step1_ingest.parsers.common import (
    ParsedFile,
    Skipped,
    parse_censored,
    parse_date,
    reading,
    reject,
    unparsed,
    where,
)
from weir.mrv.pipeline.step1_ingest.parsers.csv_table import CsvHeader, find_header, load
from weir.mrv.pipeline.step1_ingest.schemas import validate_records
from weir.mrv.rules import FlagCode, RowStatus, flag
from weir.mrv.settings import MrvSettings

#: Normalized CSV header label (see ``csv_table.normalize_header``) → field.
ALIASES: dict[str, str] = {
    "sample id": "sample_id",
    "sample no": "sample_id",
    "lab id": "sample_id",
    "plant id": "plant_id",
    "plant": "plant_id",
    "site": "plant_id",
    "facility": "plant_id",
    "location": "location",
    "position": "location",
    "sampling point": "location",
    "parameter": "parameter",
    "analyte": "parameter",
    "value": "value",
    "result": "value",
    "concentration": "value",
    "conc": "value",
    "unit": "unit",
    "units": "unit",
    "sample date": "sample_date",
    "date sampled": "sample_date",
    "sampling date": "sample_date",
    "collection date": "sample_date",
    "date": "sample_date",
    "sample time": "sample_time",
    "time sampled": "sample_time",
    "time": "sample_time",
    "analyst": "analyst",
    "method": "method",
    "detection limit": "detection_limit",
    "mdl": "detection_limit",
    "dl": "detection_limit",
    "received date": "received_date",
    "date received": "received_date",
    "notes": "notes",
    "note": "notes",
    "comment": "notes",
    "comments": "notes",
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


def _clean(row: list[str], header: CsvHeader, line: int, display: str) -> dict[str, Any]:
    cols = header.columns

    def cell(name: str) -> str:
        index = cols.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def place(name: str) -> str:
        index = cols[name]
        return where(display, line, repr(header.labels[index].strip()))

    rec = reading(
        line,
        plant=cell("plant_id").upper() or None,
        location=LOCATIONS.get(cell("location").lower(), cell("location").lower() or None),
        parameter=PARAMETERS.get(cell("parameter").lower(), cell("parameter").lower()) or "calcium",
        unit="mg/L",
        meta={name: cell(name) for name in METADATA if cell(name)},
    )
    if len(row) < len(header.labels):
        reject(
            rec,
            f"{display} row {line}: {len(row)} of {len(header.labels)} columns (row too short)",
            flag(FlagCode.SHORT_ROW),
        )
    raw_value, unit = cell("value"), cell("unit") or "mg/L"
    rec["meta"]["raw_value"], rec["meta"]["raw_unit"] = raw_value, unit
    try:
        rec["sample_date"] = parse_date(cell("sample_date"))
        if rec["sample_date"] is not None:
            time = dt.time.fromisoformat(cell("sample_time")) if cell("sample_time") else dt.time()
            rec["sampled_at"] = dt.datetime.combine(rec["sample_date"], time)
    except ValueError as exc:
        reject(rec, f"{place('sample_date')}: {exc}", flag(FlagCode.UNPARSEABLE, "date"))
        unparsed(rec, "sample_date")
    try:
        rec["value"], below = parse_censored(raw_value)
    except ValueError as exc:
        reject(rec, f"{place('value')}: {exc}", flag(FlagCode.UNPARSEABLE, "value"))
        unparsed(rec, "value")
        below = False
    if rec["value"] is None and "value" not in rec.get("_unparsed", ()):
        reject(rec, f"{place('value')}: value is missing", flag(FlagCode.MISSING, "value"))
        unparsed(rec, "value")
    grams = unit.lower().replace(" ", "") in {"g/l", "g/liter"}
    if grams and rec["value"] is not None:
        rec["value"] = round(rec["value"] * 1000.0, 6)
        rec["flags"].append(flag(FlagCode.CONVERTED_FROM_G_PER_L))
    elif unit.lower().replace(" ", "") not in {"mg/l", "ppm"}:
        rec["unit"] = unit
    if below:
        rec["flags"].append(flag(FlagCode.BELOW_DETECTION))
        rec["meta"]["detection_limit"] = rec["value"]
    return rec


def _mark_duplicates(records: list[dict[str, Any]]) -> None:
    first: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rec in records:
        if rec["status"] == RowStatus.REJECTED:
            continue
        key = (rec["plant_id"], rec["location"], rec["parameter"], rec["sample_date"])
        seen = first.setdefault(key, rec)
        if seen is rec:
            continue
        rec["meta"]["duplicate_of_row"] = seen["source_row"]
        if seen["value"] == rec["value"]:
            reject(rec, f"duplicate of row {seen['source_row']}", flag(FlagCode.DUPLICATE))
        else:
            reject(
                rec,
                f"conflicting duplicate of row {seen['source_row']} "
                f"({rec['value']} vs {seen['value']}); first row kept",
                flag(FlagCode.CONFLICTING_DUPLICATE),
            )


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one calcium CSV into ``lab_readings`` records.

    Raises:
        FileReadError: unreadable file or no recognisable header.
    """
    table = load(path, display)
    header = find_header(table, ALIASES, REQUIRED, display)
    result = ParsedFile(
        "lab",
        details={"encoding": table.encoding, "header_row": header.line, "columns": header.columns},
    )
    for line, row in table.rows[header.index + 1 :]:
        if not "".join(row).strip():  # empty or only blanks
            result.skipped.append(Skipped(line, "empty row"))
            continue
        result.records.append(_clean(row, header, line, display))
    _mark_duplicates(result.records)
    validate_records("calcium", result.records, settings)
    return result
