"""Spark engine parity: identical public files from both engines (one Spark session)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dac import gold as g
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.dac.pipeline.publish import publish
from weir.dac.sample import generate
from weir.dac.settings import DacSettings

pytestmark = [pytest.mark.spark, pytest.mark.slow]
END = datetime(2025, 6, 25, 9, 35, tzinfo=UTC)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from weir.core.spark import session

    spark = session("local[2]")
    yield spark
    spark.stop()


def files(public: Store) -> dict[str, bytes]:
    return {meta.path: public.get(meta.path) for meta in public.list("data")}


def both(root: Path, as_of: datetime) -> tuple[dict[str, Any], ...]:
    results = []
    for engine in ("local", "spark"):
        settings = Settings(home=root / engine, store_url=f"file://{root / engine}/store")
        dac = DacSettings(gold_url=f"file://{root}/gold")
        result = publish(settings, dac, as_of=as_of, engine=engine)
        results.append((files(dac.public_store(settings)), result.counts))
    return tuple(results)


@pytest.mark.usefixtures("spark")
def test_spark_matches_local_on_the_hand_made_gold(tmp_path: Path) -> None:
    g.write_gold(Store.from_url(f"file://{tmp_path}/gold"))
    (local, local_counts), (spark, spark_counts) = both(tmp_path, g.AS_OF)
    assert spark == local
    assert spark["data/hourly_trends_20250625.csv"].decode() == g.TRENDS
    assert spark_counts == local_counts


@pytest.mark.usefixtures("spark")
def test_spark_matches_local_on_the_sample(tmp_path: Path) -> None:
    generate(tmp_path / "gold", days=3, seed=5, end=END)
    (local, local_counts), (spark, spark_counts) = both(tmp_path, END)
    assert sorted(spark) == sorted(local)
    for key in local:
        assert spark[key] == local[key], key
    assert spark_counts == local_counts
    assert local_counts["excluded_duplicate"] == 90
