"""Durations written the way people write them: ``90``, ``30s``, ``5m``, ``2h``, ``7d``."""

from __future__ import annotations

import re
from datetime import timedelta

from weir.core.errors import BadInputError

_UNITS = {"": 1, "ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?")


def parse_duration(text: str | float | int | timedelta, *, allow_zero: bool = False) -> timedelta:
    """``"30s"`` → 30 seconds; a bare number is seconds; a timedelta passes through.

    Raises:
        BadInputError: anything else, or a negative duration (or zero, unless allowed).
    """
    if isinstance(text, timedelta):
        value = text
    elif isinstance(text, int | float) and not isinstance(text, bool):
        value = timedelta(seconds=text)
    else:
        match = _PATTERN.fullmatch(str(text).strip())
        if not match:
            raise BadInputError(f'invalid duration "{text}": use a number with s, m, h or d (30s)')
        value = timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or ""])
    if value < timedelta(0) or (value == timedelta(0) and not allow_zero):
        raise BadInputError(f'invalid duration "{text}": it must be longer than zero')
    return value


def format_duration(value: timedelta | float) -> str:
    """A short human form: ``42s``, ``5m``, ``3h 12m``, ``2d 4h``."""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m" if not seconds else f"{minutes}m {seconds}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h" if not minutes else f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d" if not hours else f"{days}d {hours}h"
