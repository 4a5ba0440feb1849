"""Secrets out of a config before it is shown: tokens, passwords, URL credentials and paths
of webhook URLs (a Slack webhook's path is its secret)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "***"
SECRET_KEYS = ("token", "password", "secret", "api_key", "apikey", "authorization")


def _url(value: str, *, hide_path: bool) -> str:
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rsplit('@', 1)[1]}"
    path = f"/{HIDDEN}" if hide_path and parts.path not in ("", "/") else parts.path
    query = HIDDEN if parts.query else ""
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def redact(data: Any, key: str = "", *, in_alerts: bool = False) -> Any:
    """A copy of `data` with secrets replaced by ``***``."""
    if isinstance(data, dict) and key == "headers":
        return dict.fromkeys(data, HIDDEN)
    if isinstance(data, dict):
        return {k: redact(v, str(k), in_alerts=in_alerts or k == "alerts") for k, v in data.items()}
    if isinstance(data, list):
        return [redact(item, key, in_alerts=in_alerts) for item in data]
    if any(part in key.lower() for part in SECRET_KEYS) and data is not None:
        return HIDDEN
    if key == "headers" and isinstance(data, dict):
        return dict.fromkeys(data, HIDDEN)
    if isinstance(data, str) and "://" in data:
        return _url(data, hide_path=in_alerts)
    return data
