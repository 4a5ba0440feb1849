"""Manifests, status files (the seed's shapes), inventory with cost trend, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from weir.core.errors import NotFoundError
from weir.core.storage import Store
from weir.forecast.models import (
    CONFIG,
    EXTRACTION_STATUS,
    FORECASTS,
    INVENTORY_STATUS,
    LOGS,
    MANIFESTS,
    ExtractionStatus,
    InventorySnapshot,
    InventoryStatus,
)

GB = 1024**3
TREND_KEEP = 60
INVENTORIED = (FORECASTS, MANIFESTS, "dashboard", LOGS)


def latest_manifest(store: Store) -> dict[str, Any]:
    """``manifests/latest.json``, or an empty manifest before the first run."""
    try:
        data: dict[str, Any] = store.get_json(f"{MANIFESTS}/latest.json")
    except NotFoundError:
        return {"sources": {}}
    return data


def write_manifest(store: Store, manifest: dict[str, Any], run_id: str) -> None:
    """The run's manifest, then ``latest.json`` naming it (pointer last)."""
    store.put_json(f"{MANIFESTS}/run_id={run_id}.json", manifest)
    store.put_json(f"{MANIFESTS}/latest.json", manifest)


def read_extraction_status(store: Store) -> ExtractionStatus | None:
    """The last ``extraction_status.json``."""
    try:
        return ExtractionStatus.model_validate(store.get_json(EXTRACTION_STATUS))
    except NotFoundError:
        return None


def read_inventory(store: Store) -> InventoryStatus | None:
    """The last ``inventory_status.json``."""
    try:
        return InventoryStatus.model_validate(store.get_json(INVENTORY_STATUS))
    except NotFoundError:
        return None


def inventory(
    store: Store, cost_per_gb_month: float, now: datetime | None = None
) -> InventoryStatus:
    """Count the forecast system's objects and bytes, price them, append to the trend, write."""
    now = now or datetime.now(UTC)
    count = size = 0
    for prefix in INVENTORIED:
        for meta in store.list(prefix):
            count += 1
            size += meta.size
    previous = read_inventory(store)
    trend = list(previous.trend) if previous else []
    if previous is not None:
        trend.append(
            InventorySnapshot(
                at=previous.last_inventory_update_utc,
                object_count=previous.object_count,
                total_size_bytes=previous.total_size_bytes,
                estimated_monthly_storage_usd=previous.estimated_monthly_storage_usd,
            )
        )
    parsed = urlparse(store.url)
    status = InventoryStatus(
        bucket=parsed.netloc if store.scheme == "s3" else store.url,
        object_count=count,
        total_size_bytes=size,
        estimated_monthly_storage_usd=round(size / GB * cost_per_gb_month, 6),
        last_inventory_update_utc=now,
        cost_per_gb_month_usd=cost_per_gb_month,
        trend=trend[-TREND_KEEP:],
    )
    store.put_json(INVENTORY_STATUS, status.model_dump(mode="json"))
    return status


def _init_date(path: str) -> tuple[str, date] | None:
    parts = path.split("/")
    for index, part in enumerate(parts):
        if part.startswith("init_date="):
            return "/".join(parts[:index]), date.fromisoformat(part.removeprefix("init_date="))
    return None


def retain(store: Store, keep_days: int, now: datetime | None = None) -> list[str]:
    """Delete init-date partitions older than `keep_days` (by init date); the newest init date
    of each source/variable is always kept. Also old run manifests. Returns deleted paths."""
    today = (now or datetime.now(UTC)).date()
    cutoff = today - timedelta(days=keep_days)
    metas = list(store.list(FORECASTS))
    newest: dict[str, date] = {}
    for meta in metas:
        found = _init_date(meta.path)
        if found:
            newest[found[0]] = max(newest.get(found[0], found[1]), found[1])
    doomed = []
    for meta in metas:
        found = _init_date(meta.path)
        if found and found[1] < cutoff and found[1] != newest[found[0]]:
            doomed.append(meta.path)
    for path in doomed:
        store.delete(path)
    doomed += store.prune(
        MANIFESTS,
        timedelta(days=keep_days),
        now=now,
        protect=lambda path: path.endswith("latest.json"),
    )
    return doomed


__all__ = ["CONFIG", "inventory", "latest_manifest", "retain", "write_manifest"]
