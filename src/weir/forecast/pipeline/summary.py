"""Ensemble summaries: boxplot-ready quantiles per valid time, NaN members excluded."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from weir.forecast.models import QUANTILES


def summarize(members: NDArray[np.floating]) -> dict[str, NDArray[np.float64]]:
    """Quantiles over axis 0 (members) of a (member, lead) array.

    Quantiles interpolate linearly between order statistics (NumPy's default, ``linear``);
    NaN members are excluded and not counted. A lead with no finite member gives NaN quantiles
    and member_count 0.

    Returns:
        ``min``, ``q10``, ``q25``, ``median``, ``q75``, ``q90``, ``max`` (float64) and
        ``member_count`` (int64), each one value per lead.
    """
    data = np.asarray(members, dtype="float64")
    with warnings.catch_warnings():  # all-NaN leads give NaN, which is what we want
        warnings.simplefilter("ignore", RuntimeWarning)
        values = np.nanquantile(data, list(QUANTILES.values()), axis=0)
    out: dict[str, NDArray[np.float64]] = {
        name: values[index] for index, name in enumerate(QUANTILES)
    }
    out["member_count"] = np.isfinite(data).sum(axis=0).astype("int64")
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
