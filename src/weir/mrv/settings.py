"""MRV parameters, read from ``WEIR_MRV_*`` environment variables; defaults are documented.

Build :class:`MrvSettings` in an entry point and pass it down, like ``weir.core.settings``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from weir.core.settings import system_config


class MrvSettings(BaseSettings):
    """Calculation, uncertainty and plausibility parameters.

    Attributes:
        mol_co2_per_mol_ca: mol CO₂ removed per mol Ca²⁺ added. 1 is the seed's (CaCO₃
            stoichiometry); 2 is the charge-balance maximum (Ca²⁺ balanced by 2 HCO₃⁻).
        ca_rel_uncertainty: Relative 1-σ uncertainty of one Ca lab result (ICP-OES, 3 %).
        flow_rel_uncertainty: Relative 1-σ uncertainty of the daily effluent flow (magnetic
            meter, 5 %).
        mc_draws: Monte Carlo draws.
        mc_seed: Seed of the Monte Carlo generator (results are reproducible).
        conservative_percentile: The percentile reported as the conservative estimate (16 ≈
            mean − 1 σ).
        max_plausible_flow_mgd: Flows above this are implausible and rejected (L3).
        max_plausible_ca_mg_l: Ca above this is implausible and rejected (L3).
        ph_sensors: Sensor id → ``PLANT:location`` for the pH sensor files.
        reviewer_keys: Reviewer name → key (JSON object). Approving or requesting revisions
            needs a name and its key; with none configured, reviews are read-only everywhere.
        reviewer_roles: Reviewer name → role stored with each decision (default ``reviewer``).
        dashboard_default_months: Months of data the dashboard shows at first (the latest
            ones); the full range is one click away.
    """

    model_config = system_config("mrv")

    mol_co2_per_mol_ca: float = Field(1.0, gt=0, le=2)
    ca_rel_uncertainty: float = Field(0.03, ge=0)
    flow_rel_uncertainty: float = Field(0.05, ge=0)
    mc_draws: int = Field(10_000, ge=100)
    mc_seed: int = 20250401
    conservative_percentile: float = Field(16.0, gt=0, lt=100)
    max_plausible_flow_mgd: float = 50.0
    max_plausible_ca_mg_l: float = 1000.0
    ph_sensors: dict[str, str] = {"PHA1": "PLANT_A:downstream", "PHB1": "PLANT_B:downstream"}
    reviewer_keys: Annotated[dict[str, SecretStr], NoDecode] = {}
    reviewer_roles: Annotated[dict[str, str], NoDecode] = {}
    dashboard_default_months: int = Field(3, ge=1)

    @field_validator("reviewer_keys", "reviewer_roles", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        """A JSON object from the environment; empty means none (compose's ``${VAR:-}``)."""
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f'not a JSON object like {{"name": "key"}}: {exc.msg}') from None
        return value
