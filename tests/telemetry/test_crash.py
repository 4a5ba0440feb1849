"""Crash injection at every boundary of the job: a rerun gives the same tables."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.errors import CrashInjected
from weir.telemetry.pipeline import job, ledger, tables
from weir.telemetry.pipeline.landing import replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

NOW = datetime(2025, 1, 16, 0, 0, tzinfo=UTC)
CHUNK = 2  # files per commit: several chunks, so a crash lands mid-run
ONE_WORKER = TelemetrySettings(workers=1, chunk_files=CHUNK)


def snapshot(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both tables, sorted, without the column that names the table version."""
    main = tables.flattened(store).to_arrow().to_pylist()
    latest = tables.latest(store).to_arrow().to_pylist()
    for row in latest:
        row.pop("source_table_version")
    return sorted(main, key=lambda r: r["event_id"]), sorted(latest, key=lambda r: r["vehicle_id"])


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("events")
    generate(out, events=400, vehicles=6, seed=3)
    return out


@pytest.fixture(scope="module")
def reference(events: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The tables after one uninterrupted run (two worker processes)."""
    home = tmp_path_factory.mktemp("reference")
    settings = Settings(home=home)
    store = Store.from_settings(settings)
    replay(events, store, now=NOW)
    summary = job.run(store, TelemetrySettings(workers=2, chunk_files=CHUNK), now=NOW)
    assert summary.chunks >= 3
    return snapshot(store), summary.files


class Crash:
    """Raises at the n-th time the job reaches `boundary`."""

    def __init__(self, boundary: str, nth: int = 2) -> None:
        self.boundary, self.nth, self.seen = boundary, nth, Counter[str]()

    def __call__(self, point: str) -> None:
        self.seen[point] += 1
        if point == self.boundary and self.seen[point] == self.nth:
            raise CrashInjected(f"crash at {point}")


@pytest.mark.parametrize("boundary", ["after_flatten", "after_commit", "after_ledger", "archive:1"])
def test_rerun_after_crash_gives_the_same_tables(
    boundary: str, events: Path, reference: Any, settings: Settings
) -> None:
    store = Store.from_settings(settings)
    replay(events, store, now=NOW)
    files = len(list(store.list("telemetry/raw")))
    with pytest.raises(CrashInjected):
        job.run(store, ONE_WORKER, now=NOW, hook=Crash(boundary))
    in_ledger = ledger.count(store)
    raw_left = len(list(store.list("telemetry/raw")))
    expected_ledger = {"after_flatten": CHUNK, "after_commit": CHUNK}.get(boundary, 2 * CHUNK)
    assert in_ledger == expected_ledger
    assert raw_left == files - CHUNK - (1 if boundary == "archive:1" else 0)
    rerun = job.run(store, ONE_WORKER, now=NOW)
    assert rerun.recovered == (CHUNK - 1 if boundary == "archive:1" else 0) + (
        CHUNK if boundary == "after_ledger" else 0
    )
    assert rerun.files == files - in_ledger
    assert snapshot(store) == reference[0]
    assert ledger.count(store) == files == reference[1]
    assert list(store.list("telemetry/raw")) == []
    assert len(list(store.list("telemetry/archive"))) == files
