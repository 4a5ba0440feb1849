"""The root ASGI app of `weir serve`: landing page, status, OpenAPI, each system's API and UI.

Composition root: it loops over :data:`weir.catalog.SYSTEMS` and names no system. Mount rule,
from the name: ``/api/<name>`` (API router), ``/<name>/`` (ASGI UI or static site), ``/ui/<name>``
(Streamlit pages, all in one Streamlit app at ``/ui``). The settings given to :func:`create_app`
reach every API and UI. ``/docs`` and ``/redoc`` are served from vendored assets (offline).
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from weir import __version__
from weir.catalog import SYSTEMS, SystemSpec, load
from weir.core.http import RequestIdMiddleware, install_error_handlers
from weir.core.settings import Settings

STREAMLIT_SCRIPT = Path(__file__).parent / "streamlit_app.py"
STATIC = Path(__file__).parent / "static"
SWAGGER = "/static/vendor/swagger-ui-dist@5.35.0"
REDOC = "/static/vendor/redoc@2.5.4"
UI_MOUNT = "/ui"
# the API docs pages may load only what weir serves (ReDoc links a logo on a CDN)
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; font-src 'self' data:"
)
Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _lifespan_of(ui: Any) -> Lifespan | None:
    """The lifespan of a mounted ASGI app (a mounted app's own lifespan never runs otherwise)."""
    inner = getattr(ui, "starlette_app", ui)  # Shiny wraps a Starlette app
    router = getattr(inner, "router", None)
    return getattr(router, "lifespan_context", None)


def _chain(lifespans: list[tuple[Any, Lifespan]]) -> Lifespan:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for owner, context in lifespans:
                await stack.enter_async_context(context(_app if owner is None else owner))
            yield

    return lifespan


def _streamlit_app(settings: Settings) -> Any | None:
    """The one Streamlit app holding every system's pages, when any system has pages."""
    if not any(system.pages and system.available for system in SYSTEMS):
        return None
    from weir import streamlit_app
    from weir.core.optional import require

    st = require("streamlit")
    streamlit_app.configure(settings)
    return st.App(str(STREAMLIT_SCRIPT))


BADGE_SCRIPT = """<script>
document.querySelectorAll("[data-badge]").forEach(async (el) => {
  try {
    const body = await (await fetch(el.dataset.badge)).json();
    const status = String((body.data && body.data.status) || body.status || "unknown");
    el.textContent = status;
    el.className = "badge " + status.toLowerCase();
  } catch (err) { el.textContent = "unreachable"; el.className = "badge failed"; }
});
</script>"""


def _links(system: SystemSpec, has_api: bool) -> str:
    if not system.available:
        return "<em>not yet available</em>"
    parts = []
    if has_api and system.badge:
        source = html.escape(system.api_path + system.badge)
        parts.append(f'<span class=badge data-badge="{source}">…</span>')
    if system.ui_path:
        parts.append(f'<a href="{system.ui_path}">dashboard</a>')
    if has_api:
        parts.append(f'<a href="/docs#/{system.name}">API</a>')
    parts.append(f"<code>weir {system.name} --help</code>")
    return " · ".join(parts)


def _landing(mounted: list[tuple[SystemSpec, bool]]) -> str:
    rows = [
        f"<tr><td><strong>{html.escape(system.title)}</strong><br>"
        f"<code>weir.{system.name}</code></td><td>{html.escape(system.summary)}</td>"
        f"<td>{_links(system, has_api)}</td></tr>"
        for system, has_api in mounted
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>weir</title><style>body{font-family:system-ui;margin:2rem auto;max-width:60rem}"
        "td{padding:.5rem;border-bottom:1px solid #ddd;vertical-align:top}"
        ".badge{padding:.1rem .4rem;border-radius:.3rem;background:#eee}"
        ".badge.healthy{background:#c8f2c8}.badge.failed{background:#f6c6c6}"
        ".badge.degraded,.badge.pending{background:#f8e3b0}</style></head><body>"
        f"<h1>weir</h1><p>version {__version__} · <a href=/docs>OpenAPI</a> · "
        "<a href=/redoc>ReDoc</a> · <a href=/healthz>liveness</a> · "
        "<a href=/api/status>status</a></p><table>"
        + "".join(rows)
        + "</table>"
        + BADGE_SCRIPT
        + "</body></html>"
    )


def _docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="weir · API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )
        page.headers["content-security-policy"] = DOCS_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title="weir · API",
            redoc_js_url=f"{REDOC}/redoc.standalone.js",
            redoc_favicon_url=f"{SWAGGER}/favicon-32x32.png",
            with_google_fonts=False,
        )
        page.headers["content-security-policy"] = DOCS_CSP
        return page


def create_app(settings: Settings | None = None, *, with_ui: bool = True) -> FastAPI:
    """Build the root app.

    Args:
        settings: Settings shared by every mounted system (read from the environment if None).
        with_ui: Mount the dashboards (Streamlit pages, ASGI UIs).
    """
    settings = settings or Settings()
    streamlit = _streamlit_app(settings) if with_ui else None
    mounts: list[tuple[str, Any]] = []
    lifespans: list[tuple[Any, Lifespan]] = []
    if streamlit is not None:
        lifespans.append((None, streamlit.lifespan()))
    routers: dict[str, Any] = {}
    for system in SYSTEMS:
        if not system.available:
            continue
        if system.api:
            routers[system.name] = load(system.api)(settings)
        if with_ui and system.asgi_ui:
            ui = load(system.asgi_ui)(settings)
            mounts.append((f"/{system.name}", ui))
            lifespan = _lifespan_of(ui)
            if lifespan is not None:
                lifespans.append((getattr(ui, "starlette_app", ui), lifespan))
        elif with_ui and system.static:
            folder = Path(str(files(load(system.static).__name__)))
            mounts.append((f"/{system.name}", StaticFiles(directory=folder, html=True)))
    app = FastAPI(
        title="weir",
        version=__version__,
        lifespan=_chain(lifespans) if lifespans else None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    for name, router in routers.items():
        app.include_router(router, prefix=f"/api/{name}", tags=[name])
    page = _landing([(system, system.name in routers) for system in SYSTEMS])
    _docs(app)

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

    @app.get("/api/status", tags=["weir"])
    def status() -> dict[str, Any]:
        """Per system and step: the last run, its status, its age and its freshness."""
        from weir.status import read_status

        return {"steps": read_status(settings)}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for path, ui in mounts:
        app.mount(path, ui)
    if streamlit is not None:
        app.mount(UI_MOUNT, streamlit)
    return app
