"""Reading an ensemble Zarr store: open by URL, check its layout, find the latest complete run,
and read blocks of grid cells (one read per chunk, shared by every point inside it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
from numpy.typing import NDArray

from weir.forecast.errors import LayoutError, SourceError
from weir.forecast.models import DIMENSIONS, Source
from weir.forecast.pipeline.grid import Grid, Nearest

if TYPE_CHECKING:
    import xarray as xr

    from weir.core.settings import Settings

READ_ORDER = ("ensemble_member", "lead_time", "latitude", "longitude")


def retry_config(retries: int) -> dict[str, Any]:
    """obstore's retry policy for remote stores: exponential backoff on transient errors
    (connection errors, 5xx, 429), at most `retries` retries within 60 s."""
    from datetime import timedelta

    return {
        "max_retries": retries,
        "backoff": {
            "init_backoff": timedelta(milliseconds=200),
            "max_backoff": timedelta(seconds=10),
            "base": 2.0,
        },
        "retry_timeout": timedelta(seconds=60),
    }


def zarr_store(
    url: str,
    *,
    anonymous: bool,
    region: str,
    settings: Settings | None,
    retries: int = 3,
) -> Any:
    """What ``xarray.open_zarr`` opens for `url`: a path, or a zarr ``ObjectStore`` over obstore
    for ``s3://`` and ``https://`` (no fsspec), retrying transient errors with backoff."""
    from zarr.storage import ObjectStore

    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return parsed.netloc + parsed.path if parsed.scheme else url
    if parsed.scheme == "s3":
        from obstore.store import S3Store

        kwargs: dict[str, Any] = {"region": region, "retry_config": retry_config(retries)}
        if anonymous:
            kwargs["skip_signature"] = True
        elif settings is not None:
            if settings.s3_endpoint_url:
                kwargs["endpoint"] = settings.s3_endpoint_url
            if settings.s3_access_key_id and settings.s3_secret_access_key:
                kwargs["access_key_id"] = settings.s3_access_key_id.get_secret_value()
                kwargs["secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
            kwargs["region"] = settings.s3_region
            if settings.s3_allow_http:
                kwargs["client_options"] = {"allow_http": True}
        backend: Any = S3Store(parsed.netloc, prefix=parsed.path.strip("/") or None, **kwargs)
        return ObjectStore(backend, read_only=True)
    if parsed.scheme in ("http", "https"):
        from obstore.store import HTTPStore

        http = HTTPStore.from_url(
            url,
            client_options={"allow_http": parsed.scheme == "http"},
            retry_config=retry_config(retries),  # type: ignore[arg-type]
        )
        return ObjectStore(http, read_only=True)
    raise SourceError(f"unsupported source URL {url!r}: use a path, file://, s3:// or https://")


@dataclass
class OpenSource:
    """An opened source store.

    Attributes:
        source: Its registry entry.
        ds: The lazily opened dataset (no dask: ``chunks=None``).
        grid: Its latitude/longitude axes.
        chunk_reads: Blocks read so far (each chunk once per variable and run).
    """

    source: Source
    ds: xr.Dataset
    grid: Grid
    chunk_reads: int = 0
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def native_dims(self, name: str) -> tuple[str, ...]:
        """The dimension order of a native variable, read from the store.

        Raises:
            LayoutError: the variable is missing or has other dimensions.
        """
        if name not in self.dims:
            if name not in self.ds.data_vars:
                raise LayoutError(
                    f"{self.source.source_id}: the store has no variable {name!r}",
                    field=f"variables.{name}",
                )
            dims = tuple(str(dim) for dim in self.ds[name].dims)
            if sorted(dims) != sorted(DIMENSIONS):
                raise LayoutError(
                    f"{self.source.source_id}: {name} has dimensions {dims}, expected "
                    f"{', '.join(DIMENSIONS)} in some order",
                    field="dimensions",
                )
            self.dims[name] = dims
        return self.dims[name]

    @property
    def lead_hours(self) -> NDArray[np.float64]:
        """Lead times in hours."""
        return _hours(self.ds["lead_time"].values)

    @property
    def members(self) -> NDArray[np.int64]:
        """Ensemble member labels."""
        return np.asarray(self.ds["ensemble_member"].values).astype("int64")

    def chunk_shape(self, name: str) -> tuple[int, int]:
        """The (latitude, longitude) size of a variable's read chunk (inner chunk if sharded)."""
        dims = self.native_dims(name)
        chunks = self.ds[name].encoding.get("chunks") or self.ds[name].shape
        return int(chunks[dims.index("latitude")]), int(chunks[dims.index("longitude")])

    def init_times(self) -> NDArray[np.datetime64]:
        """Init times, in store order."""
        return np.asarray(self.ds["init_time"].values).astype("datetime64[ns]")

    def latest_complete(self, probe: str) -> int:
        """Index of the newest init time whose run is complete.

        Uses the store's ``ingested_forecast_length``/``expected_forecast_length`` when it has
        them (dynamical.org stores do); otherwise a run is complete when the last lead time has
        a finite value at the grid's centre for `probe`.

        Raises:
            SourceError: no init time is complete.
        """
        times = self.init_times()
        order = np.argsort(times)[::-1]
        coords = self.ds.coords
        if "ingested_forecast_length" in coords and "expected_forecast_length" in coords:
            ingested = _hours(coords["ingested_forecast_length"].values)
            expected = _hours(coords["expected_forecast_length"].values)
            for index in order:
                if np.isfinite(ingested[index]) and ingested[index] >= expected[index]:
                    return int(index)
        else:
            dims = self.native_dims(probe)
            centre = {"latitude": self.grid.lats.size // 2, "longitude": self.grid.lons.size // 2}
            for index in order:
                sel = {"init_time": int(index), "lead_time": -1, **centre}
                values = self.ds[probe].isel({d: sel[d] for d in dims if d in sel}).values
                if np.isfinite(values).any():
                    return int(index)
        raise SourceError(f"{self.source.source_id}: no complete init time in the store")

    def read_points(
        self, name: str, init_index: int, cells: Iterable[Nearest]
    ) -> dict[tuple[int, int], NDArray[np.float64]]:
        """(member, lead) arrays of `name` at each grid cell, reading each chunk once.

        Returns:
            (lat_index, lon_index) → array of shape (members, leads), float64.
        """
        dims = self.native_dims(name)
        clat, clon = self.chunk_shape(name)
        groups: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)
        for cell in cells:
            groups[(cell.lat_index // clat, cell.lon_index // clon)].add(
                (cell.lat_index, cell.lon_index)
            )
        out: dict[tuple[int, int], NDArray[np.float64]] = {}
        variable = self.ds[name].variable
        for (blat, blon), members in groups.items():
            lat0, lon0 = blat * clat, blon * clon
            index = {
                "init_time": init_index,
                "latitude": slice(lat0, lat0 + clat),
                "longitude": slice(lon0, lon0 + clon),
            }
            block = variable.isel({d: index[d] for d in dims if d in index})
            self.chunk_reads += 1
            rest = [d for d in dims if d != "init_time"]
            data = np.transpose(
                np.asarray(block.values, dtype="float64"), [rest.index(d) for d in READ_ORDER]
            )
            for lat_index, lon_index in members:
                out[(lat_index, lon_index)] = data[:, :, lat_index - lat0, lon_index - lon0]
        return out


def _hours(values: Any) -> NDArray[np.float64]:
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.timedelta64):
        return array.astype("timedelta64[s]").astype("float64") / 3600.0
    return array.astype("float64")


def open_source(
    source: Source, settings: Settings | None = None, *, retries: int = 3
) -> OpenSource:
    """Open a source store lazily and read its axes.

    Raises:
        SourceError: it cannot be opened (unreachable, not Zarr).
        LayoutError: it lacks the coordinates of an ensemble forecast.
    """
    import xarray as xr

    target = zarr_store(
        source.url,
        anonymous=source.anonymous,
        region=source.region,
        settings=settings,
        retries=retries,
    )
    try:
        ds = xr.open_zarr(target, chunks=None, decode_timedelta=True)
    except (FileNotFoundError, OSError, ValueError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(f"{source.source_id}: cannot open {source.url}: {first}") from exc
    missing = [dim for dim in DIMENSIONS if dim not in ds.coords]
    if missing:
        raise LayoutError(
            f"{source.source_id}: the store lacks the coordinates {', '.join(missing)}",
            field="dimensions",
        )
    grid = Grid.of(ds["latitude"].values, ds["longitude"].values)
    return OpenSource(source, ds, grid)
