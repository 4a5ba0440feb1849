"""Matplotlib figures of the overview: percentile bands, boxplots, members, threshold odds.

One panel per source, side by side with a shared y axis; the threshold probability as a strip
along each panel's bottom. Drawn
with a few collections per panel (no per-box artists, no tight layout) so a redraw stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COLORS = {"gefs": "#1565c0", "ecmwf_ifs_ens": "#c62828"}
DAY = 86400.0


def _days(times: Any, tz: str) -> Any:
    """Matplotlib date numbers (days) of UTC timestamps, shifted to wall time in `tz`."""
    local = times.dt.tz_convert(tz).dt.tz_localize(None)
    return local.astype("datetime64[s]").astype("int64").to_numpy() / DAY


def _format_axis(ax: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, DateFormatter

    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=6))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    ax.tick_params(labelsize=8)


def _boxes(ax: Axes, x: Any, part: pd.DataFrame, color: str) -> None:
    """Boxes (q25–q75), whiskers (q10–q90), median ticks and min/max dots: four collections."""
    ax.vlines(x, part["q10"], part["q90"], color=color, lw=0.8)
    ax.vlines(x, part["q25"], part["q75"], color=color, lw=4, alpha=0.5)
    ax.scatter(x, part["median"], marker="_", s=30, c="black", linewidths=1)
    ax.scatter(np.concatenate([x, x]), np.concatenate([part["min"], part["max"]]), s=2, c=color)


def _members(ax: Axes, frame: pd.DataFrame, tz: str, color: str) -> None:
    from matplotlib.collections import LineCollection

    frame = frame.sort_values(["ensemble_member", "valid_time"])
    x = _days(frame["valid_time"], tz)
    n_members = frame["ensemble_member"].nunique()
    if n_members == 0:
        return
    xy = np.stack([x, frame["value"].to_numpy()], axis=1).reshape(n_members, -1, 2)
    ax.add_collection(LineCollection(list(xy), colors=color, linewidths=0.5, alpha=0.35))


def _odds(ax: Axes, x: Any, share: Any, color: str) -> None:
    """The threshold probability as a strip along the bottom of the panel (one collection, no
    extra axes): white is 0 %, the source's colour 100 %."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.transforms import blended_transform_factory

    strip = blended_transform_factory(ax.transData, ax.transAxes)
    cmap = LinearSegmentedColormap.from_list("odds", ["#ffffff", color])
    ax.scatter(
        x,
        np.full(len(x), 0.03),
        c=share,
        cmap=cmap,
        vmin=0,
        vmax=1,
        marker="s",
        s=30,
        transform=strip,
        edgecolors="none",
    )
    ax.text(
        0.01,
        0.07,
        "P(threshold): white 0 % → dark 100 %",
        transform=ax.transAxes,
        fontsize=7,
        color="#444",
    )


def figure(
    summary: pd.DataFrame,
    members: dict[str, pd.DataFrame],
    *,
    view: str,
    label: str,
    tz: str,
    threshold: float | None,
) -> Figure:
    """The overview figure.

    Args:
        summary: Summary rows in display units (a ``probability`` column when thresholded).
        members: Source → member rows in display units (for the members view).
        view: ``bands``, ``boxplot`` or ``members``.
        label: Y axis label (variable and units).
        tz: Time zone of the time axis.
        threshold: The threshold line, if any.
    """
    from matplotlib.figure import Figure

    sources = list(dict.fromkeys(summary["source_id"])) if not summary.empty else []
    fig = Figure(figsize=(4.2 * max(len(sources), 1) + 1, 3.8), dpi=80)
    if not sources:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no forecast for this selection", ha="center", va="center")
        ax.set_axis_off()
        return fig
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.1, wspace=0.08)
    grid = fig.add_gridspec(1, len(sources))
    first = None
    for index, source in enumerate(sources):
        ax = fig.add_subplot(grid[0, index], sharey=first)
        first = first or ax
        part = summary[summary["source_id"] == source].sort_values("valid_time")
        x = _days(part["valid_time"], tz)
        color = COLORS.get(source, "#2e7d32")
        if view == "members" and not members.get(source, summary.iloc[:0]).empty:
            _members(ax, members[source], tz, color)
            ax.plot(x, part["median"], color="black", lw=1.2)
        elif view == "boxplot":
            _boxes(ax, x, part, color)
        else:
            ax.fill_between(x, part["q10"], part["q90"], color=color, alpha=0.18, lw=0)
            ax.fill_between(x, part["q25"], part["q75"], color=color, alpha=0.35, lw=0)
            ax.plot(x, part["median"], color=color, lw=1.4)
        ax.autoscale_view()
        if threshold is not None:
            ax.axhline(threshold, color="#555", ls="--", lw=0.8)
        ax.set_title(source, fontsize=10)
        _format_axis(ax)
        if index == 0:
            ax.set_ylabel(label, fontsize=9)
        else:
            ax.tick_params(labelleft=False)
        if threshold is not None and "probability" in part:
            _odds(ax, x, part["probability"].to_numpy(), color)
    return fig
