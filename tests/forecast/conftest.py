"""Shared forecast fixtures: small sample stores (both layouts) written once per session."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from weir.forecast.sample import GEFS, IFS, axes, registry, write_store

POINTS = {
    "points": [
        {"id": "a", "name": "Alpha", "lat": 65.2, "lon": -125.3, "tags": ["t"]},
        {"id": "b", "name": "Bravo", "lat": 65.4, "lon": -125.1},
        {"id": "c", "name": "Charlie", "lat": 60.0, "lon": 240.0},
    ]
}


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GEFS and IFS ENS sample stores over 10° × 10° at 1°, a registry and a points file."""
    root = tmp_path_factory.mktemp("forecast-sample")
    lats, lons = axes(70.0, -130.0, 10.0, 1.0)
    for layout in (GEFS, IFS):
        write_store(root / f"{layout.source_id}.zarr", layout, lats, lons, seed=3)
    (root / "source_registry.json").write_bytes(orjson.dumps(registry((GEFS, IFS))))
    (root / "points.json").write_bytes(orjson.dumps(POINTS))
    return root


@pytest.fixture
def forecast_env(sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """WEIR_FORECAST_POINTS pointing at the test points (used with the `settings` fixture)."""
    monkeypatch.setenv("WEIR_FORECAST_POINTS", str(sample_dir / "points.json"))
    return sample_dir
