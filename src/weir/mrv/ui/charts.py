"""Dashboard charts that say what the data is: CO₂ days marked by quality flag, pH coverage.

Altair (Vega-Lite, bundled with Streamlit's frontend: nothing is fetched) draws both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from weir.mrv.rules import FLAG_COLOURS, QualityFlag


def co2_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per plant-day: CO₂ (skipped days at 0, marked ``calculated`` false)."""
    return [
        {
            "date": r["date"].isoformat(),
            "plant_id": r["plant_id"],
            "quality_flag": r["quality_flag"],
            "co2_t_per_day": r["co2_t_per_day"] if r["co2_t_per_day"] is not None else 0.0,
            "calculated": r["co2_t_per_day"] is not None,
            "credited": r["quality_flag"] == QualityFlag.VALID,
            "message": r.get("message") or "",
        }
        for r in rows
    ]


def co2_chart(rows: list[dict[str, Any]]) -> Any:
    """Daily CO₂ per plant: a grey line through credited days, every day a point coloured by
    its quality flag (INVALID below zero in red, skipped days as crosses at zero)."""
    import altair as alt

    data = alt.Data(values=co2_points(rows))  # type: ignore[no-untyped-call]
    colour = alt.Color(
        "quality_flag:N",
        title="Quality flag",
        scale=alt.Scale(domain=list(FLAG_COLOURS), range=list(FLAG_COLOURS.values())),
    )
    base = alt.Chart(data).encode(
        x=alt.X("date:T", title=None), y=alt.Y("co2_t_per_day:Q", title="t CO₂ / day")
    )
    line = (
        base.transform_filter("datum.credited")
        .mark_line(color="#bdbdbd")
        .encode(detail="plant_id:N")
    )
    points = base.mark_point(filled=True, size=45).encode(
        color=colour,
        shape=alt.Shape(
            "calculated:N",
            title="Calculated",
            scale=alt.Scale(domain=[True, False], range=["circle", "cross"]),
        ),
        tooltip=["date:T", "plant_id:N", "quality_flag:N", "co2_t_per_day:Q", "message:N"],
    )
    return (line + points).properties(height=260)


def ph_coverage(
    ph_days: list[dict[str, Any]], start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Every day of the window per pH series (plant and location): the day's mean/min/max and
    coverage %, 0 % and no mean on days without a reading, so gaps are visible."""
    series = sorted({(d["plant_id"], d["location"]) for d in ph_days})
    by_key = {(d["plant_id"], d["location"], d["date"]): d for d in ph_days}
    out = []
    for plant, location in series:
        day = start
        while day <= end:
            found = by_key.get((plant, location, day))
            out.append(
                {
                    "date": day.isoformat(),
                    "series": f"{plant} {location}",
                    "mean": found["mean"] if found else None,
                    "min": found["min"] if found else None,
                    "max": found["max"] if found else None,
                    "readings": found["readings"] if found else 0,
                    "coverage_pct": found["coverage_pct"] if found else 0.0,
                }
            )
            day += dt.timedelta(days=1)
    return out


def coverage_summary(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per pH series: days in the window, days with readings, mean coverage over the window."""
    out = []
    for name in sorted({d["series"] for d in days}):
        mine = [d for d in days if d["series"] == name]
        out.append(
            {
                "series": name,
                "days": len(mine),
                "days_with_readings": sum(d["readings"] > 0 for d in mine),
                "coverage_pct": round(sum(d["coverage_pct"] for d in mine) / len(mine), 2),
            }
        )
    return out


def ph_chart(days: list[dict[str, Any]]) -> Any:
    """pH per day as points with a min–max bar (no line across gaps), over coverage % bars."""
    import altair as alt

    data = alt.Data(values=days)  # type: ignore[no-untyped-call]
    x = alt.X("date:T", title=None)
    base = alt.Chart(data).transform_filter("datum.mean != null")
    means = base.mark_point(filled=True, size=30).encode(
        x=x,
        y=alt.Y("mean:Q", title="pH (daily mean, min–max)", scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title="Sensor"),
        tooltip=["date:T", "series:N", "mean:Q", "min:Q", "max:Q", "coverage_pct:Q"],
    )
    ranges = base.mark_rule().encode(x=x, y="min:Q", y2="max:Q", color="series:N")
    coverage = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "coverage_pct:Q", title="Coverage % of 1440 min", scale=alt.Scale(domain=[0, 100])
            ),
            color="series:N",
            tooltip=["date:T", "series:N", "readings:Q", "coverage_pct:Q"],
        )
    )
    return alt.vconcat((ranges + means).properties(height=170), coverage.properties(height=110))
