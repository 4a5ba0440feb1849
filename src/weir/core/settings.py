"""Settings of weir, read from `WEIR_*` environment variables (and a `.env` file).

Entry points build a :class:`Settings` and pass it down; nothing reads the environment at
import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = ".env"


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def system_config(name: str) -> SettingsConfigDict:
    """The settings config of system `name`: prefix ``WEIR_<NAME>_``, the core's ``.env``,
    unknown keys ignored. Every system's settings class uses it::

        class MrvSettings(BaseSettings):
            model_config = system_config("mrv")
    """
    return SettingsConfigDict(env_prefix=f"WEIR_{name.upper()}_", env_file=ENV_FILE, extra="ignore")


LogLevel = Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Configuration shared by every system.

    Attributes:
        home: Folder for the embedded defaults (store and database).
        store_url: Object store: ``file://``, ``memory://`` or ``s3://bucket/prefix``.
        database_url: SQLAlchemy URL of the application database.
        log_level: Minimum log level.
        log_json: Log JSON lines to stderr instead of human-readable lines.
        s3_endpoint_url: Custom endpoint for S3-compatible stores (MinIO, moto, R2 ...).
        s3_region: AWS region of the bucket.
        s3_access_key_id: Access key; unset means the default AWS credential chain.
        s3_secret_access_key: Secret key that goes with the access key.
        s3_allow_http: Allow plain-HTTP endpoints (local S3-compatible servers).
    """

    model_config = SettingsConfigDict(env_prefix="WEIR_", env_file=ENV_FILE, extra="ignore")

    home: Path = Path(".weir")
    store_url: str = ""
    database_url: str = ""
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"
    log_json: bool = False
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_allow_http: bool = False

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        home = self.home.expanduser().absolute()
        self.home = home
        if not self.store_url:
            self.store_url = f"file://{home / 'store'}"
        if not self.database_url:
            self.database_url = f"sqlite:///{home / 'weir.db'}"
        return self
