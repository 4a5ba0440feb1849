"""What the dashboard shows, from the precomputed artifacts only (cached; never the Zarr stores).

Display units: metric as stored (°C, mm, cm, m/s) or imperial (°F, in, in, mph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from weir.core.errors import NotFoundError
from weir.core.storage import Store
from weir.forecast.models import CONFIG, GRIDS_FILE, MANIFESTS, QUANTILES
from weir.forecast.pipeline import configs
from weir.forecast.pipeline.summary import exceedance
from weir.forecast.service import ArtifactCache, artifact_path, runs

if TYPE_CHECKING:
    import pandas as pd

# canonical units → (imperial label, scale, offset); metric keeps the canonical units
IMPERIAL = {
    "degC": ("°F", 9 / 5, 32.0),
    "mm": ("in", 1 / 25.4, 0.0),
    "cm": ("in", 1 / 2.54, 0.0),
    "m s-1": ("mph", 2.2369362920544, 0.0),
}
METRIC_LABEL = {"degC": "°C", "mm": "mm", "cm": "cm", "m s-1": "m/s", "degree": "°"}
STATS = tuple(QUANTILES)


def unit_label(units: str, system: str) -> str:
    """The label of canonical `units` in a display system (``metric`` or ``imperial``)."""
    if system == "imperial" and units in IMPERIAL:
        return IMPERIAL[units][0]
    return METRIC_LABEL.get(units, units)


def to_display(values: Any, units: str, system: str) -> Any:
    """Values in canonical `units` converted for display."""
    if system == "imperial" and units in IMPERIAL:
        _, scale, offset = IMPERIAL[units]
        return values * scale + offset
    return values


@dataclass(frozen=True)
class Selection:
    """One view of the overview tab."""

    sources: tuple[str, ...]
    variable: str
    point: str
    run: str  # an init date, or "latest"
    system: str = "metric"
    threshold: float | None = None
    above: bool = False


class Dashboard:
    """The dashboard's read side over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = ArtifactCache(store)
        self._catalog: tuple[Any, dict[tuple[str, str], list[str]]] | None = None

    def catalog(self) -> dict[tuple[str, str], list[str]]:
        """(source, variable) → init dates, newest first; listed again only when an extraction
        has replaced ``manifests/latest.json`` (one HEAD instead of a LIST per interaction)."""
        try:
            meta = self.store.head(f"{MANIFESTS}/latest.json")
        except NotFoundError:
            return {}
        key = (meta.size, meta.modified)
        if self._catalog is None or self._catalog[0] != key:
            self._catalog = (key, runs(self.store))
        return self._catalog[1]

    def variables(self) -> dict[str, dict[str, str]]:
        """Variable id → label and canonical units (from the active dictionary)."""
        found = configs.load_variables(self.store)
        return {v.id: {"label": v.label, "units": v.units} for v in found.variables}

    def points(self) -> dict[str, dict[str, Any]]:
        """Point id → name, time zone, lat, lon (the active points file)."""
        return {
            p.id: {"name": p.name, "timezone": p.timezone, "lat": p.lat, "lon": p.lon}
            for p in configs.load_points(self.store).points
        }

    def map_center(self) -> tuple[float, float, int]:
        """Latitude, longitude and zoom that frame the sources' grids (North America before
        the first extraction)."""
        try:
            grids = self.store.get_json(f"{CONFIG}/{GRIDS_FILE}")
        except NotFoundError:
            return 45.0, -105.0, 3
        lats = [v for grid in grids.values() for v in (min(grid["lats"]), max(grid["lats"]))]
        lons = [v for grid in grids.values() for v in (min(grid["lons"]), max(grid["lons"]))]
        span = max(max(lats) - min(lats), max(lons) - min(lons), 1.0)
        zoom = int(np.clip(np.floor(np.log2(360 / span)), 1, 8))
        return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2, zoom

    def _date(self, source: str, variable: str, run: str) -> str | None:
        dates = self.catalog().get((source, variable), [])
        if not dates:
            return None
        return run if run in dates else dates[0]

    def summary(self, sel: Selection) -> pd.DataFrame:
        """Summary rows of the selection (newest init of each source's partition), in display
        units, with the threshold probability when a threshold is set."""
        import pandas as pd

        frames = []
        units = self.variables().get(sel.variable, {}).get("units", "")
        for source in sel.sources:
            day = self._date(source, sel.variable, sel.run)
            if day is None:
                continue
            path = artifact_path(source, sel.variable, day, "ensemble_summary")
            try:
                frame = self.cache.frame(path)
            except NotFoundError:
                continue
            rows = frame[frame["point_id"] == sel.point]
            if rows.empty:
                continue
            rows = rows[rows["init_time"] == rows["init_time"].max()].copy()
            for stat in STATS:
                rows[stat] = to_display(rows[stat], units, sel.system)
            if sel.threshold is not None:
                members = self.members(sel, source, day)
                rows["probability"] = self._probability(members, rows, sel)
            frames.append(rows)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    def members(self, sel: Selection, source: str, day: str | None = None) -> pd.DataFrame:
        """Member rows of one source for the selection, in display units."""
        import pandas as pd

        day = day or self._date(source, sel.variable, sel.run)
        if day is None:
            return pd.DataFrame()
        try:
            frame = self.cache.frame(artifact_path(source, sel.variable, day, "points"))
        except NotFoundError:
            return pd.DataFrame()
        rows = frame[frame["point_id"] == sel.point]
        rows = rows[rows["init_time"] == rows["init_time"].max()].copy()
        units = self.variables().get(sel.variable, {}).get("units", "")
        rows["value"] = to_display(rows["value"], units, sel.system)
        return rows

    def _probability(self, members: pd.DataFrame, rows: pd.DataFrame, sel: Selection) -> Any:
        if members.empty or sel.threshold is None:
            return np.nan
        grid = members.pivot(index="ensemble_member", columns="lead_hours", values="value")
        share = exceedance(grid.to_numpy(), sel.threshold, sel.above)
        lookup = dict(zip(grid.columns.tolist(), share.tolist(), strict=True))
        return rows["lead_hours"].map(lookup).to_numpy()
