"""The one Streamlit app of weir: every system's pages under one `st.navigation`.

Mounted by `weir serve` under ``/ui``; also runs alone: ``streamlit run src/weir/streamlit_app.py``.
Composition root: it collects the pages each system's ``ui`` package offers.

The ``__main__`` guard matters: Streamlit runs this file as ``__main__``, and a process pool
started later in the same process (telemetry's local engine) would re-run it on spawn.
"""

from __future__ import annotations

import streamlit as st

from weir.mrv.ui.page import render as mrv_dashboard


def main() -> None:
    """Build the navigation (an overview page, then each system's pages) and run it."""
    st.set_page_config(page_title="weir", layout="wide")
    dashboards = {
        "Carbon-removal MRV": [st.Page(mrv_dashboard, title="MRV review", url_path="mrv")],
    }

    def overview() -> None:
        st.title("weir dashboards")
        for section, pages in dashboards.items():
            for page in pages:
                st.page_link(page, label=f"{section}: {page.title}")

    overview_page = st.Page(overview, title="Overview", url_path="overview", default=True)
    st.navigation({"weir": [overview_page], **dashboards}).run()


if __name__ == "__main__":
    main()
