"""The root ASGI app of `weir serve`: landing page, health, OpenAPI, each system's API and UI.

Composition root: it is one of the few modules that reach into several systems.
"""

from __future__ import annotations

import html
import importlib
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from weir import __version__
from weir.catalog import SYSTEMS, System
from weir.core.http import RequestIdMiddleware, install_error_handlers
from weir.core.settings import Settings

STREAMLIT_SCRIPT = Path(__file__).parent / "streamlit_app.py"
UI_MOUNT = "/ui"


def _api_router(system: System, settings: Settings) -> Any | None:
    if not system.available or find_spec(f"weir.{system.name}.api") is None:
        return None
    module = importlib.import_module(f"weir.{system.name}.api")
    return module.create_router(settings)


def _streamlit_app() -> Any | None:
    """The one Streamlit app holding every system's pages, when any system has a UI."""
    if not any(system.ui_path and system.available for system in SYSTEMS):
        return None
    import streamlit as st

    return st.App(str(STREAMLIT_SCRIPT))


def _landing(systems: list[tuple[System, bool, bool]]) -> str:
    rows = []
    for system, has_api, has_ui in systems:
        if not system.available:
            links = "<em>not yet available</em>"
        else:
            parts = []
            if has_ui and system.ui_path:
                parts.append(f'<a href="{system.ui_path}">dashboard</a>')
            if has_api:
                parts.append(f'<a href="/docs#/{system.name}">API</a>')
            parts.append(f"<code>weir {system.name} --help</code>")
            links = " · ".join(parts)
        rows.append(
            f"<tr><td><strong>{html.escape(system.title)}</strong><br>"
            f"<code>weir.{system.name}</code></td><td>{html.escape(system.summary)}</td>"
            f"<td>{links}</td></tr>"
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>weir</title><style>body{font-family:system-ui;margin:2rem auto;max-width:60rem}"
        "td{padding:.5rem;border-bottom:1px solid #ddd;vertical-align:top}</style></head><body>"
        f"<h1>weir</h1><p>version {__version__} · <a href=/docs>OpenAPI</a> · "
        "<a href=/healthz>health</a></p><table>" + "".join(rows) + "</table></body></html>"
    )


def create_app(settings: Settings | None = None, *, with_ui: bool = True) -> FastAPI:
    """Build the root app.

    Args:
        settings: Settings shared by every mounted system (read from the environment if None).
        with_ui: Mount the Streamlit dashboards (needs the `ui` extra).
    """
    settings = settings or Settings()
    ui = _streamlit_app() if with_ui else None
    app = FastAPI(
        title="weir",
        version=__version__,
        lifespan=ui.lifespan() if ui is not None else None,
    )
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    mounted: list[tuple[System, bool, bool]] = []
    for system in SYSTEMS:
        router = _api_router(system, settings)
        if router is not None:
            app.include_router(router, prefix=f"/api/{system.name}", tags=[system.name])
        mounted.append((system, router is not None, ui is not None))
    page = _landing(mounted)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing() -> str:
        return page

    @app.get("/healthz", tags=["weir"])
    def healthz() -> dict[str, Any]:
        """Liveness: the version and the systems this build ships."""
        return {
            "status": "ok",
            "version": __version__,
            "systems": {system.name: system.available for system in SYSTEMS},
        }

    if ui is not None:
        app.mount(UI_MOUNT, ui)
    return app
