"""The pipeline health page: diagram, status table, refresh, auto-refresh, config panel.

It reads everything from the health API over HTTP (``WEIR_HEALTH_API_URL``), as the seed's
frontend separation asks; when the API cannot be reached it says so and keeps showing the last
state it received.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from weir.health.client import HealthApiError, HealthClient
from weir.health.settings import HealthSettings

ICONS = {
    "healthy": "🟢",
    "failed": "🔴",
    "degraded": "🟠",
    "pending": "🔵",
    "unknown": "⚪",
    "maintenance": "🛠️",
}
INTERVALS = {"off": None, "2 s": 2, "5 s": 5, "10 s": 10, "30 s": 30, "1 min": 60}
LAST = "health_last_state"


def _fetch(url: str) -> dict[str, Any]:
    with HealthClient(url, timeout=3) as client:
        snapshot = client.status()
        return {
            "snapshot": snapshot,
            "mermaid": client.diagram(),
            "received": time.strftime("%H:%M:%S"),
        }


def _rows(state: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for process in state["snapshot"].processes:
        failing = [c for c in process.checks if c.status not in ("healthy", "unknown")]
        shown = failing or process.checks
        rows.append(
            {
                "status": f"{ICONS.get(process.status, '')} {process.status}",
                "process": process.name,
                "group": process.group or "",
                "root cause": process.root_cause or "",
                "checks": ", ".join(f"{c.name}: {c.message}" for c in shown) or "no checks",
            }
        )
    return rows


def _show(state: dict[str, Any]) -> None:
    snapshot = state["snapshot"]
    counts = snapshot.counts
    columns = st.columns(4)
    columns[0].metric("Pipeline", f"{ICONS.get(snapshot.status, '')} {snapshot.status}")
    columns[1].metric("Failed", counts.get("failed", 0))
    columns[2].metric("Healthy", counts.get("healthy", 0))
    columns[3].metric("Processes", len(snapshot.processes))
    if snapshot.config_error:
        st.warning(f"The config file changed but is invalid; still running the last valid one.\n\n"
                   f"```\n{snapshot.config_error}\n```")  # fmt: skip
    st.mermaid_chart(state["mermaid"], alt=f"{snapshot.pipeline}: {snapshot.status}")
    st.dataframe(_rows(state), hide_index=True, width="stretch")
    st.caption(f"{snapshot.pipeline} · round {snapshot.round} · received {state['received']}")


def _status_view(url: str) -> None:
    try:
        state = _fetch(url)
    except HealthApiError as exc:
        last = st.session_state.get(LAST)
        since = f" Showing the last state received at {last['received']}." if last else ""
        st.error(f"Health API unreachable ({url}).{since}", icon="⚠️")
        st.caption(str(exc))
        if last:
            _show(last)
        return
    st.session_state[LAST] = state
    _show(state)


def _config_panel(url: str) -> None:
    with st.expander("Config panel: validate a shipped or uploaded config"):
        try:
            with HealthClient(url, timeout=3) as client:
                shipped = {c["name"]: c["text"] for c in client.configs()}
        except HealthApiError as exc:
            st.error(str(exc))
            return
        choice = st.selectbox("Shipped config", ["(upload)", *shipped])
        upload = st.file_uploader("or upload a YAML config", type=["yaml", "yml", "json"])
        text = upload.getvalue().decode("utf-8", "replace") if upload else shipped.get(choice)
        if not text:
            return
        with HealthClient(url, timeout=5) as client:
            result = client.validate(text)
        if not result["valid"]:
            st.error("Invalid config:\n\n" + "\n".join(f"- `{p}`" for p in result["problems"]))
            return
        st.success(
            f"Valid: {result['pipeline']} · {result['processes']} processes · "
            f"{result['checks']} checks"
        )
        st.mermaid_chart(result["mermaid"])


def render() -> None:
    """Draw the page."""
    health = HealthSettings()
    st.title("Pipeline health")
    with st.sidebar:
        url = st.text_input("Health API", value=health.api_url)
        every = st.selectbox("Auto-refresh", list(INTERVALS), index=2)
        st.button("Refresh now", type="primary")  # a click reruns the page
    seconds = INTERVALS[every]
    st.fragment(run_every=seconds)(_status_view)(url)
    _config_panel(url)
