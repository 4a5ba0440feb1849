"""``weir status`` and ``GET /api/status``: every system's steps, last run, age, freshness.

Composition root: the freshness policies come from the catalog; the records from the store.
"""

from __future__ import annotations

from typing import Any

from weir.catalog import SYSTEMS
from weir.core.durations import format_duration
from weir.core.freshness import FreshnessPolicy
from weir.core.runs import status_rows
from weir.core.settings import Settings
from weir.core.storage import Store

DEFAULT_POLICY = ("1d", "2d")


def policies() -> dict[tuple[str, str], FreshnessPolicy]:
    """Every (system, step) freshness policy the catalog declares, for available systems."""
    return {
        (system.name, step): FreshnessPolicy.parse(*durations)
        for system in SYSTEMS
        if system.available
        for step, durations in system.freshness.items()
    }


def read_status(settings: Settings) -> list[dict[str, Any]]:
    """One row per system and step with its last run, age (seconds and text) and freshness."""
    store = Store.from_settings(settings)
    rows = status_rows(store, policies(), FreshnessPolicy.parse(*DEFAULT_POLICY))
    for row in rows:
        age = row["age_seconds"]
        row["age"] = format_duration(age) if age is not None else ""
    return rows
