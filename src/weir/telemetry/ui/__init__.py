"""Streamlit pages of the telemetry system (import only where Streamlit is installed)."""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings


def pages(settings: Settings) -> list[Any]:
    """The telemetry pages of weir's Streamlit app, reading the store of `settings`."""
    import streamlit as st

    from weir.telemetry.ui.page import render

    def telemetry_fleet() -> None:
        render(settings)

    return [st.Page(telemetry_fleet, title="Fleet telemetry", url_path="telemetry")]
