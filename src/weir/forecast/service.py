"""The read side used by the API, the dashboard and the CLI: artifacts (cached), status."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from weir.core.errors import NotFoundError
from weir.core.freshness import FreshnessPolicy
from weir.core.runs import last_run
from weir.core.storage import Store
from weir.forecast.models import FORECASTS
from weir.forecast.pipeline import status as status_files
from weir.forecast.pipeline.artifacts import partition

if TYPE_CHECKING:
    import pandas as pd

FRESHNESS = FreshnessPolicy.parse("7h", "13h")  # the catalog's policy for the extract step


class ArtifactCache:
    """Parquet artifacts read once and kept while the object is unchanged (size and mtime).

    Interaction reads only these precomputed files; a HEAD request tells whether the cached copy
    is still current.
    """

    def __init__(self, store: Store, max_items: int = 256) -> None:
        self.store = store
        self.max_items = max_items
        self._items: dict[str, tuple[tuple[int, datetime], pd.DataFrame]] = {}
        self._lock = threading.Lock()

    def frame(self, path: str) -> pd.DataFrame:
        """The artifact at `path`.

        Raises:
            NotFoundError: it does not exist.
        """
        import pandas as pd

        meta = self.store.head(path)
        key = (meta.size, meta.modified)
        with self._lock:
            cached = self._items.get(path)
            if cached and cached[0] == key:
                return cached[1]
        frame = pd.read_parquet(io.BytesIO(self.store.get(path)))
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.pop(next(iter(self._items)))
            self._items[path] = (key, frame)
        return frame


def runs(store: Store) -> dict[tuple[str, str], list[str]]:
    """(source, variable) → init dates that have artifacts, newest first."""
    found: dict[tuple[str, str], set[str]] = {}
    for meta in store.list(FORECASTS):
        parts = dict(part.split("=", 1) for part in meta.path.split("/")[1:-1] if "=" in part)
        if {"source", "variable", "init_date"} <= parts.keys():
            found.setdefault((parts["source"], parts["variable"]), set()).add(parts["init_date"])
    return {key: sorted(dates, reverse=True) for key, dates in found.items()}


def artifact_path(source: str, variable: str, init_date: str, name: str) -> str:
    """Where one artifact lives."""
    init = datetime.fromisoformat(init_date)
    return f"{partition(source, variable, init)}/{name}.parquet"


def status_summary(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """What the status tab and ``weir forecast status`` show."""
    now = now or datetime.now(UTC)
    extraction = status_files.read_extraction_status(store)
    inventory = status_files.read_inventory(store)
    record = last_run(store, "forecast", "extract")
    last_ok = extraction.last_successful_extract_utc if extraction else None
    trend = inventory.trend if inventory else []
    previous_cost = trend[-1].estimated_monthly_storage_usd if trend else None
    cost = inventory.estimated_monthly_storage_usd if inventory else None
    return {
        "last_successful_extract_utc": last_ok.isoformat() if last_ok else None,
        "freshness": str(FRESHNESS.evaluate(last_ok, now)),
        "run_id": extraction.run_id if extraction else None,
        "last_run_status": record.status if record else "never",
        "last_run_at": (record.ended_at or record.started_at).isoformat() if record else None,
        "sources_processed": extraction.sources_processed if extraction else [],
        "init_times": extraction.init_times if extraction else {},
        "errors": [e.model_dump() for e in extraction.errors] if extraction else [],
        "object_count": inventory.object_count if inventory else None,
        "total_size_bytes": inventory.total_size_bytes if inventory else None,
        "estimated_monthly_storage_usd": cost,
        "cost_trend_usd": None if cost is None or previous_cost is None else cost - previous_cost,
        "inventories": len(trend) + (1 if inventory else 0),
    }


__all__ = ["ArtifactCache", "NotFoundError", "artifact_path", "runs", "status_summary"]
