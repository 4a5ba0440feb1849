"""``weir forecast preview``: a PNG of extracted traces (members and median) for a quick look."""

from __future__ import annotations

import io

from weir.core.errors import NotFoundError
from weir.core.storage import Store
from weir.forecast.pipeline.artifacts import read_parquet


def preview_png(
    store: Store,
    *,
    variable: str,
    point: str | None,
    max_series: int = 6,
) -> bytes:
    """PNG bytes: for each source's newest partition of `variable`, up to `max_series` members
    of `point` (default: the first point) and their median.

    Raises:
        NotFoundError: nothing extracted for that variable (or point).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from weir.forecast.service import artifact_path, runs

    catalog = runs(store)
    sources = sorted(source for source, var in catalog if var == variable)
    if not sources:
        raise NotFoundError(f"nothing extracted for variable {variable!r}: run the extraction")
    fig = Figure(figsize=(10, 4), dpi=100)
    ax = fig.add_subplot()
    shown = 0
    for source in sources:
        day = catalog[(source, variable)][0]
        frame = read_parquet(store, artifact_path(source, variable, day, "points"))
        if frame is None:
            continue
        pid = point or str(sorted(frame["point_id"].unique())[0])
        rows = frame[(frame["point_id"] == pid) & (frame["init_time"] == frame["init_time"].max())]
        if rows.empty:
            continue
        wide = rows.pivot(index="valid_time", columns="ensemble_member", values="value")
        ax.plot(wide.index, wide.iloc[:, :max_series], lw=0.7, alpha=0.6)
        ax.plot(wide.index, wide.median(axis=1), lw=2, label=f"{source} median ({pid})")
        shown += 1
    if not shown:
        raise NotFoundError(f"no extracted traces of point {point!r} for {variable!r}")
    ax.set_title(f"{variable}: first {max_series} members and the median")
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
