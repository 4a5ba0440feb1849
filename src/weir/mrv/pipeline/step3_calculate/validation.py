"""The seed's master validation of one plant-day, its three checks in the seed's order.

1. Operational data: a record must exist (else ``NO_OPS_DATA``) with a flow > 0 (else
   ``INVALID_FLOW``). Failure skips the calculation.
2. Calcium readings: upstream and downstream must both exist (else ``MISSING_CA_READINGS``).
   Failure skips the calculation.
3. Calcium delta: downstream − upstream ≤ 0 means no removal; the day is calculated but
   flagged ``INVALID`` for review.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from weir.mrv.rules import QualityFlag


class OpsRecord(Protocol):
    """What the validation needs of an operations row."""

    @property
    def eff_flow_actual_mgd(self) -> float | None:
        """Actual effluent flow in MGD."""


class Reading(Protocol):
    """What the validation needs of a lab reading."""

    @property
    def value(self) -> float | None:
        """The Ca concentration in mg/L."""


class Validation(NamedTuple):
    """Outcome of :func:`validate_all_inputs`."""

    should_calculate: bool
    quality_flag: QualityFlag
    message: str | None


def check_ops_data(ops: OpsRecord | None) -> Validation:
    """Check 1: operations data exists with a flow > 0."""
    if ops is None:
        return Validation(
            False, QualityFlag.NO_OPS_DATA, "no operations data for this plant and date"
        )
    flow = ops.eff_flow_actual_mgd
    if flow is None:
        return Validation(False, QualityFlag.INVALID_FLOW, "effluent flow is missing")
    if flow <= 0:
        return Validation(False, QualityFlag.INVALID_FLOW, f"effluent flow {flow} MGD is not > 0")
    return Validation(True, QualityFlag.VALID, None)


def check_ca_readings(upstream: Reading | None, downstream: Reading | None) -> Validation:
    """Check 2: both the upstream and the downstream Ca reading exist."""
    missing = [
        name
        for name, r in (("upstream", upstream), ("downstream", downstream))
        if r is None or r.value is None
    ]
    if missing:
        return Validation(
            False,
            QualityFlag.MISSING_CA_READINGS,
            f"missing {' and '.join(missing)} calcium reading",
        )
    return Validation(True, QualityFlag.VALID, None)


def check_ca_delta(upstream: Reading, downstream: Reading) -> Validation:
    """Check 3: the Ca delta is positive (else calculated but flagged INVALID)."""
    assert upstream.value is not None
    assert downstream.value is not None
    delta = downstream.value - upstream.value
    if delta <= 0:
        return Validation(
            True, QualityFlag.INVALID, f"Ca delta {delta:.3f} mg/L is not > 0: no removal indicated"
        )
    return Validation(True, QualityFlag.VALID, None)


def validate_all_inputs(
    ops: OpsRecord | None, ca_upstream: Reading | None, ca_downstream: Reading | None
) -> Validation:
    """Run the three checks in order; the first failing one decides.

    Returns:
        ``(should_calculate, quality_flag, message)``.
    """
    result = check_ops_data(ops)
    if not result.should_calculate:
        return result
    result = check_ca_readings(ca_upstream, ca_downstream)
    if not result.should_calculate:
        return result
    assert ca_upstream is not None
    assert ca_downstream is not None
    return check_ca_delta(ca_upstream, ca_downstream)
