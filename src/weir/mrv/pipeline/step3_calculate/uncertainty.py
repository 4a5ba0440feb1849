"""Conservative CO₂ estimate: Monte Carlo over measurement uncertainty.

Each draw perturbs every day's upstream Ca, downstream Ca and effluent flow independently with
normal relative errors (``ca_rel_uncertainty``, ``flow_rel_uncertainty``, 1 σ), recomputes the
seed's formula and sums the period. The estimate reports the mean and a conservative lower
percentile (default P16 ≈ mean − 1 σ) of the period total. Only VALID days are credited.
The generator is seeded, so a given input and settings always give the same numbers.
Limitation: errors are independent per day; a systematic meter bias is not modelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from weir.mrv.pipeline.step3_calculate.formula import T_PER_MG_L_MGD


@dataclass(frozen=True)
class McEstimate:
    """Monte Carlo estimate of a period total (t CO₂)."""

    deterministic_t: float
    mean_t: float
    conservative_t: float
    percentile: float
    draws: int
    seed: int


def monte_carlo_total(
    upstream: Sequence[float],
    downstream: Sequence[float],
    flow_mgd: Sequence[float],
    *,
    ca_rel: float,
    flow_rel: float,
    mol_co2_per_mol_ca: float | Sequence[float] = 1.0,
    draws: int = 10_000,
    seed: int = 20250401,
    percentile: float = 16.0,
) -> McEstimate:
    """Estimate the total over days given per-day Ca upstream/downstream (mg/L) and flow (MGD).

    ``mol_co2_per_mol_ca`` is one ratio for every day or one per day (each result row keeps
    the ratio it was calculated with).
    """
    up = np.asarray(upstream, dtype=float)
    down = np.asarray(downstream, dtype=float)
    flow = np.asarray(flow_mgd, dtype=float)
    factor = T_PER_MG_L_MGD * np.asarray(mol_co2_per_mol_ca, dtype=float)
    deterministic = float(np.sum((down - up) * flow * factor))
    if up.size == 0:
        return McEstimate(0.0, 0.0, 0.0, percentile, draws, seed)
    rng = np.random.default_rng(seed)
    shape = (draws, up.size)
    up_s = up * (1.0 + ca_rel * rng.standard_normal(shape))
    down_s = down * (1.0 + ca_rel * rng.standard_normal(shape))
    flow_s = flow * (1.0 + flow_rel * rng.standard_normal(shape))
    totals = np.sum((down_s - up_s) * flow_s * factor, axis=1)
    return McEstimate(
        deterministic_t=deterministic,
        mean_t=float(np.mean(totals)),
        conservative_t=float(np.percentile(totals, percentile)),
        percentile=percentile,
        draws=draws,
        seed=seed,
    )
