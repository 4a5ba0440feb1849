"""What ``weir config`` shows: every setting with its environment variable, secrets redacted."""

from __future__ import annotations

import os
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings

REDACTED = "**********"


def redact_url(url: str) -> str:
    """A URL with its password replaced (``postgresql://u:***@h/db``); other text unchanged."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    return parsed.render_as_string(hide_password=True)


def _shown(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return REDACTED if value.get_secret_value() else ""
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value if isinstance(value, int | float | bool | list | type(None)) else str(value)


def describe_settings(settings: BaseSettings, system: str) -> list[dict[str, Any]]:
    """One row per field: its ``WEIR_…`` name, effective value (redacted) and where it came from."""
    prefix = str(settings.model_config.get("env_prefix", "")).upper()
    rows = []
    for name, field in type(settings).model_fields.items():
        env = f"{prefix}{name.upper()}"
        value = getattr(settings, name)
        secret = field.annotation is not None and "SecretStr" in str(field.annotation)
        shown = _shown(value)
        if secret and value is not None:
            shown = REDACTED
        rows.append(
            {
                "system": system,
                "env": env,
                "value": shown,
                "source": "environment" if env in os.environ else "default or .env",
            }
        )
    return rows
