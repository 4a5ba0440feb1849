"""The optional ``map_summary.parquet``: ensemble mean and spread on the whole grid at a few lead
times (``WEIR_FORECAST_MAP_LEADS``), for maps. Off by default: on a global store it reads whole
fields (every chunk of the chosen leads), which costs far more than the point extraction."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from weir.forecast.models import NativeVariable, Variable
from weir.forecast.pipeline import units
from weir.forecast.pipeline.derive import natives
from weir.forecast.pipeline.source import READ_ORDER, OpenSource

if TYPE_CHECKING:
    import pandas as pd

MAP_COLUMNS = (
    "source_id",
    "variable_id",
    "init_time",
    "valid_time",
    "lead_hours",
    "latitude",
    "longitude",
    "mean",
    "spread",
    "member_count",
)


def map_rows(
    opened: OpenSource,
    variable: Variable,
    native: NativeVariable,
    init_index: int,
    init: datetime,
    leads: tuple[int, ...],
) -> pd.DataFrame | None:
    """Mean, standard deviation (spread) and finite member count per grid cell at `leads`
    (those the store has), in canonical units; None when it has none of them."""
    import pandas as pd

    all_leads = opened.lead_hours
    wanted = [int(i) for i in np.flatnonzero(np.isin(all_leads, leads))]
    if not wanted:
        return None
    arrays = []
    for name in natives(native):
        dims = opened.native_dims(name)
        block = opened.ds[name].variable.isel(init_time=init_index, lead_time=wanted)
        rest = [d for d in dims if d != "init_time"]
        data = np.asarray(block.values, dtype="float64")
        arrays.append(np.transpose(data, [rest.index(d) for d in READ_ORDER]))
    first = arrays[0]  # (member, lead, lat, lon)
    if variable.derive == "convert":
        values = units.convert(first, native.units, variable.units)
    elif variable.derive == "rate_to_amount":
        steps = np.diff(all_leads, prepend=np.nan)[wanted] * 3600.0
        if units.canonical_unit(native.units) != "kg m-2 s-1":
            return None
        values = units.convert(first * steps[None, :, None, None], "mm", variable.units)
    elif variable.derive == "vector_speed":
        values = units.convert(units.vector_speed(first, arrays[1]), native.units, variable.units)
    else:
        values = units.vector_direction(first, arrays[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, spread = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
    count = np.isfinite(values).sum(axis=0)
    n_leads, n_lat, n_lon = mean.shape
    init_ts = pd.Timestamp(init)
    lead_col = np.repeat(all_leads[wanted], n_lat * n_lon)
    return pd.DataFrame(
        {
            "source_id": opened.source.source_id,
            "variable_id": variable.id,
            "init_time": init_ts,
            "valid_time": init_ts + pd.to_timedelta(lead_col, unit="h"),
            "lead_hours": lead_col.astype("int32"),
            "latitude": np.tile(np.repeat(opened.grid.lats, n_lon), n_leads),
            "longitude": np.tile(np.tile(opened.grid.lons, n_lat), n_leads),
            "mean": mean.reshape(-1),
            "spread": spread.reshape(-1),
            "member_count": count.reshape(-1).astype("int64"),
        },
        columns=list(MAP_COLUMNS),
    )
