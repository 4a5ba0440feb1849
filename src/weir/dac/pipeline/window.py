"""The time window of one publication and what an engine computes for it (engine-neutral)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from weir.dac.models import SUMMARY_DAYS, TREND_HOURS

EXCLUSION_REASONS = ("unknown_metric", "unit_mismatch", "nan", "out_of_range", "duplicate")


@dataclass(frozen=True)
class Window:
    """The periods a publication at `as_of` covers.

    Attributes:
        as_of: Publication time; readings after it are ignored.
        first_day: First day of the daily summary (and of the partitions read).
        trend_start: Start of the first of the 48 whole hours before `as_of`.
        trend_end: End of the last whole hour (``as_of`` floored to the hour).
    """

    as_of: datetime
    first_day: date
    trend_start: datetime
    trend_end: datetime

    @classmethod
    def at(cls, as_of: datetime) -> Window:
        """The window of a publication at `as_of` (UTC)."""
        as_of = as_of.astimezone(UTC)
        trend_end = as_of.replace(minute=0, second=0, microsecond=0)
        return cls(
            as_of=as_of,
            first_day=as_of.date() - timedelta(days=SUMMARY_DAYS - 1),
            trend_start=trend_end - timedelta(hours=TREND_HOURS),
            trend_end=trend_end,
        )

    @property
    def last_day(self) -> date:
        """Last day read (the day of `as_of`)."""
        return self.as_of.date()

    @property
    def start(self) -> datetime:
        """Earliest reading considered (midnight of `first_day`)."""
        return datetime(self.first_day.year, self.first_day.month, self.first_day.day, tzinfo=UTC)


@dataclass
class Outputs:
    """What an engine computes; values are unrounded floats, times UTC datetimes.

    Attributes:
        snapshot: (timestamp, metric, value, unit) per metric, then the machine counts.
        trends: (hour, metric, start, end, min, max, mean), by hour then config order.
        daily: (date, metric, mean, min, max, count), by date then config order.
        machines: (unit_id, status, since), by unit.
        rows_in_window: Readings between the window start and `as_of`.
        excluded: Reason → readings excluded in the window.
        excluded_recent: Readings excluded within the 48 trend hours.
        gap_hours: Trend hours with no valid reading of any metric.
        latest: Metric → time of its latest valid reading.
    """

    snapshot: list[tuple[datetime, str, float, str]] = field(default_factory=list)
    trends: list[tuple[datetime, str, float, float, float, float, float]] = field(
        default_factory=list
    )
    daily: list[tuple[date, str, float, float, float, int]] = field(default_factory=list)
    machines: list[tuple[str, str, datetime]] = field(default_factory=list)
    rows_in_window: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    excluded_recent: int = 0
    gap_hours: int = 0
    latest: dict[str, datetime] = field(default_factory=dict)
