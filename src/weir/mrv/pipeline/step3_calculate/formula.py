"""The seed's CO₂ removal formula with every constant named.

    ca_delta (mg/L)   = Ca_downstream − Ca_upstream
    flow_l_day        = flow_mgd × M3_PER_DAY_PER_MGD × L_PER_M3
    caco3_mg          = ca_delta × flow_l_day × (MW_CACO3 / MW_CA)
    co2_mg            = caco3_mg × (MW_CO2 / MW_CACO3) × mol_co2_per_mol_ca
    co2_t_per_day     = co2_mg / MG_PER_TONNE

Check: a delta of 10 mg/L at 1 MGD gives 0.0415674 t/day.
"""

from __future__ import annotations

#: Molar mass of calcium, g/mol (IUPAC standard atomic weight).
MW_CA = 40.078
#: Molar mass of calcium carbonate CaCO₃, g/mol.
MW_CACO3 = 100.0869
#: Molar mass of carbon dioxide CO₂, g/mol.
MW_CO2 = 44.0095
#: Cubic metres per day in one million US gallons per day (the seed's rounded 3785.41).
M3_PER_DAY_PER_MGD = 3785.41
#: Litres per cubic metre.
L_PER_M3 = 1000.0
#: Milligrams per metric tonne.
MG_PER_TONNE = 1e9
#: Mass ratio CaCO₃ / Ca (mg CaCO₃ per mg Ca).
CA_TO_CACO3 = MW_CACO3 / MW_CA
#: Mass ratio CO₂ / CaCO₃ (mg CO₂ per mg CaCO₃ at 1 mol CO₂ per mol CaCO₃).
CO2_TO_CACO3 = MW_CO2 / MW_CACO3
#: Version stamp written to ``mrv_results.calc_version``.
CALC_VERSION = "seed-formula-1"


def flow_l_per_day(flow_mgd: float) -> float:
    """Daily flow in litres from million US gallons per day."""
    return flow_mgd * M3_PER_DAY_PER_MGD * L_PER_M3


def co2_t_per_day(ca_delta_mg_l: float, flow_mgd: float, mol_co2_per_mol_ca: float = 1.0) -> float:
    """Tonnes of CO₂ removed per day from a Ca delta (mg/L) and the effluent flow (MGD).

    Args:
        ca_delta_mg_l: Downstream minus upstream calcium, mg/L.
        flow_mgd: Effluent flow, million US gallons per day.
        mol_co2_per_mol_ca: mol CO₂ per mol Ca (1: the seed's; 2: charge-balance maximum).
    """
    caco3_mg = ca_delta_mg_l * flow_l_per_day(flow_mgd) * CA_TO_CACO3
    co2_mg = caco3_mg * CO2_TO_CACO3 * mol_co2_per_mol_ca
    return co2_mg / MG_PER_TONNE


#: t CO₂/day per (mg/L × MGD); multiply by delta × flow × mol ratio (used by Monte Carlo).
T_PER_MG_L_MGD = co2_t_per_day(1.0, 1.0)
