"""The fast paths of ingest give what the reference paths give: pH cells read column-wise vs
one by one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from weir.mrv.pipeline.step1_ingest.parsers.common import parse_datetime, parse_number
from weir.mrv.pipeline.step1_ingest.sources import ph as ingest_ph
from weir.mrv.rules import FlagCode, flag
from weir.mrv.settings import MrvSettings

STAMPS = [
    "2025-04-01 00:00:00",
    "2025-04-01T23:59:59",
    "2025-02-30 00:00:00",  # no such day
    "2025-04-01 24:00:00",
    "2025-04-01 00:00:60",  # leap second: Python refuses it
    "2025-04-01 00:00:00.5",
    "2025-04-01 00:00",
    "2025-04-01T00:00:00Z",
    "2025-04-01T02:00:00+02:00",
    "04/01/2025 08:30",
    "2025-4-1 0:0:0",
    "",
    "yesterday",
]
NUMBERS = ["7.20", "7", "+7.5", "-0.0", "007.10", "7,5", "1,234.5", "1e1", ".5", "7.", "", "x"]


def _reference(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        return "error"


def test_fast_timestamps_equal_parse_datetime_or_defer() -> None:
    fast = ingest_ph._fast_timestamps(STAMPS)
    assert fast[:2] == [dt.datetime(2025, 4, 1), dt.datetime(2025, 4, 1, 23, 59, 59)]
    assert fast[2:] == [None] * (len(STAMPS) - 2)  # each read by parse_datetime
    for text, value in zip(STAMPS, fast, strict=True):
        if value is not None:
            assert value == parse_datetime(text)
    assert [_reference(parse_datetime, t) for t in STAMPS[2:6]] == ["error"] * 3 + [
        dt.datetime(2025, 4, 1, 0, 0, 0, 500000)
    ]


def test_fast_numbers_equal_parse_number_or_defer() -> None:
    fast = ingest_ph._fast_numbers(NUMBERS)
    assert fast == [7.2, 7.0, 7.5, -0.0, 7.1, None, None, None, None, None, None, None]
    for text, value in zip(NUMBERS, fast, strict=True):
        if value is not None:
            assert value == parse_number(text)


def test_ph_file_rows_the_same_as_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "ph_PHA1.csv"
    path.write_text(
        "timestamp,sensor_id,ph,temperature_c\n"
        + "".join(f'{t},PHA1,"{n}",16.1\n' for t, n in zip(STAMPS, NUMBERS * 2, strict=False)),
        encoding="utf-8",
    )
    parsed = ingest_ph.parse(path, "ph_PHA1.csv", MrvSettings())
    by_line = {r["source_row"]: r for r in parsed.records}
    for line, (text, number) in enumerate(zip(STAMPS, NUMBERS * 2, strict=False), 2):
        rec = by_line[line]
        stamp = _reference(parse_datetime, text)
        assert rec["sampled_at"] == (None if stamp == "error" else stamp)
        value = _reference(parse_number, number)
        assert rec["value"] == (None if value == "error" else value)
    assert by_line[4]["reject_reason"] == (
        "ph_PHA1.csv row 4, column timestamp: unrecognised timestamp '2025-02-30 00:00:00'"
    )
    assert by_line[7]["value"] == 7.5  # decimal comma
    assert by_line[13]["flags"] == [
        flag(FlagCode.UNPARSEABLE, "timestamp"),
        flag(FlagCode.UNPARSEABLE, "value"),
    ]


def test_common_ph_rows_built_as_checked_one_by_one(sample_dir: Path, tmp_path: Path) -> None:
    """Every row that takes the common-row path gets the record the checking path gives it:
    every row of the sample's pH files, and rows with what makes a row uncommon."""
    messy = tmp_path / "ph_PHA1.csv"
    messy.write_text(
        "timestamp,sensor_id,ph,temperature_c\n"
        "2025-04-01 00:00:00,PHA1,7.20,16.1\n"
        "2025-04-01 00:01:00,PHA1,7.21,\n"  # no temperature
        "2025-04-01 00:02:00,,7.22,16.0\n"  # sensor from the file name
        "2025-04-01 00:03:00,PHZ9,7.23,16.0\n"  # unknown sensor
        "2025-04-01 00:04:00,PHA1,7.24\n"  # short row
        "2025-04-01 00:05:00,PHA1,99.5,16.0\n",  # a spike: rejected by the contract later
        encoding="utf-8",
    )
    settings = MrvSettings()
    table = (ingest_ph.ALIASES, ingest_ph.REQUIRED)
    common = 0
    for path in [*sorted((sample_dir / "sensors").glob("ph_*.csv")), messy]:
        rows = ingest_ph.load(path, path.name)
        header = ingest_ph.find_header(rows, *table, path.name)
        cols, width = header.columns, len(header.labels)
        sites = {
            s: (v.partition(":")[0], v.partition(":")[2]) for s, v in settings.ph_sensors.items()
        }
        body = rows.rows[header.index + 1 :]
        stamps = ingest_ph._fast_timestamps(ingest_ph._column(body, cols["timestamp"]))
        values = ingest_ph._fast_numbers(ingest_ph._column(body, cols["ph"]))
        sensors = ingest_ph._column(body, cols.get("sensor_id"))
        temperatures = ingest_ph._column(body, cols.get("temperature_c"))
        for (line, row), stamp, value, sensor, temperature in zip(
            body, stamps, values, sensors, temperatures, strict=True
        ):
            sensor = sensor or path.stem.removeprefix("ph_")
            fast = ingest_ph._common_row(line, row, stamp, value, sensor, temperature, width, sites)
            if fast is not None:
                common += 1
                assert fast == ingest_ph._row(
                    line, row, stamp, value, sensor, temperature, header, path.name, settings
                )
            elif path == messy:
                assert line in (5, 6)  # unknown sensor, short row
    assert common > 40_000
