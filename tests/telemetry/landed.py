"""The telemetry sample as the job reads it: landed NDJSON files (path, bytes), in path order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from weir.core.storage import Store
from weir.telemetry.pipeline.landing import land
from weir.telemetry.sample import records


def landed_sample(events: int = 2000, vehicles: int = 20, seed: int = 7) -> list[tuple[str, bytes]]:
    """The sample's stream records landed in events of 100 records into a memory store."""
    store = Store.from_url("memory://")
    stream = (item for item, _ in records(events, vehicles=vehicles, seed=seed))
    while batch := list(itertools.islice(stream, 100)):
        land({"Records": batch}, store, now=datetime(2025, 1, 15, tzinfo=UTC))
    return [(meta.path, store.get(meta.path)) for meta in store.list("telemetry/raw")]
