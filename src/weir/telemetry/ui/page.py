"""The telemetry dashboard (Streamlit): what a fleet data engineer checks each morning.

Pipeline health first (the last runs with files, rows and seconds; files still pending; rows
whose values went to ``_rescued_data`` and records dead-lettered, each with its reason), then
the fleet (every vehicle with its latest key signals) and one vehicle's signals over time.
Everything is read through :mod:`weir.telemetry.service` and :mod:`weir.telemetry.reads`, from
the store of the settings handed to :func:`weir.telemetry.ui.pages`.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry import reads, service

NUMERIC = ("float64", "int64")
HISTORY_ROWS = 1000
EMPTY = (
    "No telemetry yet: land events with `weir telemetry replay DIR` (sample events: "
    "`weir sample telemetry`), then merge them with `weir telemetry run`."
)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


def _health(store: Store, status: dict[str, Any]) -> None:
    cols = st.columns(6)
    cols[0].metric("Rows", f"{status['rows']:,}")
    cols[1].metric("Vehicles", status["vehicles"])
    cols[2].metric("Columns", status["columns"])
    cols[3].metric("Files pending", status["files_pending"])
    cols[4].metric("Rescued rows", status["rescued_rows"])
    cols[5].metric("Dead letters", status["dead_lettered"])
    st.subheader("Last runs")
    runs = reads.run_history(store)
    if runs:
        st.dataframe(_frame(runs), hide_index=True, height=220)
    else:
        st.write("No run recorded yet: run `weir telemetry run`.")
    pending = reads.pending_files(store)
    st.subheader(f"Pending files ({len(pending)})")
    if pending:
        st.dataframe(_frame(pending), hide_index=True, height=180)
        st.caption("`weir telemetry run` merges them (or `--every 5m` / `--watch`).")
    else:
        st.write("None: every landed file is merged.")
    left, right = st.columns(2)
    with left:
        st.subheader(f"Rescued values ({status['rescued_rows']} rows)")
        rescued = reads.rescued(store)
        if rescued:
            frame = _frame(rescued)
            st.dataframe(
                frame.select(
                    "column",
                    "reason",
                    "raw",
                    "vehicle_id",
                    "recorded_at",
                    "event_id",
                    "source_file",
                ),
                hide_index=True,
                height=260,
            )
        else:
            st.write("None.")
    with right:
        st.subheader(f"Dead letters ({status['dead_lettered']})")
        letters = reads.dead_letters(store)
        if letters:
            st.dataframe(_frame(letters), hide_index=True, height=260)
        else:
            st.write("None.")


def _fleet(store: Store) -> list[str]:
    st.subheader("Vehicles and their latest key signals")
    keys = reads.key_signals(store)
    latest = reads.latest(store, wanted=keys, limit=reads.MAX_LIMIT)
    st.dataframe(_frame(latest.items), hide_index=True)
    if latest.next_offset is not None:
        st.caption(f"First {len(latest.items)} of {latest.total} vehicles.")
    return [row["vehicle_id"] for row in latest.items]


def _vehicle(store: Store, vehicles: list[str]) -> None:
    st.subheader("One vehicle over time")
    numeric = [
        c["name"]
        for c in reads.columns(store)
        if c["kind"] in NUMERIC and c["name"] not in ("vehicle_year", "meta_signal_count")
    ]
    defaults = [name for name in reads.key_signals(store) if name in numeric][:3]
    left, right = st.columns([1, 2])
    vehicle = left.selectbox("Vehicle", vehicles, key="telemetry_vehicle")
    signals = right.multiselect("Signals", numeric, defaults, key="telemetry_signals")
    if not vehicle or not signals:
        st.write("Choose a vehicle and at least one signal.")
        return
    first = reads.history(store, vehicle, signals, limit=1)
    offset = max(first.total - HISTORY_ROWS, 0)
    page = reads.history(store, vehicle, signals, limit=HISTORY_ROWS, offset=offset)
    frame = _frame(page.items).with_columns(pl.col("recorded_at").str.to_datetime(time_zone="UTC"))
    st.caption(f"{len(page.items)} rows of {vehicle} (latest {HISTORY_ROWS} at most).")
    for signal in signals:
        st.markdown(f"**{signal}**")
        st.line_chart(frame.select("recorded_at", signal).drop_nulls(), x="recorded_at", height=200)


def render(settings: Settings) -> None:
    """Draw the telemetry dashboard with the settings `weir serve` (or the script) was given."""
    store = Store.from_settings(settings)
    status = service.status(store)
    st.title("Vehicle telemetry")
    if status["table_version"] is None and not status["files_pending"]:
        st.info(EMPTY)
        return
    _health(store, status)
    if status["vehicles"]:
        _vehicle(store, _fleet(store))
