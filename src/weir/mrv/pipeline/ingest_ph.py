"""Minute-level pH sensor files (``sensors/ph_<sensor>.csv``): Load → Clean → Validate → Normalize.

Each sensor id maps to a plant and location through ``MrvSettings.ph_sensors``. A second row
for the same sensor and minute is rejected as a duplicate (exports overlap); a pH outside
0–14 is physically impossible and rejected as a ``spike``. Timestamps overlapping between
different sensors' files are expected and kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weir.mrv.pipeline.common import ParsedFile, Skipped, parse_datetime, parse_number, reject
from weir.mrv.pipeline.ingest_lab import find_header, load
from weir.mrv.pipeline.schemas import validate_records
from weir.mrv.settings import MrvSettings

ALIASES = {
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "time": "timestamp",
    "sensor_id": "sensor_id",
    "sensor": "sensor_id",
    "ph": "ph",
    "value": "ph",
    "temperature_c": "temperature_c",
    "temp_c": "temperature_c",
}
REQUIRED = {"timestamp", "ph"}


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one pH sensor CSV into ``lab_readings`` records (parameter ``ph``).

    Raises:
        FileReadError: unreadable file or no recognisable header.
    """
    rows, encoding = load(path, display)
    header_index, cols = find_header(rows, ALIASES, REQUIRED, display)
    default_sensor = path.stem.removeprefix("ph_")
    result = ParsedFile("ph", details={"encoding": encoding, "header_row": header_index + 1})
    seen: dict[tuple[str, Any], int] = {}
    ts_col, ph_col = cols["timestamp"], cols["ph"]
    sensor_col, temp_col = cols.get("sensor_id"), cols.get("temperature_c")
    for index in range(header_index + 1, len(rows)):
        row, line = rows[index], index + 1
        if not any(c.strip() for c in row):
            result.skipped.append(Skipped(line, "empty row"))
            continue
        sensor = row[sensor_col].strip() if sensor_col is not None else default_sensor
        site = settings.ph_sensors.get(sensor, "")
        plant, _, location = site.partition(":")
        rec: dict[str, Any] = {
            "plant_id": plant or None,
            "location": location or None,
            "parameter": "ph",
            "value": None,
            "unit": "pH",
            "sampled_at": None,
            "sample_date": None,
            "status": "valid",
            "reject_reason": None,
            "flags": [],
            "source_row": line,
            "meta": {"sensor_id": sensor},
        }
        if temp_col is not None and temp_col < len(row) and row[temp_col].strip():
            rec["meta"]["temperature_c"] = row[temp_col].strip()
        try:
            rec["sampled_at"] = parse_datetime(row[ts_col])
            rec["sample_date"] = rec["sampled_at"].date()
        except (ValueError, IndexError) as exc:
            reject(rec, f"timestamp: {exc}", "unparseable_timestamp")
        try:
            rec["value"] = parse_number(row[ph_col] if ph_col < len(row) else "")
        except ValueError as exc:
            reject(rec, f"ph: {exc}", "unparseable_value")
        if rec["value"] is None and rec["status"] != "rejected":
            reject(rec, "ph is missing", "missing_value")
        if not site:
            reject(rec, f"unknown sensor id {sensor!r} (not in ph_sensors)", "unknown_sensor")
        if rec["sampled_at"] is not None:
            key = (sensor, rec["sampled_at"])
            if key in seen:
                rec["meta"]["duplicate_of_row"] = seen[key]
                reject(
                    rec, f"duplicate of row {seen[key]} (same sensor and timestamp)", "duplicate"
                )
            else:
                seen[key] = line
        result.records.append(rec)
    validate_records("ph", result.records, settings)
    return result
