"""Health parameters, read from ``WEIR_HEALTH_*`` environment variables.

Build :class:`HealthSettings` in an entry point and pass it down, like ``weir.core.settings``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from weir.core.settings import system_config

CONFIGS = Path(__file__).parent / "configs"


class HealthSettings(BaseSettings):
    """Where the pipeline config is, how checks run, and who may write.

    Attributes:
        config: The pipeline YAML file the server and ``weir health run`` watch (default: the
            shipped config of weir watching itself).
        concurrency: Checks running at the same time in one round.
        default_timeout: Timeout of a check that names none, in seconds.
        round_every: Seconds between check rounds of the server's background loop.
        reload_every: Seconds between looks at the config file for changes (hot reload).
        retention_days: History rows older than this are deleted after each round.
        api_key: When set, writes (``POST /v1/run``) need it in ``X-API-Key``.
        push_token: Token a heartbeat push needs when its check names none.
        cors_origins: Origins allowed to call the API from a browser.
        api_url: Base URL of the health API the Streamlit page talks to.
        svg_renderer: ``auto`` (mmdr for small graphs, Chromium for large), ``mmdr``,
            ``chromium`` or ``none`` (the plain fallback SVG only).
        collapse_over: Graphs with more processes than this are drawn with groups collapsed.
        alert_timeout: Seconds a webhook delivery may take before it is retried.
        alert_retries: Attempts per webhook delivery (with exponential backoff).
    """

    model_config = system_config("health")

    config: Path = CONFIGS / "weir.yaml"
    concurrency: int = Field(32, ge=1, le=1024)
    default_timeout: float = Field(10.0, gt=0)
    round_every: float = Field(1.0, gt=0)
    reload_every: float = Field(1.0, gt=0)
    retention_days: int = Field(30, ge=1)
    api_key: SecretStr | None = None
    push_token: SecretStr | None = None
    cors_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    api_url: str = "http://127.0.0.1:8000/api/health"
    svg_renderer: str = Field("auto", pattern="^(auto|mmdr|chromium|none)$")
    collapse_over: int = Field(60, ge=1)
    alert_timeout: float = Field(5.0, gt=0)
    alert_retries: int = Field(3, ge=1, le=10)
