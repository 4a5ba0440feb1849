"""Spark engine parity: the same input gives identical tables with either engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.telemetry.known import record, signal, stream_record
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.pipeline import job, tables
from weir.telemetry.pipeline.landing import land, replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

pytestmark = pytest.mark.spark
NOW = datetime(2025, 1, 16, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from weir.core.spark import session

    spark = session("local[2]")
    yield spark
    spark.stop()


def load(home: Path, events: Path) -> Store:
    settings = Settings(home=home)
    store = Store.from_settings(settings)
    replay(events, store, now=NOW)
    # a later batch that evolves the schema and conflicts with a column's kind
    brand = signal("Charge", "Brand", {"value": 7})
    conflict = signal("Charge", "IsCharging", {"value": "on"})
    extra = [
        stream_record("900000", item=record("new-1", signals=[brand])),
        stream_record("900001", item=record("new-2", signals=[conflict])),
    ]
    land({"Records": extra}, store, now=NOW)
    return store


def tables_of(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    main = tables.flattened(store).to_arrow()
    latest = tables.latest(store).to_arrow().drop_columns(["source_table_version"]).to_pylist()
    rows = sorted(main.to_pylist(), key=lambda r: r["event_id"])
    return rows, sorted(latest, key=lambda r: r["vehicle_id"]), sorted(main.column_names)


def test_spark_and_local_engines_build_identical_tables(spark: Any, tmp_path: Path) -> None:
    from weir.telemetry.pipeline.spark import SparkEngine

    events = tmp_path / "events"
    generate(events, events=600, vehicles=8, seed=21)
    local_store = load(tmp_path / "local", events)
    spark_store = load(tmp_path / "spark", events)
    first = job.run(local_store, TelemetrySettings(workers=2, chunk_files=4), now=NOW)
    options = TelemetrySettings(engine="spark", chunk_files=4)
    second = job.run(spark_store, options, engine=SparkEngine(options, spark), now=NOW)
    assert (first.files, first.rows_in, first.rescued_rows, first.tombstones) == (
        second.files,
        second.rows_in,
        second.rescued_rows,
        second.tombstones,
    )
    assert first.rows_in > first.inserted  # duplicates were folded
    local_tables, spark_tables = tables_of(local_store), tables_of(spark_store)
    assert "Charge_Brand" in local_tables[2]
    assert spark_tables[2] == local_tables[2]
    assert spark_tables[1] == local_tables[1]
    assert spark_tables[0] == local_tables[0]
    conflict = next(r for r in spark_tables[0] if r["event_id"] == "new-2")
    assert conflict["_rescued_data"] == (
        '{"Charge_IsCharging":{"raw":"on","reason":"str conflicts with bool column"}}'
    )
