"""Unit conversions and derivations to canonical variables (config-driven, no per-variable code).

A canonical variable names a derivation (``convert``, ``rate_to_amount``, ``vector_speed``,
``vector_direction``) and canonical units; a source names native units. Linear conversions are one
table of (from, to) → (scale, offset), with spelling aliases.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from weir.core.errors import BadInputError

ALIASES = {
    "k": "K",
    "kelvin": "K",
    "degc": "degC",
    "°c": "degC",
    "c": "degC",
    "degree_celsius": "degC",
    "celsius": "degC",
    "m": "m",
    "cm": "cm",
    "mm": "mm",
    "kg m-2": "mm",
    "kg m**-2": "mm",
    "kg m-2 s-1": "kg m-2 s-1",
    "kg m**-2 s**-1": "kg m-2 s-1",
    "mm s-1": "kg m-2 s-1",
    "m s-1": "m s-1",
    "m/s": "m s-1",
    "m s**-1": "m s-1",
    "degree": "degree",
    "degrees": "degree",
}
# (from, to) → (scale, offset): canonical = native * scale + offset
LINEAR = {
    ("K", "degC"): (1.0, -273.15),
    ("m", "cm"): (100.0, 0.0),
    ("m", "mm"): (1000.0, 0.0),
    ("cm", "mm"): (10.0, 0.0),
}


def canonical_unit(units: str) -> str:
    """The one spelling of `units` (``degree_Celsius`` → ``degC``, ``kg m**-2`` → ``mm``)."""
    return ALIASES.get(units.strip().lower(), units.strip())


def convert(values: NDArray[np.floating], native: str, target: str) -> NDArray[np.float64]:
    """Linear unit conversion.

    Raises:
        BadInputError: no conversion from `native` to `target` is known.
    """
    src, dst = canonical_unit(native), canonical_unit(target)
    data = np.asarray(values, dtype="float64")
    if src == dst:
        return data
    if (src, dst) not in LINEAR:
        raise BadInputError(f"no unit conversion from {native!r} to {target!r}", field="units")
    scale, offset = LINEAR[(src, dst)]
    return data * scale + offset


def rate_to_amount(
    rate: NDArray[np.floating], native: str, target: str, lead_hours: NDArray[np.floating]
) -> NDArray[np.float64]:
    """A rate (kg m-2 s-1, i.e. mm s-1) over the step ending at each lead → amount per step.

    The last axis of `rate` is lead time. The step ending at lead i lasts lead[i] - lead[i-1]
    hours; lead 0 has no step and gives NaN.

    Raises:
        BadInputError: the native units are not a rate in kg m-2 s-1.
    """
    if canonical_unit(native) != "kg m-2 s-1":
        raise BadInputError(f"rate_to_amount needs kg m-2 s-1, got {native!r}", field="units")
    steps = np.diff(np.asarray(lead_hours, dtype="float64"), prepend=np.nan) * 3600.0
    amount = np.asarray(rate, dtype="float64") * steps
    return convert(amount, "mm", target)


def vector_speed(u: NDArray[np.floating], v: NDArray[np.floating]) -> NDArray[np.float64]:
    """Speed from components: sqrt(u² + v²)."""
    speed: NDArray[np.float64] = np.hypot(
        np.asarray(u, dtype="float64"), np.asarray(v, dtype="float64")
    )
    return speed


def vector_direction(u: NDArray[np.floating], v: NDArray[np.floating]) -> NDArray[np.float64]:
    """Meteorological direction the wind blows from, degrees in [0, 360): a wind from the north
    (v < 0) is 0°, from the west (u > 0) is 270°."""
    u64, v64 = np.asarray(u, dtype="float64"), np.asarray(v, dtype="float64")
    direction: NDArray[np.float64] = np.mod(np.degrees(np.arctan2(-u64, -v64)), 360.0)
    return direction
