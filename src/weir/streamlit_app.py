"""The one Streamlit app of weir: every system's pages under one `st.navigation`.

Mounted by `weir serve` under ``/ui`` (which hands it its settings through :func:`configure`);
also runs alone: ``streamlit run src/weir/streamlit_app.py`` (settings from the environment).
Composition root: it collects the pages each system's catalog entry declares.

Offline by default: usage statistics off (set in code, since ``st.App`` ignores the environment
variable) and the developer toolbar ("Deploy") hidden.

The ``__main__`` guard matters: Streamlit runs this file as ``__main__``, and a process pool
started later in the same process (telemetry's local engine) would re-run it on spawn.
"""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Hand the settings of `weir serve` to every page (called before the app is mounted)."""
    global _settings
    _settings = settings
    offline_options()
    preload()


def current_settings() -> Settings:
    """The settings handed over by `weir serve`, else read from the environment."""
    return _settings or Settings()


def offline_options() -> None:
    """No usage statistics, no developer toolbar."""
    from streamlit import config

    config.set_option("browser.gatherUsageStats", False)
    config.set_option("client.toolbarMode", "viewer")


def preload() -> None:
    """Import pandas once, before sessions run.

    Streamlit's dataframe code imports pandas lazily inside a session's script thread, while
    Altair (in another session's thread) looks pandas up in ``sys.modules`` and can meet it half
    initialised ("partially initialized module 'pandas' has no attribute 'Timestamp'").
    """
    import pandas  # noqa: F401


def main() -> None:
    """Build the navigation (an overview page, then each system's pages) and run it."""
    import importlib

    import streamlit as st

    from weir.catalog import available, load

    offline_options()
    preload()
    # Streamlit runs this file as __main__: the configured module is the imported one
    settings = importlib.import_module("weir.streamlit_app").current_settings()
    st.set_page_config(page_title="weir", layout="wide")
    dashboards: dict[str, list[Any]] = {
        system.title: load(system.pages)(settings) for system in available() if system.pages
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
