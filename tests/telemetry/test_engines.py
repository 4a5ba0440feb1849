"""The engine interface: engines by name, no import cycle, pyspark only when asked for."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.pipeline.columns import unify
from weir.telemetry.pipeline.engine import Engine, batches, flatten_paths
from weir.telemetry.pipeline.engines import LocalEngine, make_engine
from weir.telemetry.pipeline.landing import replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

NOW = datetime(2025, 1, 16, tzinfo=UTC)


def loaded(script: str) -> list[str]:
    """Modules among weir's engines and pyspark that a fresh interpreter has after `script`."""
    probe = (
        f"{script}\nimport sys\n"
        "print(sorted(m for m in sys.modules if m == 'pyspark' or m.startswith('weir.telemetry.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules: list[str] = ast.literal_eval(done.stdout)
    return modules


def test_local_engine_by_name_imports_no_spark() -> None:
    script = (
        "from weir.telemetry.pipeline.engines import make_engine\n"
        "from weir.telemetry.settings import TelemetrySettings\n"
        "assert make_engine(TelemetrySettings(engine='local')).name == 'local'"
    )
    modules = loaded(script)
    assert "pyspark" not in modules
    assert "weir.telemetry.pipeline.spark" not in modules


@pytest.mark.spark
def test_spark_engine_needs_no_local_engine_module() -> None:
    modules = loaded("import weir.telemetry.pipeline.spark")
    assert "weir.telemetry.pipeline.engine" in modules
    assert "weir.telemetry.pipeline.engines" not in modules  # no engines <-> spark cycle


def test_make_engine_builds_from_the_settings() -> None:
    engine = make_engine(TelemetrySettings(engine="local", workers=3))
    assert isinstance(engine, LocalEngine)
    assert isinstance(engine, Engine)
    assert (engine.name, engine.workers) == ("local", 3)


def test_started_pool_flattens_like_one_process(tmp_path: Path) -> None:
    store = Store.from_settings(Settings(home=tmp_path / "home"))
    generate(tmp_path / "events", events=300, vehicles=4, seed=11)
    replay(tmp_path / "events", store, now=NOW)
    paths = [meta.path for meta in store.list("telemetry/raw")]
    assert len(paths) > 2
    one_pass = unify([flatten_paths(store, paths, 0, {})], {})
    assert one_pass.num_rows > 0
    for workers in (1, 2):
        with make_engine(TelemetrySettings(workers=workers)) as engine:
            engine.start()
            results = engine.flatten(store, paths, processed_at=0, established={})
        parts = 1 if workers == 1 else 4 * workers  # batches of consecutive files, in order
        assert len(results) == len(batches(paths, parts))
        assert unify(results, {}).equals(one_pass)
