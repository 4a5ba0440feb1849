"""Turn an operator's worksheet into ``plant_operations`` records (shared by Plant A and B).

Below the detected header each row is classified: empty rows, summary rows (TOTAL, MAX, MIN,
AVG ...) and notes rows are skipped with their reason; every other row becomes a record, kept
as ``rejected`` when its date or a numeric cell cannot be parsed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from weir.mrv.errors import FileReadError
from weir.mrv.pipeline.step1_ingest.parsers.common import (
    ParsedFile,
    Skipped,
    column_letter,
    is_blank,
    parse_date,
    parse_number,
    reject,
    unparsed,
    where,
)
from weir.mrv.pipeline.step1_ingest.parsers.excel.headers import OPS_FIELDS, Header, detect_header
from weir.mrv.pipeline.step1_ingest.parsers.excel.reader import Sheet, read_workbook
from weir.mrv.pipeline.step1_ingest.schemas import validate_records
from weir.mrv.rules import FlagCode, RowStatus, flag
from weir.mrv.settings import MrvSettings

SUMMARY = re.compile(r"^(total|sum|max(imum)?|min(imum)?|avg|average|mean)\b", re.IGNORECASE)
NUMERIC_FIELDS = (
    "eff_flow_actual_mgd",
    "eff_flow_max_mgd",
    "eff_flow_min_mgd",
    "influent_flow_mgd",
    "bypass_volume_mg",
    "bypass_hours",
)
REQUIRED = {"date", "eff_flow_actual_mgd"}


def find_table(sheets: list[Sheet], display: str) -> tuple[Sheet, Header]:
    """The first sheet with a recognisable header.

    Raises:
        FileReadError: no sheet has a Date and an effluent-flow column.
    """
    for sheet in sheets:
        header = detect_header(sheet.rows, OPS_FIELDS, REQUIRED)
        if header is not None:
            return sheet, header
    names = ", ".join(s.name for s in sheets) or "none"
    raise FileReadError(
        "no header with a Date and an effluent flow column in the first 30 rows",
        file=display,
        sheet=names,
    )


def _record(sheet: Sheet, header: Header, index: int, plant: str, display: str) -> dict[str, Any]:
    row = _padded(sheet.rows[index], header)
    line = sheet.excel_row(index)
    rec: dict[str, Any] = {
        "plant_id": plant,
        "date": None,
        "status": RowStatus.VALID,
        "reject_reason": None,
        "flags": [],
        "source_row": line,
        "source_sheet": sheet.name,
        **dict.fromkeys(NUMERIC_FIELDS),
    }
    date_col = header.columns["date"]
    try:
        rec["date"] = parse_date(row[date_col])
    except ValueError as exc:
        place = where(display, line, f"{column_letter(date_col)} (date)", sheet.name)
        reject(rec, f"{place}: {exc}", flag(FlagCode.UNPARSEABLE, "date"))
        unparsed(rec, "date")
    for field in NUMERIC_FIELDS:
        col = header.columns.get(field)
        if col is None or col >= len(row):
            continue
        try:
            rec[field] = parse_number(row[col])
        except ValueError as exc:
            place = where(display, line, f"{column_letter(col)} ({field})", sheet.name)
            reject(rec, f"{place}: {exc}", flag(FlagCode.UNPARSEABLE, field))
            unparsed(rec, field)
    if rec["eff_flow_actual_mgd"] is None and rec["status"] != RowStatus.REJECTED:
        rec["flags"].append(flag(FlagCode.MISSING, "eff_flow_actual_mgd"))
    return rec


def _padded(row: list[Any], header: Header) -> list[Any]:
    """The row with blank cells up to the header's last column (ragged grids are tolerated)."""
    width = max(header.columns.values()) + 1
    return row if len(row) >= width else [*row, *([None] * (width - len(row)))]


def _classify(row: list[Any], header: Header) -> str | None:
    """Why a row is not a data row, or None when it is one."""
    row = _padded(row, header)
    if all(is_blank(c) for c in row):
        return "empty row"
    first = row[header.columns["date"]]
    if isinstance(first, str) and SUMMARY.match(first.strip()):
        return f"summary row {first.strip().upper()}"
    numeric = [row[c] for f, c in header.columns.items() if f != "date" and c < len(row)]
    if isinstance(first, str) and all(is_blank(v) for v in numeric):
        try:
            parse_date(first)
        except ValueError:
            return f"notes row: {first.strip()[:80]}"
    return None


def parse_ops_workbook(
    path: Path,
    display: str,
    plant: str,
    source: str,
    settings: MrvSettings,
    sheets: list[Sheet] | None = None,
) -> ParsedFile:
    """Parse one operations workbook (or its already read ``sheets``) into records.

    Raises:
        FileReadError: unreadable workbook or no recognisable header.
    """
    if sheets is None:
        sheets = read_workbook(path, display)
    sheet, header = find_table(sheets, display)
    result = ParsedFile(
        source,
        details={
            "sheet": sheet.name,
            "header_row": sheet.excel_row(header.row_index),
            "header_rows": header.height,
            "columns": {f: header.labels[c] for f, c in header.columns.items()},
        },
    )
    seen: dict[Any, int] = {}
    for index in range(header.data_start, len(sheet.rows)):
        reason = _classify(sheet.rows[index], header)
        if reason is not None:
            result.skipped.append(Skipped(sheet.excel_row(index), reason, sheet.name))
            continue
        rec = _record(sheet, header, index, plant, display)
        if rec["date"] is not None and rec["status"] != RowStatus.REJECTED:
            if rec["date"] in seen:
                reject(
                    rec,
                    f"duplicate date {rec['date']} (first at row {seen[rec['date']]})",
                    flag(FlagCode.DUPLICATE),
                )
            else:
                seen[rec["date"]] = rec["source_row"]
        result.records.append(rec)
    validate_records("ops", result.records, settings)
    for rec in result.records:
        lo, act, hi = rec["eff_flow_min_mgd"], rec["eff_flow_actual_mgd"], rec["eff_flow_max_mgd"]
        if None not in (lo, act, hi) and not lo <= act <= hi and act:
            rec["flags"].append(flag(FlagCode.FLOW_OUTSIDE_MIN_MAX))
    dates = [r["date"] for r in result.records if r["date"] is not None]
    if dates:
        result.details["period"] = [min(dates).isoformat(), max(dates).isoformat()]
    return result
