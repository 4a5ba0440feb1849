"""Response models of ``/api/mrv`` (pydantic, with OpenAPI examples)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PageFields(BaseModel):
    """Paging of a list: ``next_offset`` is None on the last page."""

    total: int = Field(description="Rows matching in all pages.")
    limit: int
    offset: int
    next_offset: int | None


class Result(BaseModel):
    """CO₂ removal of one plant on one day (an ``mrv_results`` row, as ``weir mrv report``)."""

    plant_id: str
    date: dt.date
    ca_upstream_mg_l: float | None
    ca_downstream_mg_l: float | None
    ca_delta_mg_l: float | None
    flow_mgd: float | None
    co2_t_per_day: float | None
    quality_flag: str
    message: str | None
    calc_version: str
    mol_co2_per_mol_ca: float
    ca_rel_uncertainty: float | None
    flow_rel_uncertainty: float | None
    mc_draws: int | None
    mc_seed: int | None
    conservative_percentile: float | None
    lineage: dict[str, Any] = Field(description="The input rows (table, id, file, row, sha256).")


RESULT_EXAMPLE: dict[str, Any] = {
    "plant_id": "PLANT_A",
    "date": "2025-04-01",
    "ca_upstream_mg_l": 45.2,
    "ca_downstream_mg_l": 56.1,
    "ca_delta_mg_l": 10.9,
    "flow_mgd": 4.132,
    "co2_t_per_day": 0.1872147789318111,
    "quality_flag": "VALID",
    "message": None,
    "calc_version": "seed-formula-1",
    "mol_co2_per_mol_ca": 1.0,
    "ca_rel_uncertainty": 0.03,
    "flow_rel_uncertainty": 0.05,
    "mc_draws": 10000,
    "mc_seed": 20250401,
    "conservative_percentile": 16.0,
    "lineage": {"lab_reading_ids": [1, 2], "plant_operation_ids": [1]},
}


class ResultsPage(PageFields):
    """Daily results matching the report's filters, ordered by plant and date."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [RESULT_EXAMPLE], "total": 122, "limit": 1, "offset": 0, "next_offset": 1}
            ]
        }
    )

    items: list[Result]


class Total(BaseModel):
    """Totals of one plant (and month): credited CO₂ of VALID days and the Monte Carlo
    conservative estimate (the ``conservative_percentile`` of the simulated total)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plant_id": "PLANT_A",
                    "period": "all",
                    "first_date": "2025-04-01",
                    "last_date": "2025-07-31",
                    "days": 122,
                    "days_valid": 85,
                    "days_invalid": 2,
                    "days_skipped": 35,
                    "co2_t": 13.400062783228954,
                    "co2_t_invalid_days": -0.7783196258696399,
                    "mc_mean_t": 13.403087689702591,
                    "conservative_t": 13.03380106572636,
                    "conservative_percentile": 16.0,
                    "mc_draws": 10000,
                    "mc_seed": 20250401,
                    "mol_co2_per_mol_ca": 1.0,
                }
            ]
        }
    )

    plant_id: str
    period: str = Field(description="'all', or YYYY-MM with by_month.")
    first_date: dt.date
    last_date: dt.date
    days: int
    days_valid: int
    days_invalid: int
    days_skipped: int
    co2_t: float = Field(description="t CO₂ of VALID days.")
    co2_t_invalid_days: float
    mc_mean_t: float
    conservative_t: float
    conservative_percentile: float
    mc_draws: int
    mc_seed: int
    mol_co2_per_mol_ca: float | list[float] | None


class TotalsOut(BaseModel):
    """Totals per plant (and month) of the filtered results."""

    items: list[Total]


class Finding(BaseModel):
    """One QA/QC finding (levels 1–4)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": 1,
                    "check": "row_skipped",
                    "severity": "info",
                    "plant_id": None,
                    "date": None,
                    "file": "ops/plant_a/PlantA_Ops_2025-04.xlsx",
                    "sheet": "Daily Log",
                    "row": 35,
                    "column": None,
                    "value": None,
                    "message": "not a data row: empty row",
                }
            ]
        }
    )

    level: int
    check: str
    severity: str
    plant_id: str | None
    date: dt.date | None
    file: str | None = Field(description="Relative to the ingested folder.")
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str


class FindingsPage(PageFields):
    """QA findings by level, then in the order found."""

    items: list[Finding]


class FindingCount(BaseModel):
    """Findings of one level, check and severity."""

    level: int
    check: str
    severity: str
    count: int


class IngestionRun(BaseModel):
    """One attempt to ingest one file."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "file": "ops/plant_b/PlantB_Flows_2025-07.xlsx",
                    "source": "ops_b",
                    "status": "loaded",
                    "sha256": "a151e8f33fa434ad9bdcaf88ebe0f5bb96655dfd8ef835929179f232641180ef",
                    "started_at": "2026-11-26T10:52:47.587380",
                    "ended_at": "2026-11-26T10:52:47.606161",
                    "rows_read": 46,
                    "rows_loaded": 37,
                    "rows_rejected": 0,
                    "rows_skipped": 9,
                    "errors": [],
                }
            ]
        }
    )

    id: int
    file: str = Field(description="Relative to the ingested folder.")
    source: str
    status: str
    sha256: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    errors: list[dict[str, Any]]


class RunsPage(PageFields):
    """Ingestion runs, newest first."""

    items: list[IngestionRun]
