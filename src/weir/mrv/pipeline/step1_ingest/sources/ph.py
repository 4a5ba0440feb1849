"""Minute-level pH sensor files (``sensors/ph_<sensor>.csv``): Load → Clean → Validate → Normalize.

Each sensor id maps to a plant and location through ``MrvSettings.ph_sensors``. A second row
for the same sensor and minute in one file is rejected as a duplicate (the first row wins); a
pH outside 0–14 is physically impossible and rejected as a ``spike``; a row shorter than the
header is rejected as ``short_row``. The same sensor and minute in two different files is
resolved after loading by :mod:`weir.mrv.pipeline.step1_ingest.ph_overlap` (one reading counts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from weir.mrv.pipeline.step1_ingest.parsers.common import (
    ParsedFile,
    Skipped,
    parse_datetime,
    parse_number,
    reading,
    reject,
    unparsed,
    where,
)
from weir.mrv.pipeline.step1_ingest.parsers.csv_table import CsvHeader, find_header, load
from weir.mrv.pipeline.step1_ingest.schemas import validate_records
from weir.mrv.rules import FlagCode, flag
from weir.mrv.settings import MrvSettings

#: Normalized header label → field.
ALIASES = {
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "date time": "timestamp",
    "time": "timestamp",
    "sensor id": "sensor_id",
    "sensor": "sensor_id",
    "ph": "ph",
    "value": "ph",
    "temperature c": "temperature_c",
    "temp c": "temperature_c",
    "temperature": "temperature_c",
}
REQUIRED = {"timestamp", "ph"}


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one pH sensor CSV into ``lab_readings`` records (parameter ``ph``).

    Raises:
        FileReadError: unreadable file or no recognisable header.
    """
    table = load(path, display)
    header = find_header(table, ALIASES, REQUIRED, display)
    default_sensor = path.stem.removeprefix("ph_")
    result = ParsedFile("ph", details={"encoding": table.encoding, "header_row": header.line})
    seen: dict[tuple[str, Any], int] = {}
    cols, width = header.columns, len(header.labels)
    ts_col, ph_col = cols["timestamp"], cols["ph"]
    sensor_col, temp_col = cols.get("sensor_id"), cols.get("temperature_c")
    body = table.rows[header.index + 1 :]
    stamps = _fast_timestamps(_column(body, ts_col))
    values = _fast_numbers(_column(body, ph_col))
    sensors, temperatures = _column(body, sensor_col), _column(body, temp_col)
    sites = {  # sensor id → (plant, location), for the sensors with a site
        sensor: (plant or None, location or None)
        for sensor, site in settings.ph_sensors.items()
        if site
        for plant, _, location in [site.partition(":")]
    }
    for (line, row), fast_stamp, fast_value, sensor, temperature in zip(
        body, stamps, values, sensors, temperatures, strict=True
    ):
        sensor = sensor or default_sensor
        rec = _common_row(line, row, fast_stamp, fast_value, sensor, temperature, width, sites)
        if rec is None:  # checked one by one
            if fast_stamp is None and not "".join(row).strip():  # empty or only blanks
                result.skipped.append(Skipped(line, "empty row"))
                continue
            rec = _row(
                line, row, fast_stamp, fast_value, sensor, temperature, header, display, settings
            )
        if rec["sampled_at"] is not None:
            key = (sensor, rec["sampled_at"])
            if key in seen:
                rec["meta"]["duplicate_of_row"] = seen[key]
                reject(
                    rec,
                    f"duplicate of row {seen[key]} (same sensor and timestamp)",
                    flag(FlagCode.DUPLICATE),
                )
            else:
                seen[key] = line
        result.records.append(rec)
    validate_records("ph", result.records, settings)
    return result


def _common_row(
    line: int,
    row: list[str],
    stamp: dt.datetime | None,
    value: float | None,
    sensor: str,
    temperature: str,
    width: int,
    sites: dict[str, tuple[str | None, str | None]],
) -> dict[str, Any] | None:
    """The record of a common row: full width, timestamp and pH read column-wise, a known
    sensor: nothing to reject while parsing (what :func:`_row` gives it, built without its
    checks). None for any other row."""
    if stamp is None or value is None or len(row) < width or sensor not in sites:
        return None
    plant, location = sites[sensor]
    meta = (
        {"sensor_id": sensor, "temperature_c": temperature}
        if temperature
        else {"sensor_id": sensor}
    )
    return reading(
        line,
        plant=plant,
        location=location,
        parameter="ph",
        unit="pH",
        meta=meta,
        value=value,
        sampled_at=stamp,
    )


def _row(
    line: int,
    row: list[str],
    fast_stamp: dt.datetime | None,
    fast_value: float | None,
    sensor: str,
    temperature: str,
    header: CsvHeader,
    display: str,
    settings: MrvSettings,
) -> dict[str, Any]:
    """The record of a row that needs checking one by one (short, a timestamp or number in
    another form, missing or unparseable, an unknown sensor), every reason and flag kept."""
    cols, width = header.columns, len(header.labels)
    ts_col, ph_col = cols["timestamp"], cols["ph"]
    site = settings.ph_sensors.get(sensor, "")
    plant, _, location = site.partition(":")
    rec = reading(
        line,
        plant=plant or None,
        location=location or None,
        parameter="ph",
        unit="pH",
        meta={"sensor_id": sensor},
    )
    if len(row) < width:
        reject(
            rec,
            f"{display} row {line}: {len(row)} of {width} columns (row too short)",
            flag(FlagCode.SHORT_ROW),
        )
    if temperature:
        rec["meta"]["temperature_c"] = temperature
    try:
        rec["sampled_at"] = (
            fast_stamp if fast_stamp is not None else parse_datetime(_cell(row, ts_col))
        )
        rec["sample_date"] = rec["sampled_at"].date()
    except ValueError as exc:
        reject(
            rec,
            f"{where(display, line, 'timestamp')}: {exc}",
            flag(FlagCode.UNPARSEABLE, "timestamp"),
        )
        unparsed(rec, "sampled_at")
    try:
        rec["value"] = fast_value if fast_value is not None else parse_number(_cell(row, ph_col))
    except ValueError as exc:
        reject(rec, f"{where(display, line, 'ph')}: {exc}", flag(FlagCode.UNPARSEABLE, "value"))
        unparsed(rec, "value")
    if rec["value"] is None and "value" not in rec.get("_unparsed", ()):
        reject(rec, f"{where(display, line, 'ph')}: ph is missing", flag(FlagCode.MISSING, "value"))
        unparsed(rec, "value")
    if not site:
        reject(
            rec,
            f"unknown sensor id {sensor!r} (not in ph_sensors)",
            flag(FlagCode.UNKNOWN_SENSOR),
        )
    return rec


def _column(body: list[tuple[int, list[str]]], column: int | None) -> list[str]:
    """The stripped text of ``column`` in every row (see :func:`_cell`)."""
    if column is None:
        return [""] * len(body)
    return [row[column].strip() if column < len(row) else "" for _, row in body]


def _cell(row: list[str], column: int | None) -> str:
    """The stripped text of ``row[column]``; empty when the column is absent or the row short."""
    return row[column].strip() if column is not None and column < len(row) else ""


#: ``2025-04-01 00:00:00`` / ``2025-04-01T00:00:00``: the timestamps read column-wise (every
#: other form, and a day that does not exist, goes through :func:`parse_datetime` one by one).
_ISO_SECONDS = r"^\d{4}-(0[1-9]|1[0-2])-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
#: ``7.2`` / ``-0.5`` / ``12``: the numbers read column-wise (commas, exponents, blanks and
#: text go through :func:`parse_number` one by one).
_DECIMAL = r"^[+-]?\d+(\.\d+)?$"


def _fast_timestamps(texts: list[str]) -> list[dt.datetime | None]:
    """``texts`` in :data:`_ISO_SECONDS` form as timestamps in one vectorised pass, the same
    ``datetime`` as :func:`parse_datetime` gives; None for any other text (parsed row by row)."""
    import polars as pl

    column = pl.Series(texts, dtype=pl.String)
    parsed = column.str.replace(" ", "T", literal=True).str.to_datetime(
        "%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False
    )
    result: list[dt.datetime | None] = (
        pl.select(pl.when(column.str.contains(_ISO_SECONDS)).then(parsed)).to_series().to_list()
    )
    return result


def _fast_numbers(texts: list[str]) -> list[float | None]:
    """``texts`` in :data:`_DECIMAL` form as floats in one vectorised pass (correctly rounded,
    as ``float()``); None for any other text (parsed row by row)."""
    import polars as pl

    column = pl.Series(texts, dtype=pl.String)
    result: list[float | None] = (
        pl.select(
            pl.when(column.str.contains(_DECIMAL)).then(column.cast(pl.Float64, strict=False))
        )
        .to_series()
        .to_list()
    )
    return result
