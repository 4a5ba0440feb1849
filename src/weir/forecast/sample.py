"""Deterministic sample stores: Zarr v3, sharded, in dynamical.org's two layouts.

``gefs.zarr`` is (init_time, ensemble_member, lead_time, latitude, longitude) with 31 members;
``ecmwf_ifs_ens.zarr`` is (init_time, lead_time, ensemble_member, latitude, longitude) with 51.
Latitude descends, longitude ascends, over a region of the North American West. Fields are
plausible: a diurnal 2 m temperature (GEFS in °C, IFS in K), precipitation events moving east as a
rate in kg m-2 s-1 (NaN at lead 0, as real stores have), snow depth in the cold north, u/v wind.
Two init times per source; the newest GEFS run is incomplete (NaN past lead 384 h, and
``ingested_forecast_length`` says so), so "latest complete run" is exercised.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
import typer

from weir.core.cli import SampleSummary

GEFS_DIMS = ("init_time", "ensemble_member", "lead_time", "latitude", "longitude")
IFS_DIMS = ("init_time", "lead_time", "ensemble_member", "latitude", "longitude")


@dataclass(frozen=True)
class Layout:
    """One sample store's shape."""

    source_id: str
    dims: tuple[str, ...]
    members: int
    inits: tuple[str, ...]
    max_lead: int
    kelvin: bool
    ingested_last: int | None = None  # the newest init's ingested length, hours (None: full)


GEFS = Layout("gefs", GEFS_DIMS, 31, ("2026-11-25T00", "2026-11-25T06"), 480, False, 384)
IFS = Layout("ecmwf_ifs_ens", IFS_DIMS, 51, ("2026-11-24T12", "2026-11-25T00"), 360, True)
NATIVE = {
    "temperature_2m": "temperature_2m",
    "precipitation": "precipitation_surface",
    "snow_depth": "snow_depth_surface",
    "wind_speed_10m": ["wind_u_10m", "wind_v_10m"],
    "wind_direction_10m": ["wind_u_10m", "wind_v_10m"],
}


def _fields(layout: Layout, lats: Any, lons: Any, leads: Any, rng: Any) -> dict[str, Any]:
    """Arrays shaped (init, member, lead, lat, lon), float32."""
    n_init, members = len(layout.inits), layout.members
    lat = lats[None, None, None, :, None]
    lon = lons[None, None, None, None, :]
    inits = np.array(layout.inits, dtype="datetime64[h]")
    init_hour = (inits - inits.astype("datetime64[D]")).astype(int)[:, None, None, None, None]
    lead = leads[None, None, :, None, None].astype("float64")
    shape = (n_init, members, len(leads), 1, 1)
    drift = np.cumsum(rng.normal(0.0, 0.35, shape), axis=2)  # members diverge with lead
    tilt = np.cumsum(rng.normal(0.0, 0.02, shape), axis=2)
    local_hour = (init_hour + lead + lon / 15.0) % 24
    temp = (
        24.0
        - 0.75 * (lat - 30.0)
        + 6.0 * np.cos(2 * np.pi * (local_hour - 15.0) / 24.0)
        - 0.02 * lead / 6.0
        + drift
        + tilt * (lat - 50.0)
    )
    amp = rng.gamma(2.0, 0.8, shape)  # mm/h peak of each member's storm
    shift = rng.normal(0.0, 2.5, shape)
    rain_mm_h = np.zeros(np.broadcast_shapes(shape, lat.shape, lon.shape))
    for start, lat_offset in ((0.0, -3.0), (200.0, 2.0)):  # two storms moving east
        centre = lons.min() + 3.0 + 0.3 * (lead - start) + shift
        rain_mm_h = rain_mm_h + amp * np.exp(
            -((lon - centre) ** 2) / (2 * 4.0**2)
            - (lat - lats.mean() - lat_offset - 0.2 * shift) ** 2 / (2 * 5.0**2)
        )
    rain_mm_h = np.where(rain_mm_h > 0.05, rain_mm_h, 0.0)
    rate = rain_mm_h / 3600.0
    rate[:, :, 0] = np.nan  # no step ends at lead 0
    snow = np.clip(-temp, 0.0, None) * 0.02 + np.clip((lat - 55.0) / 30.0, 0.0, None)
    u = 6.0 + 5.0 * np.sin(np.radians(lat) * 3.0) + drift * 0.8
    v = 2.0 * np.cos(np.radians(lon) * 4.0) + tilt * 20.0
    temp = temp + (273.15 if layout.kelvin else 0.0)
    return {
        "temperature_2m": temp,
        "precipitation_surface": rate,
        "snow_depth_surface": snow * np.ones_like(temp),
        "wind_u_10m": u * np.ones_like(temp),
        "wind_v_10m": v * np.ones_like(temp),
    }


def _hours_td(hours: Any) -> Any:
    return (np.asarray(hours) * 3600).astype("timedelta64[s]").astype("timedelta64[ns]")


def write_store(
    path: Path,
    layout: Layout,
    lats: Any,
    lons: Any,
    seed: int,
    *,
    step: int = 6,
    chunk: int = 10,
    ingested_coords: bool = True,
) -> Path:
    """Write one sample store; returns its path."""
    import xarray as xr

    rng = np.random.default_rng([seed, len(layout.source_id), layout.members])
    leads = np.arange(0, layout.max_lead + 1, step)
    data = _fields(layout, np.asarray(lats, "float64"), np.asarray(lons, "float64"), leads, rng)
    if layout.ingested_last is not None:
        cut = leads > layout.ingested_last
        for array in data.values():
            array[-1, :, cut] = np.nan
    order = [GEFS_DIMS.index(dim) for dim in layout.dims]
    ingested = np.array([layout.max_lead] * len(layout.inits), dtype="float64")
    if layout.ingested_last is not None:
        ingested[-1] = layout.ingested_last
    coords: dict[str, Any] = {
        "init_time": np.array(layout.inits, dtype="datetime64[ns]"),
        "ensemble_member": np.arange(layout.members, dtype="int16"),
        "lead_time": (leads * 3600).astype("timedelta64[s]").astype("timedelta64[ns]"),
        "latitude": np.asarray(lats, "float64"),
        "longitude": np.asarray(lons, "float64"),
    }
    if ingested_coords:
        expected = np.full(len(layout.inits), layout.max_lead, dtype="int64")
        coords["ingested_forecast_length"] = ("init_time", _hours_td(ingested.astype("int64")))
        coords["expected_forecast_length"] = ("init_time", _hours_td(expected))
    units = {
        "temperature_2m": "K" if layout.kelvin else "degree_Celsius",
        "precipitation_surface": "kg m-2 s-1",
        "snow_depth_surface": "m",
        "wind_u_10m": "m s-1",
        "wind_v_10m": "m s-1",
    }
    variables = {
        name: (layout.dims, np.transpose(array, order).astype("float32"), {"units": units[name]})
        for name, array in data.items()
    }
    ds = xr.Dataset(variables, coords=coords, attrs={"source": f"weir sample ({layout.source_id})"})
    sizes = dict(ds.sizes)
    chunks = {
        "init_time": 1,
        "ensemble_member": layout.members,
        "lead_time": sizes["lead_time"],
        "latitude": chunk,
        "longitude": chunk,
    }
    shards = {**chunks, "latitude": chunk * 2, "longitude": chunk * 2}
    encoding = {
        name: {
            "chunks": tuple(chunks[d] for d in layout.dims),
            "shards": tuple(shards[d] for d in layout.dims),
        }
        for name in data
    }
    with warnings.catch_warnings():  # consolidated metadata is an extension of Zarr v3
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds.to_zarr(path, mode="w", zarr_format=3, encoding=encoding, consolidated=True)
    return path


def registry(layouts: tuple[Layout, ...]) -> dict[str, Any]:
    """A source registry naming the sample stores (paths relative to the registry file)."""
    names = {"gefs": "NOAA GEFS (sample)", "ecmwf_ifs_ens": "ECMWF IFS ENS (sample)"}
    sources = []
    for layout in layouts:
        temp_units = "K" if layout.kelvin else "degC"
        variables: dict[str, Any] = {
            canonical: {"native": native, "units": "m s-1"}
            if isinstance(native, list)
            else {"native": native, "units": "kg m-2 s-1"}
            for canonical, native in NATIVE.items()
        }
        variables["temperature_2m"] = {"native": "temperature_2m", "units": temp_units}
        variables["snow_depth"] = {"native": "snow_depth_surface", "units": "m"}
        sources.append(
            {
                "source_id": layout.source_id,
                "name": names.get(layout.source_id, layout.source_id),
                "url": f"{layout.source_id}.zarr",
                "dimensions": list(layout.dims),
                "members": layout.members,
                "variables": variables,
            }
        )
    return {"sources": sources}


def axes(north: float, west: float, span: float, resolution: float) -> tuple[Any, Any]:
    """Descending latitudes from `north`, ascending longitudes from `west`."""
    count = round(span / resolution) + 1
    lats = np.round(north - resolution * np.arange(count), 6)
    lons = np.round(west + resolution * np.arange(count), 6)
    return lats, lons


def sample(
    out: Path,
    seed: int,
    span: Annotated[float, typer.Option(help="Region size in degrees (square).")] = 40.0,
    resolution: Annotated[float, typer.Option(help="Grid spacing in degrees.")] = 1.0,
) -> SampleSummary:
    """Sample ensemble Zarr stores (GEFS and IFS ENS layouts) and a registry naming them."""
    lats, lons = axes(70.0, -130.0, span, resolution)
    out.mkdir(parents=True, exist_ok=True)
    for layout in (GEFS, IFS):
        write_store(out / f"{layout.source_id}.zarr", layout, lats, lons, seed)
    (out / "source_registry.json").write_bytes(
        orjson.dumps(registry((GEFS, IFS)), option=orjson.OPT_INDENT_2)
    )
    files = sum(1 for path in out.rglob("*") if path.is_file())
    return SampleSummary(
        root=out,
        files=files,
        messy={
            "incomplete newest GEFS run (NaN past 384 h)": 1,
            "IFS temperature in K": 1,
            "precipitation NaN at lead 0": 2,
        },
        figures={"grid": f"{len(lats)}x{len(lons)} at {resolution}°", "sources": 2},
    )
