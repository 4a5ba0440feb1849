"""Streamlit pages of the MRV system (import only where Streamlit is installed)."""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings


def pages(settings: Settings) -> list[Any]:
    """The MRV pages of weir's Streamlit app, drawing with `settings`."""
    from weir.core.optional import require

    st = require("streamlit")

    from weir.mrv.ui.page import render

    def mrv_review() -> None:
        render(settings)

    return [st.Page(mrv_review, title="MRV review", url_path="mrv")]
