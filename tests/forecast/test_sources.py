"""Sample stores in both dynamical.org layouts: dimension order from the store, latest complete
run, block reads equal to a plain xarray selection, configuration validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
import xarray as xr

from weir.core.errors import BadInputError
from weir.core.storage import Store
from weir.forecast.errors import LayoutError
from weir.forecast.models import Registry, Source
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.source import open_source
from weir.forecast.sample import GEFS, axes, write_store


def _sources(sample_dir: Path) -> dict[str, Source]:
    reg = configs.load_registry(Store.from_url("memory://"), sample_dir / "source_registry.json")
    return {source.source_id: source for source in reg.sources}


def test_dimension_order_is_read_from_the_store(sample_dir: Path) -> None:
    sources = _sources(sample_dir)
    gefs, ifs = open_source(sources["gefs"]), open_source(sources["ecmwf_ifs_ens"])
    assert gefs.native_dims("temperature_2m") == GEFS.dims
    assert ifs.native_dims("wind_u_10m") == (
        "init_time",
        "lead_time",
        "ensemble_member",
        "latitude",
        "longitude",
    )
    assert (gefs.members.size, ifs.members.size) == (31, 51)
    assert gefs.grid.lats[:2].tolist() == [70.0, 69.0]  # descending
    # a registry that documents the wrong order does not change what is read
    wrong = sources["ecmwf_ifs_ens"].model_copy(update={"dimensions": GEFS.dims})
    assert open_source(wrong).native_dims("temperature_2m")[1] == "lead_time"


def test_latest_complete_run_skips_the_incomplete_one(sample_dir: Path, tmp_path: Path) -> None:
    sources = _sources(sample_dir)
    gefs = open_source(sources["gefs"])
    assert str(gefs.init_times()[gefs.latest_complete("temperature_2m")])[:13] == "2026-11-25T00"
    ifs = open_source(sources["ecmwf_ifs_ens"])
    assert str(ifs.init_times()[ifs.latest_complete("temperature_2m")])[:13] == "2026-11-25T00"
    # without ingested_forecast_length, the NaN leads of the newest run tell
    lats, lons = axes(70.0, -130.0, 4.0, 1.0)
    bare = write_store(tmp_path / "bare.zarr", GEFS, lats, lons, 1, ingested_coords=False)
    opened = open_source(sources["gefs"].model_copy(update={"url": str(bare)}))
    assert "ingested_forecast_length" not in opened.ds.coords
    assert opened.latest_complete("temperature_2m") == 0


def test_block_reads_equal_a_plain_xarray_selection(sample_dir: Path) -> None:
    ifs = open_source(_sources(sample_dir)["ecmwf_ifs_ens"])
    cells = [ifs.grid.nearest(65.2, -125.3), ifs.grid.nearest(60.0, -120.0)]
    got = ifs.read_points("temperature_2m", 1, cells)
    assert ifs.chunk_reads == 2  # two chunks (10 × 10 cells each)
    ds = xr.open_zarr(sample_dir / "ecmwf_ifs_ens.zarr", chunks=None)
    for cell in cells:
        expected = (
            ds["temperature_2m"]
            .isel(init_time=1, latitude=cell.lat_index, longitude=cell.lon_index)
            .transpose("ensemble_member", "lead_time")
            .values
        )
        np.testing.assert_array_equal(got[(cell.lat_index, cell.lon_index)], expected)
        assert expected.shape == (51, 61)


def test_missing_variable_is_a_layout_error(sample_dir: Path) -> None:
    gefs = open_source(_sources(sample_dir)["gefs"])
    with pytest.raises(LayoutError, match="gefs: the store has no variable 'snowfall'"):
        gefs.native_dims("snowfall")


def test_bad_registry_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "reg.json"
    path.write_bytes(orjson.dumps({"sources": [{"source_id": "gefs", "name": "x", "url": "y"}]}))
    with pytest.raises(BadInputError) as info:
        configs.load_registry(Store.from_url("memory://"), path)
    assert (
        info.value.message
        == f"Field required (+1 more) (file {path}, row 0, field sources.members)"
    )
    path.write_text("{nope")
    with pytest.raises(BadInputError, match="not JSON"):
        configs.load_registry(Store.from_url("memory://"), path)


def test_shipped_configs_are_valid_and_consistent() -> None:
    store = Store.from_url("memory://")
    registry = configs.load_registry(store)
    variables = configs.load_variables(store)
    configs.check_sources(registry, variables)
    assert [s.source_id for s in registry.sources] == ["gefs", "ecmwf_ifs_ens"]
    assert [v.id for v in variables.variables if v.enabled] == [
        "temperature_2m",
        "precipitation",
        "snow_depth",
        "wind_speed_10m",
    ]
    assert len(configs.load_points(store).points) == 6
    bad = Registry(
        sources=[
            registry.sources[0].model_copy(
                update={"variables": {"fog": registry.sources[0].variables["snow_depth"]}}
            )
        ]
    )
    with pytest.raises(BadInputError, match="unknown canonical variable 'fog'"):
        configs.check_sources(bad, variables)
