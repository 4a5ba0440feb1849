"""Ensemble summaries: boxplot-ready quantiles per valid time, NaN members excluded."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from weir.forecast.models import QUANTILES


def _lerp(
    a: NDArray[np.float64], b: NDArray[np.float64], t: NDArray[np.float64]
) -> NDArray[np.float64]:
    """NumPy's own interpolation between order statistics (exact same rounding)."""
    diff = b - a
    out = a + diff * t
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


def summarize(members: NDArray[np.floating]) -> dict[str, NDArray[np.float64]]:
    """Quantiles over axis 0 (members) of a (member, ...) array, e.g. (member, lead).

    Quantiles interpolate linearly between order statistics, exactly as ``numpy.quantile``'s
    default ``linear`` method on the finite members; NaN members are excluded and not counted.
    A cell with no finite member gives NaN quantiles and member_count 0. Vectorised: one sort
    for every lead and point at once.

    Returns:
        ``min``, ``q10``, ``q25``, ``median``, ``q75``, ``q90``, ``max`` (float64) and
        ``member_count`` (int64), each shaped like the array without its first axis.
    """
    data = np.sort(np.asarray(members, dtype="float64"), axis=0)  # NaN sort last
    count = np.isfinite(data).sum(axis=0)
    last = np.maximum(count - 1, 0)
    out: dict[str, NDArray[np.float64]] = {}
    for name, q in QUANTILES.items():
        position = q * last
        low = np.floor(position).astype("int64")
        high = np.minimum(low + 1, last)
        a = np.take_along_axis(data, low[None], axis=0)[0]
        b = np.take_along_axis(data, high[None], axis=0)[0]
        value = _lerp(a, b, position - low)
        out[name] = np.where(count > 0, value, np.nan)
    out["member_count"] = count.astype("int64")
    return out


def exceedance(members: NDArray[np.floating], threshold: float, above: bool) -> NDArray[np.float64]:
    """Share of finite members above (or below) `threshold`, per lead; NaN with no member."""
    data = np.asarray(members, dtype="float64")
    finite = np.isfinite(data)
    hits = (data > threshold) if above else (data < threshold)
    count = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (hits & finite).sum(axis=0) / count
    return np.where(count > 0, share, np.nan)
