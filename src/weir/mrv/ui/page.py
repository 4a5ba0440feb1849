"""The MRV review dashboard (Streamlit): filters, KPIs, charts, QA findings, the review panel,
ingestion runs. The date range starts on the last ``WEIR_MRV_DASHBOARD_DEFAULT_MONTHS`` months of
data, the full range one click away.

:func:`render` draws the page; the multipage app calls it as an ``st.Page``, and
``streamlit run src/weir/streamlit_app.py`` runs it alone. The settings (database URL) are the
ones handed to the app, through :func:`weir.mrv.ui.pages`. The CSV download holds exactly the
rows of the filtered results table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from weir.core.db import make_engine
from weir.core.settings import Settings
from weir.mrv import service
from weir.mrv.models import RESULT_COLUMNS
from weir.mrv.settings import MrvSettings
from weir.mrv.ui.review_panel import render_panel, reviewer_sidebar

ALL_PLANTS = "All plants"
TABLE_COLUMNS = [c for c in RESULT_COLUMNS if c != "lineage"]


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Any:
    return make_engine(url)


@st.cache_data(max_entries=4, show_spinner=False)
def load(url: str, stamp: tuple[Any, ...]) -> dict[str, list[dict[str, Any]]]:
    """Everything the page shows, read again whenever the database's change ``stamp``
    (:func:`weir.mrv.service.change_stamp`) moves, so new results show at the next rerun."""
    engine = _engine(url)
    return {
        "results": service.results(engine),
        "findings": service.findings(engine),
        "runs": service.runs(engine),
        "ph": service.ph_daily(engine),
    }


def filter_rows(
    rows: list[dict[str, Any]], plant: str, start: dt.date, end: dt.date, flags: list[str]
) -> list[dict[str, Any]]:
    """The result rows matching the page filters (the rows of the table and the CSV)."""
    return [
        r
        for r in rows
        if (plant == ALL_PLANTS or r["plant_id"] == plant)
        and start <= r["date"] <= end
        and r["quality_flag"] in flags
    ]


def _in_window(row: dict[str, Any], plant: str, start: dt.date, end: dt.date) -> bool:
    if plant != ALL_PLANTS and row.get("plant_id") not in (plant, None):
        return False
    day = row.get("date")
    return day is None or start <= day <= end


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pl.DataFrame:
    if columns is not None:
        rows = [{c: r.get(c) for c in columns} for r in rows]
    return pl.DataFrame(rows, infer_schema_length=None)


def _wide(frame: pl.DataFrame, series: str, value: str) -> pl.DataFrame:
    return frame.pivot(on=series, index="date", values=value, aggregate_function="first").sort(
        "date"
    )


def _charts(
    rows: list[dict[str, Any]], ph_days: list[dict[str, Any]], start: dt.date, end: dt.date
) -> None:
    from weir.mrv.ui import charts

    if not rows:
        return
    frame = _frame(rows, ["date", "plant_id", "flow_mgd", "ca_upstream_mg_l", "ca_downstream_mg_l"])
    ca = frame.unpivot(
        index=["date", "plant_id"], on=["ca_upstream_mg_l", "ca_downstream_mg_l"]
    ).with_columns(series=pl.col("plant_id") + " " + pl.col("variable").str.split("_").list.get(1))
    left, right = st.columns(2)
    with left:
        st.subheader("Daily CO₂ removal (t), by quality flag")
        st.altair_chart(charts.co2_chart(rows), width="stretch")
        st.subheader("Effluent flow (MGD)")
        st.line_chart(_wide(frame, "plant_id", "flow_mgd"), x="date")
    with right:
        st.subheader("Calcium upstream vs downstream (mg/L)")
        st.line_chart(_wide(ca, "series", "value"), x="date")
        st.subheader("pH: daily mean and coverage")
        if not ph_days:
            st.write("No pH readings in this window.")
            return
        days = charts.ph_coverage(ph_days, start, end)
        summary = charts.coverage_summary(days)
        st.caption(
            "; ".join(
                f"{s['series']}: readings on {s['days_with_readings']} of {s['days']} days, "
                f"{s['coverage_pct']:.1f} % of the window's minutes"
                for s in summary
            )
        )
        st.altair_chart(charts.ph_chart(days), width="stretch")


def default_window(first: dt.date, last: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The last `months` calendar months of data (the month of `last` included)."""
    year, month = divmod(last.year * 12 + last.month - 1 - (months - 1), 12)
    return max(first, dt.date(year, month + 1, 1)), last


def _full_range(first: dt.date, last: dt.date) -> None:
    st.session_state["mrv_dates"] = (first, last)


def render(settings: Settings) -> None:
    """Draw the MRV dashboard with the settings `weir serve` (or the script) was given."""
    data = load(settings.database_url, service.change_stamp(_engine(settings.database_url)))
    results = data["results"]
    st.title("Carbon-removal MRV")
    if not results:
        st.info("No results yet: run `weir mrv ingest DIR` and `weir mrv calculate`.")
        return
    plants = sorted({r["plant_id"] for r in results})
    first, last = min(r["date"] for r in results), max(r["date"] for r in results)
    mrv = MrvSettings()
    stored = st.session_state.get("mrv_dates")
    if not (isinstance(stored, tuple) and all(first <= d <= last for d in stored)):
        st.session_state["mrv_dates"] = default_window(first, last, mrv.dashboard_default_months)
    with st.sidebar:
        st.header("Filters")
        plant = st.radio("Plant", [ALL_PLANTS, *plants], key="mrv_plant")
        window = st.date_input("Date range", min_value=first, max_value=last, key="mrv_dates")
        st.button(
            f"Full range ({first:%Y-%m-%d} – {last:%Y-%m-%d})",
            on_click=_full_range,
            args=(first, last),
            key="mrv_full_range",
        )
        flags = st.multiselect(
            "Quality flag",
            list(service.QUALITY_FLAGS),
            list(service.QUALITY_FLAGS),
            key="mrv_flags",
        )
    start, end = window if isinstance(window, tuple) and len(window) == 2 else (first, last)
    rows = filter_rows(results, str(plant), start, end, list(flags))
    reviewer = reviewer_sidebar(mrv)
    totals = service.totals([dict(r, plant_id="ALL") for r in rows], mrv)
    total = (
        totals[0]
        if totals
        else {
            "co2_t": 0.0,
            "conservative_t": 0.0,
            "days_valid": 0,
            "days_invalid": 0,
            "days_skipped": 0,
            "conservative_percentile": 16.0,
        }
    )
    cols = st.columns(5)
    cols[0].metric("Total t CO₂ (VALID days)", f"{total['co2_t']:.3f}")
    cols[1].metric(
        f"Conservative t CO₂ (P{total['conservative_percentile']:g})",
        f"{total['conservative_t']:.3f}",
    )
    cols[2].metric("Days valid", total["days_valid"])
    cols[3].metric("Days invalid", total["days_invalid"])
    cols[4].metric("Days skipped", total["days_skipped"])
    st.caption(f"Showing {len(rows)} of {len(results)} plant-days.")

    _charts(rows, [d for d in data["ph"] if _in_window(d, str(plant), start, end)], start, end)

    st.subheader("Daily results")
    st.dataframe(_frame(rows, TABLE_COLUMNS), hide_index=True)
    st.download_button(
        f"Download CSV ({len(rows)} rows)",
        service.rows_to_csv(rows, list(RESULT_COLUMNS)),
        file_name="mrv_results.csv",
        mime="text/csv",
        key="mrv_csv",
    )
    st.subheader("QA/QC findings")
    findings = [f for f in data["findings"] if _in_window(f, str(plant), start, end)]
    st.dataframe(_frame(findings), hide_index=True, height=260)
    render_panel(
        _engine(settings.database_url),
        mrv,
        results,
        data["findings"],
        (str(plant), start, end),
        reviewer,
    )
    st.subheader("Ingestion runs")
    runs = [{**r, "errors": str(r["errors"] or "")} for r in data["runs"]]
    st.dataframe(_frame(runs), hide_index=True, height=260)
