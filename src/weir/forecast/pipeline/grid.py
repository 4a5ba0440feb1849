"""Grid geometry: longitude normalisation, nearest grid point (wrapping, either latitude order),
great-circle distance and domain checks. Pure NumPy, shared by extraction and the points API."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088


def normalize_lon(lon: float) -> float:
    """Longitude in [-180, 180), to 1e-9°: 350 → -10, 180 → -180."""
    return round(float(((lon + 180.0) % 360.0) - 180.0), 9)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (mean Earth radius)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)))


@dataclass(frozen=True)
class Nearest:
    """The grid point nearest to a requested location.

    Attributes:
        lat_index, lon_index: Indexes into the store's latitude and longitude.
        lat, lon: The grid point's coordinates.
        distance_km: Distance from the requested location.
    """

    lat_index: int
    lon_index: int
    lat: float
    lon: float
    distance_km: float


@dataclass(frozen=True)
class Grid:
    """A source's latitude and longitude axes (any order; longitudes in any convention)."""

    lats: NDArray[np.float64]
    lons: NDArray[np.float64]

    @classmethod
    def of(cls, lats: ArrayLike, lons: ArrayLike) -> Grid:
        """A grid from coordinate arrays."""
        return cls(np.asarray(lats, dtype="float64"), np.asarray(lons, dtype="float64"))

    def _spacing(self, axis: NDArray[np.float64]) -> float:
        return float(np.min(np.abs(np.diff(axis)))) if axis.size > 1 else 0.0

    @property
    def is_global(self) -> bool:
        """Whether the longitudes go all the way round (the axis wraps)."""
        return self.lons.size > 1 and self.lons.size * self._spacing(self.lons) >= 359.999

    def contains(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) lies within the grid, half a cell beyond its edges included."""
        half_lat = self._spacing(self.lats) / 2
        if not self.lats.min() - half_lat <= lat <= self.lats.max() + half_lat:
            return False
        if self.is_global:
            return True
        half_lon = self._spacing(self.lons) / 2
        offsets = (normalize_lon(lon - self.lons[0]) + 360.0) % 360.0
        span = (normalize_lon(self.lons[-1] - self.lons[0]) + 360.0) % 360.0
        return bool(offsets <= span + half_lon or offsets >= 360.0 - half_lon)

    def nearest(self, lat: float, lon: float) -> Nearest:
        """The nearest grid point: latitude by absolute difference (ascending or descending
        axes), longitude by the shortest way round (179.9 is next to -180)."""
        lat_index = int(np.argmin(np.abs(self.lats - lat)))
        lon_diff = np.abs(((self.lons - lon + 180.0) % 360.0) - 180.0)
        lon_index = int(np.argmin(lon_diff))
        grid_lat, grid_lon = float(self.lats[lat_index]), float(self.lons[lon_index])
        return Nearest(
            lat_index,
            lon_index,
            grid_lat,
            normalize_lon(grid_lon),
            round(haversine_km(lat, lon, grid_lat, grid_lon), 3),
        )
