"""Totals use the parameters each result row was calculated with, not the current environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from weir.mrv import service
from weir.mrv.pipeline.step3_calculate.formula import co2_t_per_day
from weir.mrv.settings import MrvSettings

DAYS = co2_t_per_day(10.0, 1.0) + co2_t_per_day(5.0, 2.0)


def summary(engine: Engine, settings: MrvSettings) -> tuple[float, float, float, object]:
    (total,) = service.totals(service.results(engine), settings)
    return (
        round(total["co2_t"], 9),
        round(total["mc_mean_t"], 9),
        round(total["conservative_t"], 9),
        total["mol_co2_per_mol_ca"],
    )


def test_report_uses_the_stored_mol_ratio(engine: Engine, tiny_dir: Path) -> None:
    service.ingest(engine, tiny_dir, MrvSettings())
    service.calculate(engine, MrvSettings(mol_co2_per_mol_ca=1.0))
    calculated_with_1 = summary(engine, MrvSettings())
    assert calculated_with_1 == (round(DAYS, 9), 0.083187402, 0.065564892, 1.0)
    # the audit's case: report with ratio 2 in the environment → same numbers as calculated
    assert summary(engine, MrvSettings(mol_co2_per_mol_ca=2.0)) == calculated_with_1
    service.calculate(engine, MrvSettings(mol_co2_per_mol_ca=2.0))
    assert summary(engine, MrvSettings()) == (
        round(2 * DAYS, 9),
        0.166374803,
        0.131129785,
        2.0,
    )
    rows = service.results(engine)
    assert [r["mol_co2_per_mol_ca"] for r in rows] == [2.0, 2.0]


def test_report_uses_the_stored_monte_carlo_parameters(engine: Engine, tiny_dir: Path) -> None:
    service.ingest(engine, tiny_dir, MrvSettings())
    used = MrvSettings(mc_draws=500, mc_seed=3, conservative_percentile=5, ca_rel_uncertainty=0.1)
    service.calculate(engine, used)
    stored = service.results(engine)[0]
    assert [
        stored[c]
        for c in (
            "ca_rel_uncertainty",
            "flow_rel_uncertainty",
            "mc_draws",
            "mc_seed",
            "conservative_percentile",
        )
    ] == [0.1, 0.05, 500, 3, 5.0]
    (total,) = service.totals(service.results(engine), MrvSettings())
    assert (total["mc_draws"], total["mc_seed"], total["conservative_percentile"]) == (500, 3, 5.0)
    assert total == service.totals(service.results(engine), used)[0]
    # 10 % Ca uncertainty on a 5–10 mg/L delta: P5 of the total is below zero
    assert total["conservative_t"] == pytest.approx(-0.010929509477445424, rel=1e-9)
