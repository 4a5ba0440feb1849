"""Daily pH statistics per plant and location: mean, min, max, coverage and spikes.

Coverage is the share of the day's 1440 minutes with a valid reading (distinct timestamps);
spikes are the readings rejected as physically impossible (outside 0–14), found by their
``spike`` flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from weir.mrv.models import LabReading
from weir.mrv.rules import FlagCode, RowStatus, has_flag

MINUTES_PER_DAY = 1440
#: Days below this coverage (%) get a QA finding.
MIN_COVERAGE_PCT = 90.0


@dataclass(frozen=True)
class PhDay:
    """pH statistics of one plant, location and day."""

    plant_id: str
    location: str
    date: dt.date
    mean: float | None
    min: float | None
    max: float | None
    readings: int
    coverage_pct: float
    spikes: int


def daily_ph(
    session: Session,
    plant: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[PhDay]:
    """Daily pH statistics of live pH readings, optionally filtered."""
    live = and_(LabReading.parameter == "ph", LabReading.superseded_by_run_id.is_(None))
    valid = LabReading.status == RowStatus.VALID
    spike = and_(LabReading.status != RowStatus.VALID, has_flag(LabReading.flags, FlagCode.SPIKE))
    query = (
        select(
            LabReading.plant_id,
            LabReading.location,
            LabReading.sample_date,
            func.avg(case((valid, LabReading.value))),
            func.min(case((valid, LabReading.value))),
            func.max(case((valid, LabReading.value))),
            func.count(func.distinct(case((valid, LabReading.sampled_at)))),
            func.sum(case((spike, 1), else_=0), type_=Integer),
        )
        .where(live, LabReading.plant_id.is_not(None), LabReading.sample_date.is_not(None))
        .group_by(LabReading.plant_id, LabReading.location, LabReading.sample_date)
        .order_by(LabReading.plant_id, LabReading.location, LabReading.sample_date)
    )
    if plant:
        query = query.where(LabReading.plant_id == plant)
    if start:
        query = query.where(LabReading.sample_date >= start)
    if end:
        query = query.where(LabReading.sample_date <= end)
    out = []
    for p, loc, day, mean, lo, hi, n, spikes in session.execute(query):
        out.append(
            PhDay(
                p,
                loc or "",
                day,
                float(mean) if mean is not None else None,
                lo,
                hi,
                int(n),
                round(100.0 * int(n) / MINUTES_PER_DAY, 2),
                int(spikes or 0),
            )
        )
    return out
