"""DAC options, read from ``WEIR_DAC_*`` environment variables; defaults are documented.

Build :class:`DacSettings` in an entry point and pass it down, like ``weir.core.settings``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from weir.core.errors import ConfigError
from weir.core.settings import Settings, system_config
from weir.core.storage import Store

SECRET_FILE = "dac/signing_secret"


class DacSettings(BaseSettings):
    """Where the gold and public data live, and how the artifact API behaves.

    Attributes:
        gold_url: Store of the private gold layer (default ``<WEIR_STORE_URL>/dac/gold``).
        public_url: Store of the public dashboard bucket (default ``<WEIR_STORE_URL>/dac/public``).
        engine: ``local`` (polars) or ``spark`` (PySpark) for ``weir dac publish``.
        retention_days: Dated CSV versions older than this many days are pruned.
        url_expiry_seconds: Lifetime of a presigned URL (the seed's 5 minutes; at most 1 hour).
        rate_limit: Requests per client IP on the API, in ``limits`` notation.
        log_error_rate_limit: Widget reports per client IP accepted by ``POST /log-error``.
        rate_limit_storage: ``memory://`` (one process) or ``redis://host:port`` (shared by every
            worker and instance).
        cors_origins: Origins allowed to call the API from a browser (comma-separated or JSON).
        signing_secret: HMAC key of weir artifact URLs; generated once into
            ``$WEIR_HOME/dac/signing_secret`` when unset.
        max_file_bytes: Every published file is checked against this size (the seed's 1 MB).
        access_log_flush_seconds: The buffered access log is written at most this often.
        config_path: An edited ``dac_dashboard_config.json`` to use instead of the shipped one.
    """

    model_config = system_config("dac")

    gold_url: str = ""
    public_url: str = ""
    engine: Literal["local", "spark"] = "local"
    retention_days: int = Field(7, ge=1)
    url_expiry_seconds: int = Field(300, ge=1, le=3600)
    rate_limit: str = "100/minute"
    log_error_rate_limit: str = "20/minute"
    rate_limit_storage: str = "memory://"
    cors_origins: Annotated[list[str], NoDecode] = []
    signing_secret: SecretStr | None = None
    max_file_bytes: int = Field(1_000_000, ge=1)
    access_log_flush_seconds: float = Field(5.0, gt=0)
    config_path: Path | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import orjson

                return orjson.loads(text)
            return [part.strip().rstrip("/") for part in text.split(",") if part.strip()]
        return value

    @field_validator("rate_limit", "log_error_rate_limit")
    @classmethod
    def _check_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '100/minute': {value!r}") from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _check_storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("use memory:// or redis://host:port")
        return value

    def gold_store(self, settings: Settings) -> Store:
        """The gold-layer store."""
        return Store.from_url(self.gold_url or _under(settings, "dac/gold"), settings=settings)

    def public_store(self, settings: Settings) -> Store:
        """The public dashboard store."""
        return Store.from_url(self.public_url or _under(settings, "dac/public"), settings=settings)

    def secret(self, settings: Settings) -> bytes:
        """The HMAC key of artifact URLs: the setting, else the one generated into WEIR_HOME."""
        if self.signing_secret is not None:
            value = self.signing_secret.get_secret_value()
            if len(value) < 16:
                raise ConfigError("WEIR_DAC_SIGNING_SECRET must be at least 16 characters")
            return value.encode()
        path = settings.home / SECRET_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_hex(32).encode())
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        return path.read_bytes().strip()


def _under(settings: Settings, path: str) -> str:
    if settings.store_url.startswith("memory://"):
        return settings.store_url
    return f"{settings.store_url.rstrip('/')}/{path}"
