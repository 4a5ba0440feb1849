"""Streamlit pages of the health system (import only where Streamlit is installed)."""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings


def pages(settings: Settings) -> list[Any]:
    """The health page of weir's Streamlit app; it talks to the health API over HTTP."""
    import streamlit as st

    from weir.health.ui.page import render

    def pipeline_health() -> None:
        render()

    return [st.Page(pipeline_health, title="Pipeline health", url_path="health")]
