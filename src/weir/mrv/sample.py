"""Deterministic generator of realistic, messy MRV sample inputs (April–July 2025).

Layout written under ``out``::

    lab/calcium.csv                 daily Ca per plant and location, lab metadata
    sensors/ph_PHA1.csv             minute-level pH, PLANT_A downstream probe
    sensors/ph_PHB1.csv             minute-level pH, PLANT_B downstream probe
    ops/plant_a/PlantA_Ops_2025-0{4,5,6}.xlsx     title rows, newline headers, notes row
    ops/plant_b/PlantB_Flows_2025-0{3..7}.xlsx   two-row merged headers, summary rows
    ops/plant_b/PlantB_Flows_2025-05_REV1.xlsx    later revision correcting May values

The messy cases are placed on fixed dates (see the ``*_DATES`` constants) so tests can assert
exact counts; only the measured values depend on the seed. Files are byte-identical for a seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from weir.core.cli import SampleSummary

START = dt.date(2025, 4, 1)
END = dt.date(2025, 7, 31)
PLANTS = ("PLANT_A", "PLANT_B")
#: (plant, location, date) lab rows that are missing from calcium.csv.
MISSING_CA = (
    ("PLANT_A", "upstream", dt.date(2025, 4, 17)),
    ("PLANT_A", "upstream", dt.date(2025, 5, 26)),
    ("PLANT_A", "downstream", dt.date(2025, 5, 26)),
    ("PLANT_B", "downstream", dt.date(2025, 6, 9)),
)
#: (plant, date) days where downstream Ca is below upstream (no removal: flagged INVALID).
NEGATIVE_DELTA = (("PLANT_A", dt.date(2025, 5, 8)), ("PLANT_B", dt.date(2025, 6, 18)))
DUPLICATED_ROW = ("PLANT_B", "upstream", dt.date(2025, 5, 6))
BELOW_DETECTION = ("PLANT_A", "downstream", dt.date(2025, 6, 24))
GRAMS_PER_LITRE = ("PLANT_B", "upstream", dt.date(2025, 4, 22))
#: Plant A days with a zero flow (meter offline) and a blank flow cell.
PLANT_A_ZERO_FLOW = dt.date(2025, 5, 19)
PLANT_A_BLANK_FLOW = dt.date(2025, 4, 9)
PLANT_B_BLANK_FLOW = dt.date(2025, 7, 4)
#: pH spikes (impossible values) per sensor.
PH_SPIKES = {
    "PHA1": ((dt.datetime(2025, 6, 4, 13, 7), 15.2), (dt.datetime(2025, 6, 6, 3, 41), 14.9)),
    "PHB1": ((dt.datetime(2025, 5, 9, 9, 30), 15.2),),
}
#: Probe deployments (start inclusive, end exclusive): each probe is installed for a week at a
#: time and moved between plants' campaigns, so together they span April–July 2025 while the
#: files stay small enough to ingest in seconds (4 months × 2 probes every minute would be
#: ~350 k rows).
PH_DEPLOYMENTS = {
    "PHA1": (
        (dt.datetime(2025, 4, 1), dt.datetime(2025, 4, 8)),
        (dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 8)),
    ),
    "PHB1": (
        (dt.datetime(2025, 5, 5), dt.datetime(2025, 5, 12)),
        (dt.datetime(2025, 7, 24), dt.datetime(2025, 8, 1)),
    ),
}
#: pH gaps (start inclusive, end exclusive).
PH_GAPS = {
    "PHA1": ((dt.datetime(2025, 6, 3, 2), dt.datetime(2025, 6, 3, 8)),),
    "PHB1": ((dt.datetime(2025, 7, 26, 12), dt.datetime(2025, 7, 27)),),
}
#: A re-sent chunk in the PHA1 export: these minutes appear twice.
PH_RESENT = (dt.datetime(2025, 6, 5, 10, 0), 30)
#: The shared gateway also forwarded PHA1's buffer into the PHB1 export: these PHA1 minutes
#: appear in both files; during the second window the forwarded values are off by +0.30.
PH_FORWARDED = (dt.datetime(2025, 6, 7, 0, 0), 120)
PH_FORWARDED_OFFSET = ((dt.datetime(2025, 6, 7, 0, 30), 10), 0.30)


@dataclass(frozen=True)
class PlantBFile:
    """One Plant B export: file name, covered period, prepared date, revision note."""

    name: str
    start: dt.date
    end: dt.date
    prepared: dt.date
    note: str = ""


PLANT_B_FILES = (
    PlantBFile(
        "PlantB_Flows_2025-03.xlsx", dt.date(2025, 3, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 2)
    ),
    PlantBFile(
        "PlantB_Flows_2025-04.xlsx", dt.date(2025, 3, 27), dt.date(2025, 4, 30), dt.date(2025, 5, 2)
    ),
    PlantBFile(
        "PlantB_Flows_2025-05.xlsx", dt.date(2025, 4, 28), dt.date(2025, 5, 31), dt.date(2025, 6, 3)
    ),
    PlantBFile(
        "PlantB_Flows_2025-06.xlsx", dt.date(2025, 6, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 2)
    ),
    PlantBFile(
        "PlantB_Flows_2025-07.xlsx", dt.date(2025, 6, 25), dt.date(2025, 7, 31), dt.date(2025, 8, 4)
    ),
    PlantBFile(
        "PlantB_Flows_2025-05_REV1.xlsx",
        dt.date(2025, 5, 1),
        dt.date(2025, 5, 31),
        dt.date(2025, 6, 20),
        "Revision 1: corrects effluent meter calibration 05/12-05/16",
    ),
)
#: Dates whose values differ between overlapping Plant B files (the later file wins).
PLANT_B_CONFLICTS = (dt.date(2025, 3, 29), *(dt.date(2025, 5, d) for d in range(12, 17)))
_FIXED_CREATED = dt.datetime(2025, 8, 5, 9, 0, 0)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def write_calcium(path: Path, rng: random.Random) -> None:
    """Write ``lab/calcium.csv`` with missing days, a duplicate, ``<0.5`` and a g/L value."""
    header = [
        "sample_id",
        "plant_id",
        "location",
        "parameter",
        "value",
        "unit",
        "sample_date",
        "sample_time",
        "analyst",
        "method",
        "detection_limit",
        "received_date",
        "notes",
    ]
    base = {"PLANT_A": 48.0, "PLANT_B": 62.0}
    missing = set(MISSING_CA)
    rows: list[list[str]] = []
    n = 0
    for day in _days(START, END):
        for plant in PLANTS:
            season = 3.0 * math.sin((day - START).days / 20.0)
            up = base[plant] + season + rng.gauss(0, 1.2)
            delta = rng.uniform(6.0, 12.0) if plant == "PLANT_A" else rng.uniform(4.0, 9.0)
            if (plant, day) in NEGATIVE_DELTA:
                delta = -round(rng.uniform(0.4, 1.5), 1)
            for location, value in (("upstream", up), ("downstream", up + delta)):
                if (plant, location, day) in missing:
                    continue
                n += 1
                unit, text, note = "mg/L", f"{value:.1f}", ""
                if (plant, location, day) == BELOW_DETECTION:
                    text, note = "<0.5", "sample diluted 1:100; re-run requested"
                if (plant, location, day) == GRAMS_PER_LITRE:
                    unit, text, note = "g/L", f"{value / 1000:.4f}", "reported by contract lab"
                received = day + dt.timedelta(days=rng.randint(1, 4))
                row = [
                    f"CA-{day:%y%m%d}-{plant[-1]}{location[0].upper()}-{n:04d}",
                    plant,
                    location,
                    "calcium",
                    text,
                    unit,
                    day.isoformat(),
                    f"{rng.randint(7, 10):02d}:{rng.choice((0, 15, 30, 45)):02d}",
                    rng.choice(("JO", "MK", "RT")),
                    "EPA 200.7 (ICP-OES)",
                    "0.5",
                    received.isoformat(),
                    note,
                ]
                rows.append(row)
                if (plant, location, day) == DUPLICATED_ROW:
                    rows.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _in(ts: dt.datetime, window: tuple[dt.datetime, int]) -> bool:
    return window[0] <= ts < window[0] + dt.timedelta(minutes=window[1])


def write_ph(folder: Path, rng: random.Random) -> None:
    """Write two minute-level pH sensor exports with gaps, spikes and overlapping timestamps."""
    folder.mkdir(parents=True, exist_ok=True)
    forwarded: list[tuple[dt.datetime, str, float, str]] = []
    for sensor, deployments in PH_DEPLOYMENTS.items():
        spikes = dict(PH_SPIKES[sensor])
        gaps = PH_GAPS[sensor]
        fmt = "%Y-%m-%d %H:%M:%S" if sensor == "PHA1" else "%Y-%m-%dT%H:%M:%S"
        readings: list[tuple[dt.datetime, str, float, str]] = []
        level = 7.2 if sensor == "PHA1" else 7.05
        for start, end in deployments:
            ts = start
            while ts < end:
                if not any(a <= ts < b for a, b in gaps):
                    minute = ts.hour * 60 + ts.minute
                    level += rng.gauss(0, 0.004) - 0.01 * (level - 7.15)
                    value = level + 0.12 * math.sin(2 * math.pi * minute / 1440.0)
                    value = spikes.get(ts, value)
                    temp = 18.0 + 2.0 * math.sin(2 * math.pi * (minute - 300) / 1440.0)
                    readings.append((ts, sensor, round(value, 2), f"{temp:.1f}"))
                    if sensor == "PHA1" and _in(ts, PH_RESENT):
                        readings.append(readings[-1])
                    if sensor == "PHA1" and _in(ts, PH_FORWARDED):
                        offset = PH_FORWARDED_OFFSET[1] if _in(ts, PH_FORWARDED_OFFSET[0]) else 0
                        forwarded.append((ts, sensor, round(value + offset, 2), f"{temp:.1f}"))
                ts += dt.timedelta(minutes=1)
        if sensor == "PHB1":
            readings = sorted([*readings, *forwarded], key=lambda r: r[0])
        with (folder / f"ph_{sensor}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["timestamp", "sensor_id", "ph", "temperature_c"])
            writer.writerows((t.strftime(fmt), s, f"{v:.2f}", c) for t, s, v, c in readings)


def _workbook(path: Path) -> xlsxwriter.Workbook:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": _FIXED_CREATED, "author": "plant operations"})
    return wb


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def write_plant_a(folder: Path, rng: random.Random) -> None:
    """Write Plant A monthly logs (April–June): title rows, newline headers, a notes row."""
    headers = {
        "date": "Date",
        "eff": "Effluent\nFlow\n(MGD)",
        "max": "Max Effluent\nFlow\n(MGD)",
        "min": "Min Effluent\nFlow\n(MGD)",
        "bvol": "Bypass\nVolume\n(MG)",
        "bhrs": "Bypass\nDuration\n(hrs)",
        "op": "Operator\nInitials",
        "rem": "Remarks",
        "wx": "Weather",
    }
    orders = {
        4: ["date", "eff", "max", "min", "bvol", "bhrs", "op", "rem"],
        5: ["date", "eff", "max", "min", "bvol", "bhrs", "op", "rem"],
        6: ["date", "op", "min", "eff", "max", "bhrs", "bvol", "wx", "rem"],
    }
    for month, order in orders.items():
        first = dt.date(2025, month, 1)
        last = dt.date(2025, month + 1, 1) - dt.timedelta(days=1)
        wb = _workbook(folder / f"PlantA_Ops_2025-{month:02d}.xlsx")
        ws = wb.add_worksheet("Daily Log" if month != 5 else "MAY 2025")
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"bold": True, "text_wrap": True, "border": 1})
        date_fmt = wb.add_format({"num_format": "mm/dd/yyyy"})
        ws.write(0, 0, "CITY OF RIVERBEND - WASTEWATER TREATMENT PLANT A", bold)
        ws.write(1, 0, f"Monthly Operating Report: {first:%B %Y}")
        row = 3
        if month == 5:
            ws.write(2, 0, "Operator on duty: see initials column")
            row = 4
        for col, key in enumerate(order):
            ws.write(row, col, headers[key], wrap)
        for day in _days(first, last):
            row += 1
            eff = round(4.2 + 0.3 * math.sin(day.toordinal() / 5.0) + rng.gauss(0, 0.15), 3)
            storm = rng.random() < 0.06
            values: dict[str, object] = {
                "eff": eff,
                "max": round(eff * rng.uniform(1.25, 1.4), 3),
                "min": round(eff * rng.uniform(0.55, 0.7), 3),
                "bvol": round(rng.uniform(0.1, 0.5), 2) if storm else 0,
                "bhrs": round(rng.uniform(1, 6), 1) if storm else 0,
                "op": rng.choice(("JO", "MK", "RT", "AL")),
                "rem": "storm event, bypass opened" if storm else "",
                "wx": "rain" if storm else rng.choice(("clear", "cloudy")),
            }
            if day == PLANT_A_ZERO_FLOW:
                values.update(eff=0, rem="effluent meter offline")
            if day == PLANT_A_BLANK_FLOW:
                values.update(eff=None, rem="no reading - chart recorder jammed")
            for col, key in enumerate(order):
                if key == "date":
                    if month == 4:
                        ws.write_datetime(row, col, dt.datetime.combine(day, dt.time()), date_fmt)
                    elif month == 5:
                        ws.write_string(row, col, f"{day:%m/%d/%Y}")
                    else:
                        ws.write_number(row, col, _excel_serial(day))
                elif values[key] is None or values[key] == "":
                    continue
                elif isinstance(values[key], str):
                    ws.write_string(row, col, str(values[key]))
                else:
                    ws.write_number(row, col, float(values[key]))  # type: ignore[arg-type]
        ws.write(row + 2, 0, "Notes: flows from effluent magnetic meter FM-2; reviewed by J. Ortiz")
        wb.close()


def _plant_b_flow(day: dt.date, rng_seed: int) -> tuple[float, float]:
    r = random.Random(rng_seed * 100_003 + day.toordinal())
    eff = round(6.5 + 0.4 * math.sin(day.toordinal() / 7.0) + r.gauss(0, 0.2), 3)
    return eff, round(eff * r.uniform(1.01, 1.06), 3)


def write_plant_b(folder: Path, seed: int) -> None:
    """Write Plant B exports: two-row merged headers, empty rows, TOTAL/MAX/MIN/AVG rows."""
    for spec in PLANT_B_FILES:
        wb = _workbook(folder / spec.name)
        ws = wb.add_worksheet("Flows")
        hdr = wb.add_format({"bold": True, "align": "center", "border": 1})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write(0, 0, "PLANT B DAILY FLOW SUMMARY", hdr)
        ws.write(1, 0, f"Prepared: {spec.prepared.isoformat()}")
        if spec.note:
            ws.write(1, 3, spec.note)
        ws.merge_range(3, 0, 4, 0, "Date", hdr)
        ws.merge_range(3, 1, 3, 2, "Effluent", hdr)
        ws.merge_range(3, 3, 3, 4, "Influent", hdr)
        for col, label in enumerate(("Flow (MGD)", "Temp (°C)", "Flow (MGD)", "BOD (mg/L)"), 1):
            ws.write(4, col, label, hdr)
        row = 4
        effs: list[float] = []
        text_dates = spec.name.endswith("06.xlsx")
        for i, day in enumerate(_days(spec.start, spec.end)):
            row += 1
            if i % 9 == 8:
                row += 1  # an empty row now and then
            eff, inf = _plant_b_flow(day, seed)
            if spec.name.endswith("04.xlsx") and day == dt.date(2025, 3, 29):
                eff = round(eff + 0.8, 3)  # differs from the March file: a conflict
            if spec.note and dt.date(2025, 5, 12) <= day <= dt.date(2025, 5, 16):
                eff = round(eff * 0.95, 3)  # the revision's corrected values
            if text_dates:
                ws.write_string(row, 0, day.isoformat())
            else:
                ws.write_datetime(row, 0, dt.datetime.combine(day, dt.time()), date_fmt)
            if day == PLANT_B_BLANK_FLOW:
                continue
            effs.append(eff)
            r = random.Random(seed + day.toordinal())
            ws.write_number(row, 1, eff)
            ws.write_number(row, 2, round(r.uniform(16, 24), 1))
            ws.write_number(row, 3, inf)
            ws.write_number(row, 4, round(r.uniform(150, 260)))
        row += 1
        for label, value in (
            ("TOTAL", sum(effs)),
            ("MAX", max(effs)),
            ("MIN", min(effs)),
            ("AVG", sum(effs) / len(effs)),
        ):
            row += 1
            ws.write_string(row, 0, label)
            ws.write_number(row, 1, round(value, 3))
        wb.close()


def generate(out: Path, seed: int = 7) -> list[Path]:
    """Write the complete sample input tree for ``seed``; return the files written."""
    rng = random.Random(seed)
    write_calcium(out / "lab" / "calcium.csv", random.Random(rng.getrandbits(64)))
    write_ph(out / "sensors", random.Random(rng.getrandbits(64)))
    write_plant_a(out / "ops" / "plant_a", random.Random(rng.getrandbits(64)))
    write_plant_b(out / "ops" / "plant_b", seed)
    return sorted(p for p in out.rglob("*") if p.is_file())


def sample(out: Path, seed: int) -> SampleSummary:
    """Write deterministic, messy MRV sample inputs (lab CSV, pH CSVs, ops Excel)."""
    files = generate(out, seed)
    return SampleSummary(
        root=out,
        files=len(files),
        messy={
            "missing lab rows": len(MISSING_CA),
            "negative Ca deltas (INVALID days)": len(NEGATIVE_DELTA),
            "duplicated lab row": 1,
            "below detection limit": 1,
            "value in g/L instead of mg/L": 1,
            "zero or blank flows": 3,
            "pH spikes": sum(len(spikes) for spikes in PH_SPIKES.values()),
            "pH gaps": sum(len(gaps) for gaps in PH_GAPS.values()),
            "re-sent and forwarded pH minutes": PH_RESENT[1] + PH_FORWARDED[1],
            "revised ops workbook": 1,
        },
        figures={"from": START.isoformat(), "to": END.isoformat(), "plants": len(PLANTS)},
    )
