"""Matplotlib figures of the overview: percentile bands, boxplots, members, threshold odds.

One panel per source, side by side with a shared y axis; the threshold probability below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]
    from matplotlib.figure import Figure

COLORS = {"gefs": "#1565c0", "ecmwf_ifs_ens": "#c62828"}


def _times(frame: pd.DataFrame, tz: str) -> Any:
    return frame["valid_time"].dt.tz_convert(tz)


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
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    sources = list(dict.fromkeys(summary["source_id"])) if not summary.empty else []
    rows = 2 if threshold is not None else 1
    fig = Figure(figsize=(4.2 * max(len(sources), 1) + 1, 3.6 + 1.4 * (rows - 1)), dpi=80)
    if not sources:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no forecast for this selection", ha="center", va="center")
        ax.set_axis_off()
        return fig
    grid = fig.add_gridspec(rows, len(sources), height_ratios=[3, 1][:rows])
    first = None
    for index, source in enumerate(sources):
        ax = fig.add_subplot(grid[0, index], sharey=first)
        first = first or ax
        part = summary[summary["source_id"] == source].sort_values("valid_time")
        times = _times(part, tz)
        color = COLORS.get(source, "#2e7d32")
        if view == "members" and source in members and not members[source].empty:
            wide = members[source].pivot(
                index="valid_time", columns="ensemble_member", values="value"
            )
            ax.plot(wide.index.tz_convert(tz), wide.to_numpy(), color=color, lw=0.5, alpha=0.35)
            ax.plot(times, part["median"], color="black", lw=1.2, label="median")
        elif view == "boxplot":
            stats = [
                {
                    "med": r["median"],
                    "q1": r["q25"],
                    "q3": r["q75"],
                    "whislo": r["q10"],
                    "whishi": r["q90"],
                    "fliers": [r["min"], r["max"]],
                }
                for r in part.to_dict("records")
            ]
            positions = date2num(times.dt.tz_localize(None))  # type: ignore[no-untyped-call]
            width = 0.6 * float(min(positions[1:] - positions[:-1])) if len(stats) > 1 else 0.2
            ax.bxp(
                stats,
                positions=positions,
                widths=width,
                showfliers=True,
                boxprops={"color": color},
                medianprops={"color": "black"},
                flierprops={"markersize": 2},
                manage_ticks=False,
            )
            ax.xaxis_date()
        else:
            ax.fill_between(times, part["q10"], part["q90"], color=color, alpha=0.18, lw=0)
            ax.fill_between(times, part["q25"], part["q75"], color=color, alpha=0.35, lw=0)
            ax.plot(times, part["median"], color=color, lw=1.4, label="median")
        if threshold is not None:
            ax.axhline(threshold, color="#555", ls="--", lw=0.8)
        ax.set_title(source, fontsize=10)
        ax.xaxis.set_major_formatter(DateFormatter("%d %b", tz=tz))  # type: ignore[no-untyped-call]
        ax.tick_params(labelsize=8)
        if index == 0:
            ax.set_ylabel(label, fontsize=9)
        if threshold is not None and "probability" in part:
            low = fig.add_subplot(grid[1, index], sharex=ax)
            low.bar(times, part["probability"] * 100, width=0.2, color=color)
            low.set_ylim(0, 100)
            low.set_ylabel("P (%)", fontsize=8)
            low.tick_params(labelsize=7)
            low.xaxis.set_major_formatter(DateFormatter("%d %b", tz=tz))  # type: ignore[no-untyped-call]
    fig.tight_layout()
    return fig
