"""The seed's formula, its constants, the master validation and the Monte Carlo estimate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from weir.mrv.pipeline.step3_calculate import formula
from weir.mrv.pipeline.step3_calculate.uncertainty import monte_carlo_total
from weir.mrv.pipeline.step3_calculate.validation import validate_all_inputs


def test_seed_check_value() -> None:
    assert round(formula.co2_t_per_day(10.0, 1.0), 7) == 0.0415674


def test_formula_by_hand() -> None:
    # 11.2 mg/L × 4.417 MGD: litres/day, then Ca → CaCO₃ → CO₂, mg → t
    flow_l = 4.417 * 3785.41 * 1000
    caco3_mg = 11.2 * flow_l * (100.0869 / 40.078)
    co2_mg = caco3_mg * (44.0095 / 100.0869)
    assert formula.co2_t_per_day(11.2, 4.417) == pytest.approx(co2_mg / 1e9, rel=1e-12)
    assert formula.co2_t_per_day(11.2, 4.417) == pytest.approx(0.2056358, abs=5e-8)


def test_constants_and_mol_ratio() -> None:
    assert (formula.MW_CA, formula.MW_CACO3, formula.MW_CO2) == (40.078, 100.0869, 44.0095)
    assert formula.M3_PER_DAY_PER_MGD == 3785.41
    assert formula.co2_t_per_day(10.0, 1.0, 2.0) == pytest.approx(0.0831348, abs=1e-7)
    assert formula.co2_t_per_day(-1.0, 1.0) < 0


def ops(flow: float | None) -> SimpleNamespace:
    return SimpleNamespace(eff_flow_actual_mgd=flow)


def ca(value: float | None) -> SimpleNamespace:
    return SimpleNamespace(value=value)


@pytest.mark.parametrize(
    ("op", "up", "down", "expected"),
    [
        (ops(4.0), ca(40.0), ca(50.0), (True, "VALID", None)),
        (
            None,
            ca(40.0),
            ca(50.0),
            (False, "NO_OPS_DATA", "no operations data for this plant and date"),
        ),
        (ops(0.0), ca(40.0), ca(50.0), (False, "INVALID_FLOW", "effluent flow 0.0 MGD is not > 0")),
        (
            ops(-1.0),
            ca(40.0),
            ca(50.0),
            (False, "INVALID_FLOW", "effluent flow -1.0 MGD is not > 0"),
        ),
        (ops(None), ca(40.0), ca(50.0), (False, "INVALID_FLOW", "effluent flow is missing")),
        (
            ops(4.0),
            None,
            ca(50.0),
            (False, "MISSING_CA_READINGS", "missing upstream calcium reading"),
        ),
        (
            ops(4.0),
            ca(40.0),
            None,
            (False, "MISSING_CA_READINGS", "missing downstream calcium reading"),
        ),
        (
            ops(4.0),
            None,
            None,
            (False, "MISSING_CA_READINGS", "missing upstream and downstream calcium reading"),
        ),
        (
            ops(4.0),
            ca(50.0),
            ca(50.0),
            (True, "INVALID", "Ca delta 0.000 mg/L is not > 0: no removal indicated"),
        ),
        (
            ops(4.0),
            ca(50.0),
            ca(48.5),
            (True, "INVALID", "Ca delta -1.500 mg/L is not > 0: no removal indicated"),
        ),
    ],
)
def test_validate_all_inputs(op: object, up: object, down: object, expected: tuple) -> None:
    assert tuple(validate_all_inputs(op, up, down)) == expected  # type: ignore[arg-type]


def test_validation_order_ops_before_calcium() -> None:
    # both checks fail: the seed checks operations first
    assert validate_all_inputs(None, None, None).quality_flag == "NO_OPS_DATA"
    assert validate_all_inputs(ops(0.0), None, None).quality_flag == "INVALID_FLOW"


def test_monte_carlo_reproducible_and_pinned() -> None:
    args = ([40.0, 42.0], [50.0, 47.0], [1.0, 2.0])
    a = monte_carlo_total(*args, ca_rel=0.03, flow_rel=0.05, seed=1, draws=5000)
    b = monte_carlo_total(*args, ca_rel=0.03, flow_rel=0.05, seed=1, draws=5000)
    c = monte_carlo_total(*args, ca_rel=0.03, flow_rel=0.05, seed=2, draws=5000)
    assert a == b
    assert a != c
    expected = formula.co2_t_per_day(10.0, 1.0) + formula.co2_t_per_day(5.0, 2.0)
    assert a.deterministic_t == pytest.approx(expected, rel=1e-12)
    # numpy's PCG64 stream is fixed for a seed: these are the numbers, not a tolerance band
    assert (a.mean_t, a.conservative_t) == (
        pytest.approx(0.08309387760288914, rel=1e-12),
        pytest.approx(0.06513528844769265, rel=1e-12),
    )
    assert (a.percentile, a.draws, a.seed) == (16.0, 5000, 1)
    assert a.conservative_t < a.mean_t  # the one sanity relation


def test_monte_carlo_per_day_mol_ratio() -> None:
    one = monte_carlo_total([40.0, 42.0], [50.0, 47.0], [1.0, 2.0], ca_rel=0.0, flow_rel=0.0)
    mixed = monte_carlo_total(
        [40.0, 42.0],
        [50.0, 47.0],
        [1.0, 2.0],
        ca_rel=0.0,
        flow_rel=0.0,
        mol_co2_per_mol_ca=[1.0, 2.0],
    )
    day1, day2 = formula.co2_t_per_day(10.0, 1.0), formula.co2_t_per_day(5.0, 2.0)
    assert one.mean_t == pytest.approx(day1 + day2, rel=1e-12)
    assert mixed.mean_t == pytest.approx(day1 + 2 * day2, rel=1e-12)


def test_monte_carlo_without_uncertainty_is_the_formula() -> None:
    est = monte_carlo_total([40.0], [50.0], [1.0], ca_rel=0.0, flow_rel=0.0, draws=100)
    assert est.mean_t == pytest.approx(0.0415674, abs=1e-7)
    assert est.conservative_t == pytest.approx(0.0415674, abs=1e-7)
    empty = monte_carlo_total([], [], [], ca_rel=0.03, flow_rel=0.05)
    assert (empty.mean_t, empty.conservative_t) == (0.0, 0.0)


def test_monte_carlo_percentile_and_mol_ratio() -> None:
    base = monte_carlo_total([40.0], [50.0], [1.0], ca_rel=0.03, flow_rel=0.05, percentile=5)
    p16 = monte_carlo_total([40.0], [50.0], [1.0], ca_rel=0.03, flow_rel=0.05)
    assert base.conservative_t < p16.conservative_t
    double = monte_carlo_total(
        [40.0], [50.0], [1.0], ca_rel=0.03, flow_rel=0.05, mol_co2_per_mol_ca=2.0
    )
    assert double.mean_t == pytest.approx(2 * p16.mean_t, rel=1e-12)
