"""The dashboard's review panel (QA/QC level 5) and the reviewer sign-in in the sidebar.

Without a reviewer name and matching key (``WEIR_MRV_REVIEWER_KEYS``) the panel is read-only:
stakeholders and data scientists see the same rows, totals and diffs, but no buttons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from weir.core.errors import WeirError
from weir.mrv import reviews
from weir.mrv.errors import ReviewerKeyError
from weir.mrv.settings import MrvSettings

READ_ONLY = (
    "Read-only: enter a reviewer name and key in the sidebar to approve or request revisions."
)
ROW_COLUMNS = [
    "date",
    "version",
    "quality_flag",
    "ca_upstream_mg_l",
    "ca_downstream_mg_l",
    "ca_delta_mg_l",
    "flow_mgd",
    "co2_t_per_day",
]
LIST_COLUMNS = [
    "id",
    "plant_id",
    "period",
    "state",
    "reviewer_name",
    "reviewer_role",
    "decided_at",
    "comment",
    "days",
    "co2_t",
    "conservative_t",
]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


@st.cache_data(max_entries=4, show_spinner=False)
def _listed(url: str, stamp: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Every review with its totals, read again when the reviews' ``stamp`` moves."""
    from weir.core.db import make_engine

    engine = make_engine(url)
    try:
        return reviews.list_reviews(engine, MrvSettings())
    finally:
        engine.dispose()


def reviewer_sidebar(mrv: MrvSettings) -> tuple[str, str] | None:
    """The signed-in reviewer (name, key), or None (read-only)."""
    with st.sidebar:
        st.header("Reviewer")
        if not mrv.reviewer_keys:
            st.caption(
                "Reviewing is disabled: no reviewer keys configured (WEIR_MRV_REVIEWER_KEYS)."
            )
            return None
        name = st.text_input("Reviewer name", key="mrv_reviewer").strip()
        key = st.text_input("Reviewer key", type="password", key="mrv_reviewer_key")
        if not name or not key:
            st.caption("Read-only until a reviewer signs in.")
            return None
        try:
            role = reviews.authenticate(mrv, name, key)
        except ReviewerKeyError as exc:
            st.error(exc.message)
            return None
        st.success(f"Signed in as {name} ({role})")
        return name, key


def _months(rows: list[dict[str, Any]], plant: str, start: dt.date, end: dt.date) -> list[str]:
    mine = [r["date"] for r in rows if r["plant_id"] == plant]
    inside = sorted({d.strftime("%Y-%m") for d in mine if start <= d <= end})
    return inside or sorted({d.strftime("%Y-%m") for d in mine})


def _decision_form(
    engine: Engine, mrv: MrvSettings, review: dict[str, Any], reviewer: tuple[str, str]
) -> bool:
    """Approve / request revisions with a comment; True when a decision was stored."""
    with st.form("mrv_review_form", clear_on_submit=True):
        comment = st.text_area("Comment", key="mrv_review_comment")
        left, right = st.columns(2)
        approve = left.form_submit_button("Approve", type="primary")
        revise = right.form_submit_button("Request revisions")
    if not (approve or revise):
        return False
    decision = "approved" if approve else "revisions_requested"
    try:
        reviews.decide(engine, mrv, review["id"], decision, *reviewer, comment=comment)
    except WeirError as exc:
        st.error(exc.message)
        return False
    st.success(f"Review {review['id']} {decision.replace('_', ' ')} by {reviewer[0]}.")
    return True


def _details(review: dict[str, Any], findings: list[dict[str, Any]]) -> None:
    totals = review["totals"] or {}
    st.markdown(
        f"**Review {review['id']}** of {review['plant_id']} {review['period']}: "
        f"**{review['state']}**"
        + (
            f" by {review['reviewer_name']} ({review['reviewer_role']}) at "
            f"{_cell(review['decided_at'])}"
            if review["reviewer_name"]
            else ""
        )
        + (f". Comment: {review['comment']}" if review["comment"] else "")
    )
    cols = st.columns(4)
    cols[0].metric("Reviewed t CO₂ (VALID days)", f"{totals.get('co2_t', 0.0):.3f}")
    cols[1].metric(
        f"Conservative (P{totals.get('conservative_percentile', 16.0):g})",
        f"{totals.get('conservative_t', 0.0):.3f}",
    )
    cols[2].metric(
        "Days valid / invalid", f"{totals.get('days_valid', 0)} / {totals.get('days_invalid', 0)}"
    )
    cols[3].metric("Days skipped", totals.get("days_skipped", 0))
    against = review["diff"]["against_review_id"]
    if against is None:
        st.caption("No earlier approved version of this plant and month.")
    elif not review["diff"]["days"]:
        st.caption(f"Same numbers as approved review {against}.")
    else:
        st.markdown(f"**Difference from approved review {against}** (old → new per day)")
        st.dataframe(
            [
                {
                    "date": d["date"],
                    "change": d["change"],
                    "columns": ", ".join(d["columns"]),
                    "old t CO₂": (d["old"] or {}).get("co2_t_per_day"),
                    "new t CO₂": (d["new"] or {}).get("co2_t_per_day"),
                    "old flag": (d["old"] or {}).get("quality_flag"),
                    "new flag": (d["new"] or {}).get("quality_flag"),
                }
                for d in review["diff"]["days"]
            ],
            hide_index=True,
        )
    st.dataframe(
        [{c: r.get(c) for c in ROW_COLUMNS} for r in review["rows"]], hide_index=True, height=240
    )
    start, end = (
        dt.date.fromisoformat(review["rows"][0]["date"]),
        dt.date.fromisoformat(review["rows"][-1]["date"]),
    )
    mine = [
        f
        for f in findings
        if f.get("plant_id") == review["plant_id"] and f.get("date") and start <= f["date"] <= end
    ]
    st.caption(f"{len(mine)} QA findings of {review['plant_id']} in {review['period']}")
    if mine:
        st.dataframe(mine, hide_index=True, height=200)


def render_panel(
    engine: Engine,
    mrv: MrvSettings,
    results: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    window: tuple[str, dt.date, dt.date],
    reviewer: tuple[str, str] | None,
) -> None:
    """The review panel for the filtered plant and a month of the filtered window."""
    plant_filter, start, end = window
    st.header("Review and sign-off")
    plants = sorted({r["plant_id"] for r in results})
    left, right = st.columns(2)
    index = plants.index(plant_filter) if plant_filter in plants else 0
    plant = left.selectbox("Plant to review", plants, index=index, key="mrv_review_plant")
    months = _months(results, str(plant), start, end)
    period = right.selectbox("Month", months, index=len(months) - 1, key="mrv_review_period")
    review = reviews.current(engine, mrv, str(plant), str(period))
    if review is None:
        st.info(f"No review of {plant} {period} yet: `weir mrv calculate` opens one.")
    else:
        if reviewer is None:
            st.caption(READ_ONLY)
        elif review["state"] != "pending":
            st.caption(f"Review {review['id']} is {review['state']}: nothing to decide.")
        elif _decision_form(engine, mrv, review, reviewer):
            review = reviews.current(engine, mrv, str(plant), str(period)) or review
        _details(review, findings)
    st.subheader("Reviews")
    listed = _listed(engine.url.render_as_string(hide_password=False), reviews.review_stamp(engine))
    st.table([{c: _cell(r[c]) for c in LIST_COLUMNS} for r in listed])
