"""Deterministic sample gold data of a DAC plant, messy cases included.

Writes the gold layer the publish job reads, hive-partitioned by day::

    readings/date=YYYY-MM-DD/part-0.parquet        timestamp, metric, value, unit
    machine_status/date=YYYY-MM-DD/part-0.parquet  timestamp, unit_id, status

One reading per metric per minute (the nine metrics of the seed's ``current_snapshot.csv``),
one status row per unit every 5 minutes. Realistic: diurnal weather, batchy storage transfers
near 786 kg/h, ``tonnes_removed_total`` the running sum of the liquefaction flow. Messy: a plant
outage, a gap with no rows, a stuck CO₂ sensor, out-of-range values (humidity 140, temperature
−80), a NaN, duplicated rows and a late-arriving file for an earlier day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from weir.core.cli import SampleSummary
from weir.core.errors import BadInputError

METRICS = (
    ("temperature", "celsius"),
    ("humidity", "percent"),
    ("air_quality", "AQI"),
    ("ambient_co2", "ppm"),
    ("liquefaction_flow", "kg/h"),
    ("tank_flow", "kg/h"),
    ("storage_flow", "kg/h"),
    ("removal_efficiency", "percent"),
    ("tonnes_removed_total", "tonnes"),
)
START_TONNES = 12.0
TRANSFER_KGH = 786.0
STATUS_EVERY_MINUTES = 5
# messy cases: minutes before the end (clamped into short samples)
OUTAGE_AT, OUTAGE_MINUTES = 30 * 60, 5 * 60
GAP_AT, GAP_MINUTES = 20 * 60, 90
STUCK_AT, STUCK_MINUTES = 12 * 60, 180
OUT_OF_RANGE_AT = 6 * 60
NAN_AT = 3 * 60
DUPLICATES_AT, DUPLICATE_MINUTES = 2 * 60, 10


def _end(text: str | None) -> datetime:
    if text is None:
        now = datetime.now(UTC)
    else:
        try:
            now = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadInputError(f"not an ISO 8601 time: {text!r}", field="--end") from exc
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def _signals(minutes: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each metric's values at each minute (epoch minutes), before the messy cases."""
    n = len(minutes)
    hour = (minutes % 1440) / 60.0
    day = 2 * np.pi * (hour - 9) / 24
    noise = rng.normal
    liquefaction = np.clip(160 + 20 * np.sin(4 * np.pi * hour / 24) + noise(0, 5, n), 0, None)
    storage = np.where(((minutes // 60) % 6 == 0) & (minutes % 60 < 20), 1.0, 0.0)
    return {
        "temperature": 15 + 6 * np.sin(day) + noise(0, 0.3, n),
        "humidity": np.clip(65 - 15 * np.sin(day) + noise(0, 2, n), 20, 99),
        "air_quality": np.clip(np.round(25 + 8 * np.sin(day + 1) + noise(0, 2, n)), 5, None),
        "ambient_co2": 422 + 8 * np.sin(day - 0.8) + noise(0, 1.5, n),
        "liquefaction_flow": liquefaction,
        "tank_flow": np.clip(0.4 * liquefaction + noise(0, 3, n), 0, None),
        "storage_flow": storage * (TRANSFER_KGH + noise(0, 3, n)),
        "removal_efficiency": np.clip(77 + 4 * np.sin(day) + noise(0, 1.5, n), 0, 100),
    }


def _at(n: int, minutes_before_end: int, fraction: float) -> int:
    """Index of a messy case: that many minutes before the end, or a fraction into short data."""
    return n - minutes_before_end if minutes_before_end < n * 0.9 else int(n * fraction)


def generate(out: Path, *, days: int, seed: int, end: datetime) -> SampleSummary:
    """Write the sample gold layer into `out` (see the module docstring)."""
    import pyarrow as pa

    if days < 1:
        raise BadInputError("must be at least 1", field="--days")
    rng = np.random.default_rng(seed)
    n = days * 1440
    end_minute = int(end.timestamp()) // 60
    minutes = np.arange(end_minute - n + 1, end_minute + 1, dtype=np.int64)
    values = _signals(minutes, rng)
    outage = _at(n, OUTAGE_AT, 0.2)
    down = slice(outage, outage + OUTAGE_MINUTES)
    for name in ("liquefaction_flow", "tank_flow", "storage_flow", "removal_efficiency"):
        values[name][down] = 0.0
    values["tonnes_removed_total"] = START_TONNES + np.cumsum(values["liquefaction_flow"]) / 60e3
    stuck = _at(n, STUCK_AT, 0.5)
    values["ambient_co2"][stuck : stuck + STUCK_MINUTES] = values["ambient_co2"][stuck]
    bad = _at(n, OUT_OF_RANGE_AT, 0.6)
    values["humidity"][bad] = 140.0
    values["temperature"][bad + 7] = -80.0
    values["removal_efficiency"][_at(n, NAN_AT, 0.7)] = np.nan

    m = len(METRICS)
    keep = np.ones(n, dtype=bool)
    gap = _at(n, GAP_AT, 0.4)
    keep[gap : gap + GAP_MINUTES] = False
    stamp = np.repeat(minutes[keep] * 60_000_000, m)
    metric = np.tile(np.array([name for name, _ in METRICS]), keep.sum())
    unit = np.tile(np.array([unit for _, unit in METRICS]), keep.sum())
    value = np.stack([values[name][keep] for name, _ in METRICS], axis=1).reshape(-1)
    dup = _at(n, DUPLICATES_AT, 0.8)
    dup_rows = np.arange(dup * m, (dup + DUPLICATE_MINUTES) * m) - (~keep[:dup]).sum() * m
    table = pa.table(
        {
            "timestamp": pa.array(stamp, pa.timestamp("us", tz="UTC")),
            "metric": metric,
            "value": value,
            "unit": unit,
        }
    )
    table = pa.concat_tables([table, table.take(dup_rows)])
    status = _machine_status(minutes, outage, rng)
    files = _write_days(out / "readings", table, late=days >= 2)
    files += _write_days(out / "machine_status", status, late=False)
    return SampleSummary(
        root=out,
        files=files,
        messy={
            "outage_minutes": OUTAGE_MINUTES,
            "gap_minutes": GAP_MINUTES,
            "stuck_sensor_minutes": STUCK_MINUTES,
            "out_of_range": 2,
            "nan": 1,
            "duplicated_rows": len(dup_rows),
            "late_files": 1 if days >= 2 else 0,
        },
        figures={"days": days, "readings": table.num_rows, "status_rows": status.num_rows},
    )


def _machine_status(minutes: np.ndarray, outage: int, rng: np.random.Generator) -> Any:
    import pyarrow as pa

    n = len(minutes)
    at = np.arange(0, n, STATUS_EVERY_MINUTES)
    stamps, units, statuses = [], [], []
    for k, unit in enumerate(("DAC-01", "DAC-02", "DAC-03", "DAC-04")):
        status = np.full(len(at), "running", dtype=object)
        if k == 2:  # DAC-03 idles a few hours a day
            status[(minutes[at] % 1440) // 60 % 8 == 3] = "idle"
        in_outage = (at >= outage) & (at < outage + OUTAGE_MINUTES)
        status[in_outage] = "fault"
        status[in_outage & (at >= outage + 120)] = "maintenance"
        if k == 3:  # DAC-04 in maintenance over the last 8 hours
            status[at >= n - 8 * 60] = "maintenance"
        flip = rng.random(len(at)) < 0.002  # a rare fault blip
        status[flip & (status == "running")] = "fault"
        stamps.append(minutes[at] * 60_000_000)
        units.append(np.full(len(at), unit, dtype=object))
        statuses.append(status)
    table = pa.table(
        {
            "timestamp": pa.array(np.concatenate(stamps), pa.timestamp("us", tz="UTC")),
            "unit_id": pa.array(np.concatenate(units), pa.string()),
            "status": pa.array(np.concatenate(statuses), pa.string()),
        }
    )
    return table.sort_by([("timestamp", "ascending"), ("unit_id", "ascending")])


def _write_days(root: Path, table: Any, *, late: bool) -> int:
    """One file per day; with `late`, hour 03 of the second-to-last day as a separate file."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    dates = pc.strftime(table["timestamp"], format="%Y-%m-%d")
    days = sorted(set(dates.to_pylist()))
    written = 0
    for day in days:
        part = table.filter(pc.equal(dates, day))
        folder = root / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        if late and day == days[-2]:
            hours = pc.hour(part["timestamp"])
            pq.write_table(part.filter(pc.equal(hours, 3)), folder / "late-arrival.parquet")
            part = part.filter(pc.not_equal(hours, 3))
            written += 1
        pq.write_table(part, folder / "part-0.parquet")
        written += 1
    return written


def sample(
    out: Path,
    seed: int,
    days: Annotated[int, typer.Option(min=1, help="Days of minute data.")] = 7,
    end: Annotated[str | None, typer.Option(help="Last minute, ISO 8601 (default: now).")] = None,
) -> SampleSummary:
    """Sample DAC gold-layer Parquet (readings and machine status), messy cases included."""
    return generate(out, days=days, seed=seed, end=_end(end))
