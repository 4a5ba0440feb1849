"""`weir forecast extract`: artifacts in the seed's layout, status files, skip, isolation, S3."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
from typer.testing import CliRunner

from weir.core.runs import last_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.errors import SourceError
from weir.forecast.models import POINT_COLUMNS, SUMMARY_COLUMNS
from weir.forecast.pipeline import status
from weir.forecast.pipeline.extract import extract
from weir.forecast.settings import ForecastSettings

GEFS_T = "forecasts/source=gefs/variable=temperature_2m/init_date=2026-11-25"
IFS_T = "forecasts/source=ecmwf_ifs_ens/variable=temperature_2m/init_date=2026-11-25"


def _frame(store: Store, path: str) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(store.get(path)))


def _run(store: Store, sample_dir: Path, **kwargs: object) -> object:
    return extract(
        store,
        ForecastSettings(points=sample_dir / "points.json"),
        registry=sample_dir / "source_registry.json",
        **kwargs,  # type: ignore[arg-type]
    )


def test_extract_writes_the_seed_layout(sample_dir: Path) -> None:
    store = Store.from_url("memory://")
    result = _run(store, sample_dir)
    assert result.status == "ok"  # type: ignore[attr-defined]
    assert result.init_times == {  # type: ignore[attr-defined]
        "gefs": "2026-11-25T00:00:00+00:00",
        "ecmwf_ifs_ens": "2026-11-25T00:00:00+00:00",
    }
    # 3 points × (31 members × 81 leads + 51 × 61) × 4 variables
    assert result.rows == 3 * (31 * 81 + 51 * 61) * 4  # type: ignore[attr-defined]
    # a and b share a chunk: per source 2 chunk groups × 5 native reads (t, p, snow, u, v)
    assert result.chunk_reads == 2 * 2 * 5  # type: ignore[attr-defined]
    points = _frame(store, f"{GEFS_T}/points.parquet")
    assert tuple(points.columns) == POINT_COLUMNS
    assert len(points) == 3 * 31 * 81
    assert set(points["units_native"]) == {"degC"}
    summary = _frame(store, f"{IFS_T}/ensemble_summary.parquet")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 3 * 61
    # the summary is numpy's quantiles of the stored members; IFS K became °C
    ifs = _frame(store, f"{IFS_T}/points.parquet")
    one = ifs[(ifs.point_id == "c") & (ifs.lead_hours == 48)]["value"].to_numpy()
    row = summary[(summary.point_id == "c") & (summary.lead_hours == 48)].iloc[0]
    assert row["member_count"] == 51
    assert one.size == 51
    assert row["q10"] == np.quantile(one, 0.1)
    assert row["median"] == np.median(one)
    assert -40 < row["median"] < 30
    assert row["valid_time"] == pd.Timestamp("2026-11-27T00:00", tz="UTC")
    # the point given at lon 240 was normalised to -120
    charlie = points[points.point_id == "c"].iloc[0]
    assert charlie["point_name"] == "Charlie"
    precip = _frame(
        store,
        "forecasts/source=gefs/variable=precipitation/init_date=2026-11-25/ensemble_summary.parquet",
    )
    assert precip[precip.lead_hours == 0]["member_count"].tolist() == [0, 0, 0]


def test_status_files_manifest_run_record_and_logs(sample_dir: Path) -> None:
    store = Store.from_url("memory://")
    result = _run(store, sample_dir)
    doc = store.get_json("dashboard/status/extraction_status.json")
    assert doc["run_id"] == result.run_id  # type: ignore[attr-defined]
    assert doc["sources_processed"] == ["gefs", "ecmwf_ifs_ens"]
    assert doc["variables_processed"] == [
        "precipitation",
        "snow_depth",
        "temperature_2m",
        "wind_speed_10m",
    ]
    assert doc["errors"] == []
    assert doc["last_successful_extract_utc"].endswith("Z")
    inventory = store.get_json("dashboard/status/inventory_status.json")
    assert inventory["bucket"] == "memory://"
    assert (
        inventory["object_count"]
        == sum(
            1
            for p in ("forecasts", "manifests", "dashboard", "logs/extraction")
            for _ in store.list(p)
        )
        - 2
    )  # the inventory itself and the run's log are written after counting
    assert inventory["estimated_monthly_storage_usd"] == round(
        inventory["total_size_bytes"] / 1024**3 * 0.023, 6
    )
    manifest = store.get_json("manifests/latest.json")
    assert manifest == store.get_json(f"manifests/run_id={result.run_id}.json")  # type: ignore[attr-defined]
    assert sorted(manifest["sources"]["gefs"]["points"]) == ["a", "b", "c"]
    charlie = manifest["sources"]["ecmwf_ifs_ens"]["nearest"]["c"]
    assert (charlie["lat"], charlie["lon"], charlie["distance_km"]) == (60.0, -120.0, 0.0)
    record = last_run(store, "forecast", "extract")
    assert record is not None
    assert record.status == "ok"
    assert record.counts["rows"] > 0
    logs = list(store.list("logs/extraction"))
    lines = store.get(logs[0].path).decode().splitlines()
    assert all(orjson.loads(line)["record"]["extra"]["run_id"] == record.run_id for line in lines)


def test_rerun_is_skipped_new_point_extracted_alone(sample_dir: Path, tmp_path: Path) -> None:
    store = Store.from_url("memory://")
    _run(store, sample_dir)
    again = _run(store, sample_dir)
    assert again.status == "skipped"
    assert again.rows == 0
    record = last_run(store, "forecast", "extract")
    assert record is not None
    assert record.status == "skipped"
    points = orjson.loads((sample_dir / "points.json").read_bytes())
    points["points"].append({"id": "d", "name": "Delta", "lat": 62.0, "lon": -128.0})
    (tmp_path / "p.json").write_bytes(orjson.dumps(points))
    added = extract(store, ForecastSettings(points=tmp_path / "p.json"))
    assert added.rows == (31 * 81 + 51 * 61) * 4
    frame = _frame(store, f"{GEFS_T}/points.parquet")
    assert sorted(frame.point_id.unique()) == ["a", "b", "c", "d"]
    assert len(frame) == 4 * 31 * 81
    forced = extract(store, ForecastSettings(), point_ids=["a"])
    assert forced.rows == (31 * 81 + 51 * 61) * 4
    assert len(_frame(store, f"{GEFS_T}/points.parquet")) == 4 * 31 * 81  # replaced, not doubled


def test_a_failing_source_is_isolated(sample_dir: Path, tmp_path: Path) -> None:
    registry = orjson.loads((sample_dir / "source_registry.json").read_bytes())
    registry["sources"][0]["url"] = str(sample_dir / "gefs.zarr")
    registry["sources"][1]["url"] = str(tmp_path / "missing.zarr")
    (tmp_path / "reg.json").write_bytes(orjson.dumps(registry))
    store = Store.from_url("memory://")
    with pytest.raises(SourceError, match=r"^ecmwf_ifs_ens: cannot open .*missing.zarr"):
        extract(
            store,
            ForecastSettings(points=sample_dir / "points.json"),
            registry=tmp_path / "reg.json",
        )
    doc = store.get_json("dashboard/status/extraction_status.json")
    assert doc["sources_processed"] == ["gefs"]
    assert doc["errors"][0]["source_id"] == "ecmwf_ifs_ens"
    assert store.exists(f"{GEFS_T}/points.parquet")
    assert not store.exists(f"{IFS_T}/points.parquet")
    record = last_run(store, "forecast", "extract")
    assert record is not None
    assert record.status == "failed"


def test_retention_keeps_the_newest_init_date() -> None:
    store = Store.from_url("memory://")
    base = "forecasts/source=gefs/variable=temperature_2m"
    for day in ("2026-09-01", "2026-10-01", "2026-11-20"):
        store.put(f"{base}/init_date={day}/points.parquet", b"x")
    store.put("forecasts/source=gefs/variable=snow_depth/init_date=2026-09-01/points.parquet", b"x")
    deleted = status.retain(store, 30, now=datetime(2026, 11, 26, tzinfo=UTC))
    assert deleted == [
        f"{base}/init_date=2026-09-01/points.parquet",
        f"{base}/init_date=2026-10-01/points.parquet",
    ]
    assert date.fromisoformat("2026-09-01")  # the snow partition is its variable's newest
    assert store.exists(
        "forecasts/source=gefs/variable=snow_depth/init_date=2026-09-01/points.parquet"
    )


def test_extract_on_s3_through_moto(
    s3_store: Store, s3_settings: Settings, sample_dir: Path
) -> None:
    result = extract(
        s3_store,
        ForecastSettings(points=sample_dir / "points.json"),
        s3_settings,
        registry=sample_dir / "source_registry.json",
    )
    assert result.status == "ok"
    assert result.files_written == 16
    assert len(_frame(s3_store, f"{IFS_T}/points.parquet")) == 3 * 51 * 61
    inventory = s3_store.get_json("dashboard/status/inventory_status.json")
    assert inventory["bucket"] == s3_store.url.split("/")[2]


def test_cli_extract_then_up_to_date(settings: Settings, forecast_env: Path) -> None:
    from weir.forecast.cli import app

    runner = CliRunner()
    registry = str(forecast_env / "source_registry.json")
    first = runner.invoke(app, ["extract", "--registry", registry, "--json"])
    assert first.exit_code == 0, first.output
    assert orjson.loads(first.stdout.splitlines()[-1])["status"] == "ok"
    second = runner.invoke(app, ["extract", "--json"])
    assert second.exit_code == 0
    assert orjson.loads(second.stdout.splitlines()[-1])["status"] == "skipped"
    bad = runner.invoke(app, ["extract", "--point", "nope"])
    assert bad.exit_code == 2
    assert "unknown point id(s): nope" in bad.output
    shown = runner.invoke(app, ["status", "--json"])
    assert orjson.loads(shown.stdout)["freshness"] == "fresh"


def test_sources_read_from_s3_through_obstore(
    s3_store: Store, s3_settings: Settings, sample_dir: Path, tmp_path: Path
) -> None:
    """The Zarr stores themselves on S3 (moto), read by zarr's ObjectStore over obstore."""
    bucket = s3_store.url.split("/")[2]
    source_bucket = Store.from_url(f"s3://{bucket}/zarr", settings=s3_settings)
    for layout in ("gefs", "ecmwf_ifs_ens"):
        root = sample_dir / f"{layout}.zarr"
        for path in root.rglob("*"):
            if path.is_file():
                source_bucket.put(f"{layout}.zarr/{path.relative_to(root)}", path.read_bytes())
    registry = orjson.loads((sample_dir / "source_registry.json").read_bytes())
    for source in registry["sources"]:
        source["url"] = f"s3://{bucket}/zarr/{source['source_id']}.zarr"
        source["anonymous"] = False
    (tmp_path / "reg.json").write_bytes(orjson.dumps(registry))
    store = Store.from_url("memory://")
    result = extract(
        store,
        ForecastSettings(points=sample_dir / "points.json"),
        s3_settings,
        registry=tmp_path / "reg.json",
    )
    assert result.status == "ok"
    assert result.rows == 3 * (31 * 81 + 51 * 61) * 4
    local = Store.from_url("memory://")
    _run(local, sample_dir)
    assert _frame(store, f"{IFS_T}/points.parquet").equals(_frame(local, f"{IFS_T}/points.parquet"))


def test_map_summary_mean_and_spread_on_the_grid(sample_dir: Path) -> None:
    store = Store.from_url("memory://")
    extract(
        store,
        ForecastSettings(points=sample_dir / "points.json", map_leads=(24, 48, 999)),
        registry=sample_dir / "source_registry.json",
    )
    grid = _frame(
        store,
        "forecasts/source=gefs/variable=precipitation/init_date=2026-11-25/map_summary.parquet",
    )
    assert len(grid) == 2 * 11 * 11  # lead 999 is not in the store
    assert sorted(grid["lead_hours"].unique()) == [24, 48]
    members = _frame(store, f"{GEFS_T.replace('temperature_2m', 'precipitation')}/points.parquet")
    at_c = members[(members.point_id == "c") & (members.lead_hours == 24)]["value"].to_numpy()
    cell = grid[(grid.latitude == 60.0) & (grid.longitude == -120.0) & (grid.lead_hours == 24)]
    assert cell["member_count"].item() == 31
    assert cell["mean"].item() == pytest.approx(np.mean(at_c), rel=1e-12)
    assert cell["spread"].item() == pytest.approx(np.std(at_c), rel=1e-12)
