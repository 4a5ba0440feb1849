"""`weir forecast probe` (timed queries, written, read back) and `preview` (a PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
import xarray as xr
from typer.testing import CliRunner

from weir.core.errors import NotFoundError
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.models import Points
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.extract import extract
from weir.forecast.pipeline.probe import probe
from weir.forecast.preview import preview_png
from weir.forecast.settings import ForecastSettings

from .conftest import POINTS


def _inputs(sample_dir: Path) -> tuple[object, object, list[object]]:
    store = Store.from_url("memory://")
    registry = configs.load_registry(store, sample_dir / "source_registry.json")
    return registry, configs.load_variables(store), list(Points.model_validate(POINTS).points)


def test_probe_writes_queries_summary_log_and_verifies(sample_dir: Path, s3_store: Store) -> None:
    registry, variables, points = _inputs(sample_dir)
    result = probe(registry, variables, points, s3_store, queries=4, prefix="dashboard/test")  # type: ignore[arg-type]
    assert (result.queries, result.ok, result.failed) == (4, 4, 0)
    assert (result.files_written, result.verified, result.mismatched) == (6, 6, [])
    names = sorted(m.path.rsplit("/", 1)[1] for m in s3_store.list("dashboard/test"))
    assert names == [
        "Q01_gefs.json",
        "Q02_ecmwf_ifs_ens.json",
        "Q03_gefs.json",
        "Q04_ecmwf_ifs_ens.json",
        "query_performance.log",
        "summary.json",
    ]
    q2 = s3_store.get_json("dashboard/test/Q02_ecmwf_ifs_ens.json")
    assert q2["point"]["id"] == "b"
    assert q2["nearest"] == {
        "lat": 65.0,
        "lon": -125.0,
        "distance_km": q2["nearest"]["distance_km"],
    }
    assert len(q2["members"]) == 51
    assert len(q2["members"][0]) == 61
    assert q2["metrics"]["elements"] == 51 * 61
    assert q2["metrics"]["status"] == "ok"
    # the values are the IFS store's temperature, K converted to °C
    ds = xr.open_zarr(sample_dir / "ecmwf_ifs_ens.zarr", chunks=None)
    raw = ds["temperature_2m"].isel(init_time=1, latitude=5, longitude=5, ensemble_member=3)
    expected = np.round(raw.values.astype("float64") - 273.15, 4)
    assert q2["members"][3] == expected.tolist()
    summary = s3_store.get_json("dashboard/test/summary.json")
    assert [q["status"] for q in summary["queries"]] == ["ok"] * 4
    assert summary["p95_s"] >= summary["p50_s"] > 0
    log = s3_store.get("dashboard/test/query_performance.log").decode().splitlines()
    assert len(log) == 5
    assert log[-1].startswith("p50_s=")


def test_a_failed_query_is_recorded(sample_dir: Path, tmp_path: Path) -> None:
    registry, variables, points = _inputs(sample_dir)
    broken = registry.model_copy(  # type: ignore[attr-defined]
        update={"sources": [registry.sources[0].model_copy(update={"url": str(tmp_path / "x")})]}  # type: ignore[attr-defined]
    )
    store = Store.from_url("memory://")
    result = probe(broken, variables, points, store, queries=2)  # type: ignore[arg-type]
    assert (result.ok, result.failed) == (0, 2)
    q1 = store.get_json("Q01_gefs.json")
    assert q1["metrics"]["status"] == "failed"
    assert q1["metrics"]["error"].startswith("gefs: cannot open")


def test_cli_probe_and_preview(settings: Settings, forecast_env: Path, tmp_path: Path) -> None:
    from weir.forecast.cli import app

    runner = CliRunner()
    registry = str(forecast_env / "source_registry.json")
    out = runner.invoke(
        app,
        ["probe", "--registry", registry, "--queries", "2", "--out", str(tmp_path / "p"), "--json"],
    )
    assert out.exit_code == 0, out.output
    assert orjson.loads(out.stdout.splitlines()[-1])["verified"] == 4
    extract(Store.from_settings(settings), ForecastSettings(), settings)
    png = tmp_path / "preview.png"
    shown = runner.invoke(
        app, ["preview", "--out", str(png), "--point", "c", "--variable", "snow_depth"]
    )
    assert shown.exit_code == 0, shown.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    missing = runner.invoke(app, ["preview", "--variable", "fog"])
    assert missing.exit_code == 2
    assert "nothing extracted for variable 'fog'" in missing.output
    with pytest.raises(NotFoundError, match="no extracted traces of point 'zz'"):
        preview_png(Store.from_settings(settings), variable="snow_depth", point="zz")
