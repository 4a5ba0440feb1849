"""Mermaid text → SVG, off the request path, served from a cache.

Renderers, measured on these machines (DESIGN.md): mmdr (Rust, in process) draws ~50 nodes in
~20 ms but refuses graphs of a few hundred nodes; mermaid 11 (vendored from npm) in Chromium
through Playwright draws any size in 0.3–2 s. Labels keep Mermaid's default HTML labels: with
``htmlLabels: false`` neither renderer decodes the ``#34;`` entity codes the generator writes.
``auto`` uses mmdr for small graphs and Chromium for large ones or when mmdr refuses. A worker
thread renders the newest submitted text; a request gets the cached SVG of that text, else the
last SVG rendered (marked stale), else a plain fallback SVG drawn here: a request never waits
on a render.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loguru import logger

VENDOR = Path(__file__).parents[1] / "static" / "vendor" / "mermaid@11.12.2" / "mermaid.min.js"
MMDR_MAX_LINES = 120
CACHE_SIZE = 16


def digest(text: str) -> str:
    """The cache key of a diagram text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_mmdr(text: str) -> str:
    """SVG from mmdr (raises when the graph is beyond its layout limit)."""
    import mmdr

    return str(mmdr.render(text).svg())


class ChromiumRenderer:
    """mermaid in headless Chromium (Debian's, through Playwright); one page reused.

    Used from one thread only (Playwright's sync API is bound to its thread).
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._count = 0

    def _open(self) -> Any:
        import shutil

        from playwright.sync_api import sync_playwright

        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        if executable is None:
            raise RuntimeError("chromium is not installed")
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = self._browser.new_page()
        page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(content=VENDOR.read_text(encoding="utf-8"))
        page.evaluate(
            """() => mermaid.initialize({startOnLoad: false, securityLevel: 'strict',
                maxTextSize: 5000000, maxEdges: 100000})"""
        )
        self._page = page
        return page

    def render(self, text: str) -> str:
        """SVG of `text` (raises with mermaid's parse error when it does not parse)."""
        page = self._page or self._open()
        self._count += 1
        return str(
            page.evaluate(
                "async ([id, text]) => (await mermaid.render(id, text)).svg",
                [f"weir-diagram-{self._count}", text],
            )
        )

    def close(self) -> None:
        """Close the browser."""
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()
        self._browser = self._page = self._playwright = None


class SvgCache:
    """Renders submitted diagram texts in a worker thread and serves their SVGs.

    Args:
        mode: ``auto``, ``mmdr``, ``chromium`` or ``none``.
    """

    def __init__(self, mode: str = "auto") -> None:
        self.mode = mode
        self._svgs: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._latest: tuple[str, str, str] | None = None  # key, svg, renderer
        self._pending: str | None = None
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.renders = 0
        self.errors: list[str] = []

    def submit(self, text: str) -> None:
        """Ask for `text` to be rendered (the newest submission wins)."""
        if self.mode == "none":
            return
        with self._condition:
            if digest(text) in self._svgs:
                return
            self._pending = text
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="health-svg", daemon=True)
                self._thread.start()
            self._condition.notify()

    def get(self, text: str, fallback: Callable[[], str]) -> tuple[str, str, bool]:
        """(svg, renderer, fresh) for `text`: its SVG when rendered, else the last one
        rendered (not fresh), else the fallback."""
        with self._condition:
            found = self._svgs.get(digest(text))
            latest = self._latest
        if found is not None:
            return found[0], found[1], True
        if latest is not None:
            return latest[1], latest[2], False
        return fallback(), "fallback", False

    def wait(self, text: str, timeout: float) -> bool:
        """Block until `text` is rendered (tests, benchmarks and the CLI)."""
        key = digest(text)
        with self._condition:
            return self._condition.wait_for(lambda: key in self._svgs, timeout)

    def close(self) -> None:
        """Stop the worker."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _work(self) -> None:
        chromium = ChromiumRenderer()
        try:
            while True:
                with self._condition:
                    self._condition.wait_for(lambda: self._pending is not None or self._closed)
                    if self._closed:
                        return
                    text, self._pending = self._pending, None
                assert text is not None
                try:
                    svg, renderer = self._render(text, chromium)
                except Exception as exc:
                    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    self.errors.append(message)
                    logger.warning("diagram not rendered: {}", message)
                    continue
                key = digest(text)
                with self._condition:
                    self._svgs[key] = (svg, renderer)
                    while len(self._svgs) > CACHE_SIZE:
                        self._svgs.popitem(last=False)
                    self._latest = (key, svg, renderer)
                    self.renders += 1
                    self._condition.notify_all()
        finally:
            chromium.close()

    def _render(self, text: str, chromium: ChromiumRenderer) -> tuple[str, str]:
        small = text.count("\n") <= MMDR_MAX_LINES
        if self.mode == "mmdr" or (self.mode == "auto" and small):
            try:
                return render_mmdr(text), "mmdr"
            except Exception as exc:
                if self.mode == "mmdr":
                    raise
                logger.info("mmdr refused the diagram ({}); using Chromium", exc)
        return chromium.render(text), "chromium"


def fallback_svg(rows: list[tuple[str, str, str]]) -> str:
    """A plain SVG when no renderer has drawn yet: one coloured row per (name, status, note)."""
    from html import escape

    colours = {
        "healthy": "#dcfce7",
        "failed": "#fee2e2",
        "degraded": "#fef3c7",
        "pending": "#e0e7ff",
        "maintenance": "#e0f2fe",
    }
    height = 28 * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="520" height="{height}" '
        'font-family="sans-serif" font-size="13">'
    ]
    for index, (name, status, note) in enumerate(rows):
        y = 5 + index * 28
        fill = colours.get(status, "#f3f4f6")
        parts.append(
            f'<rect x="5" y="{y}" width="510" height="24" rx="4" fill="{fill}" stroke="#555"/>'
            f'<text x="12" y="{y + 16}">{escape(name)} — {escape(status)}'
            f"{escape(' · ' + note) if note else ''}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
