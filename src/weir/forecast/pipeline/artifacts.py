"""The Parquet artifacts: building the seed's tables and merging them into their partitions."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from weir.core.errors import NotFoundError
from weir.core.storage import Store
from weir.forecast.models import FORECASTS, POINT_COLUMNS, SUMMARY_COLUMNS
from weir.forecast.pipeline.summary import summarize

if TYPE_CHECKING:
    import pandas as pd


def partition(source_id: str, variable_id: str, init: datetime) -> str:
    """``forecasts/source=<id>/variable=<id>/init_date=<YYYY-MM-DD>``."""
    return f"{FORECASTS}/source={source_id}/variable={variable_id}/init_date={init:%Y-%m-%d}"


def point_rows(
    *,
    source_id: str,
    variable_id: str,
    point_ids: list[str],
    point_names: list[str],
    init: datetime,
    lead_hours: NDArray[np.float64],
    members: NDArray[np.int64],
    values: NDArray[np.float64],
    units_native: str,
) -> pd.DataFrame:
    """``points.parquet`` rows of several points: `values` is (point, member, lead); rows are
    point-major, then member, then lead."""
    import pandas as pd

    n_points, n_members, n_leads = values.shape
    per_point = n_members * n_leads
    init_ts = pd.Timestamp(init)
    leads = np.tile(lead_hours, n_points * n_members)
    return pd.DataFrame(
        {
            "source_id": source_id,
            "variable_id": variable_id,
            "point_id": np.repeat(np.asarray(point_ids, dtype=object), per_point),
            "point_name": np.repeat(np.asarray(point_names, dtype=object), per_point),
            "init_time": init_ts,
            "valid_time": init_ts + pd.to_timedelta(leads, unit="h"),
            "lead_hours": leads.astype("int32"),
            "ensemble_member": np.tile(np.repeat(members, n_leads), n_points).astype("int32"),
            "value": values.reshape(-1),
            "units_native": units_native,
        },
        columns=list(POINT_COLUMNS),
    )


def summary_rows(
    *,
    source_id: str,
    variable_id: str,
    point_ids: list[str],
    init: datetime,
    lead_hours: NDArray[np.float64],
    values: NDArray[np.float64],
) -> pd.DataFrame:
    """``ensemble_summary.parquet`` rows of several points (`values` is (point, member, lead)):
    one row per point and lead."""
    import pandas as pd

    n_points, _, n_leads = values.shape
    init_ts = pd.Timestamp(init)
    stats = summarize(np.moveaxis(values, 1, 0))  # members first: (point, lead) results
    leads = np.tile(lead_hours, n_points)
    return pd.DataFrame(
        {
            "source_id": source_id,
            "variable_id": variable_id,
            "point_id": np.repeat(np.asarray(point_ids, dtype=object), n_leads),
            "init_time": init_ts,
            "valid_time": init_ts + pd.to_timedelta(leads, unit="h"),
            "lead_hours": leads.astype("int32"),
            **{name: column.reshape(-1) for name, column in stats.items()},
        },
        columns=list(SUMMARY_COLUMNS),
    )


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes (zstd)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


def read_parquet(store: Store, path: str) -> pd.DataFrame | None:
    """A Parquet artifact, or None when there is none."""
    import pandas as pd

    try:
        data = store.get(path)
    except NotFoundError:
        return None
    return pd.read_parquet(io.BytesIO(data))


def merge(existing: pd.DataFrame | None, new: pd.DataFrame, sort: list[str]) -> pd.DataFrame:
    """`new` replacing the rows of `existing` with the same (init_time, point_id)."""
    import pandas as pd

    if existing is None or existing.empty:
        return new.sort_values(sort, kind="stable").reset_index(drop=True)
    keys = new[["init_time", "point_id"]].drop_duplicates()
    marked = existing.merge(keys, on=["init_time", "point_id"], how="left", indicator=True)
    kept = existing[(marked["_merge"] == "left_only").to_numpy()]
    merged = pd.concat([kept, new], ignore_index=True)
    return merged.sort_values(sort, kind="stable").reset_index(drop=True)


POINT_SORT = ["init_time", "point_id", "ensemble_member", "lead_hours"]
SUMMARY_SORT = ["init_time", "point_id", "lead_hours"]
