"""Freshness: how old is too old, one policy type for every system and the health checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from weir.core.durations import parse_duration
from weir.core.errors import BadInputError


class Freshness(StrEnum):
    """How fresh a last time is under a policy."""

    FRESH = "fresh"
    AGING = "aging"
    STALE = "stale"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FreshnessPolicy:
    """FRESH up to `warn_after`, AGING up to `fail_after`, STALE beyond; UNKNOWN without a time.

    Raises:
        BadInputError: `warn_after` is not shorter than `fail_after`.
    """

    warn_after: timedelta
    fail_after: timedelta

    def __post_init__(self) -> None:
        if not timedelta(0) < self.warn_after < self.fail_after:
            raise BadInputError(
                f"freshness policy: warn_after ({self.warn_after}) must be positive and shorter "
                f"than fail_after ({self.fail_after})"
            )

    @classmethod
    def parse(cls, warn_after: str | timedelta, fail_after: str | timedelta) -> FreshnessPolicy:
        """A policy from durations such as ``"1h"`` and ``"2h"``."""
        return cls(parse_duration(warn_after), parse_duration(fail_after))

    def evaluate(self, last: datetime | None, now: datetime | None = None) -> Freshness:
        """The freshness of `last` (a timezone-aware time) at `now` (default: now, UTC)."""
        if last is None:
            return Freshness.UNKNOWN
        age = (now or datetime.now(UTC)) - last
        if age <= self.warn_after:
            return Freshness.FRESH
        if age <= self.fail_after:
            return Freshness.AGING
        return Freshness.STALE
