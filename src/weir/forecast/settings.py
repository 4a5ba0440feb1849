"""Forecast options, read from ``WEIR_FORECAST_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from weir.core.settings import system_config


class ForecastSettings(BaseSettings):
    """Options of the forecast system.

    Attributes:
        registry: Source registry JSON overriding the active copy in the store.
        variables: Canonical variables JSON overriding the active copy in the store.
        points: Pre-canned points JSON overriding the active copy in the store.
        retention_days: Init dates older than this are deleted (the newest is always kept).
        cost_per_gb_month_usd: Storage price used for the monthly cost estimate
            (S3 Standard, us-east-1: 0.023 USD per GB-month).
        api_key: Key required by the points API for writes (header ``X-API-Key``); unset means
            writes are refused.
        api_url: Base URL of the points API the dashboard writes through; empty means the
            router in-process (same validation, same key).
        actor: Name recorded as ``created_by`` by the dashboard when the form leaves it empty.
        map_leads: Lead hours of ``map_summary.parquet`` (grid mean and spread); empty (the
            default) writes none: on a global store it reads whole fields.
        max_points: Refuse to extract more points than this in one run (cost guardrail).
        probe_retries: Retries of a probe query on transient errors (with backoff).
    """

    model_config = system_config("forecast")

    registry: Path | None = None
    variables: Path | None = None
    points: Path | None = None
    retention_days: int = 30
    cost_per_gb_month_usd: float = 0.023
    api_key: SecretStr | None = None
    api_url: str = ""
    actor: str = "dashboard"
    map_leads: tuple[int, ...] = ()
    max_points: int = 200
    probe_retries: int = 3
