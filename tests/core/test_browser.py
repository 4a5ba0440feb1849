"""Every page `weir serve` links, in a real browser (Debian Chromium through Playwright):
each renders, and no request leaves 127.0.0.1 (no CDN, no usage statistics, no fonts)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from weir.catalog import SYSTEMS
from weir.core.settings import Settings
from weir.server import create_app

# what each linked page shows once rendered (a selector that only appears when it worked)
RENDERED = {
    "/docs": "#swagger-ui .info .title",
    "/redoc": "redoc h1",
    "/healthz": "body",
    "/api/status": "body",
}


def _watch_requests(page: Any) -> list[str]:
    """URLs the page sent; a request the page's CSP blocked never left the browser."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))

    def failed(request: Any) -> None:
        if (request.failure or "").lower() in (
            "csp",
            "net::err_blocked_by_csp",
        ) and request.url in seen:
            seen.remove(request.url)

    page.on("requestfailed", failed)
    return seen


@pytest.mark.browser
def test_landing_page_in_chromium(
    settings: Settings, serve_app: Callable[[Any], str], page: Any
) -> None:
    base = serve_app(create_app(settings, with_ui=False))
    response = page.goto(base + "/")
    assert response.status == 200
    assert page.title() == "weir"
    rows = page.locator("table tr")
    assert rows.count() == len(SYSTEMS)
    texts = rows.all_inner_texts()
    for system, text in zip(SYSTEMS, texts, strict=True):
        assert system.title in text
        assert ("not yet available" in text) == (not system.available)
    page.get_by_role("link", name="liveness").click()
    page.wait_for_url(base + "/healthz")
    assert '"status":"ok"' in page.content()


@pytest.mark.browser
@pytest.mark.slow
def test_every_linked_page_renders_offline(weir_site: Any, page: Any) -> None:
    base = weir_site.url
    requests = _watch_requests(page)
    page.goto(base + "/")
    badges = page.locator("[data-badge]")
    assert badges.count() == sum(1 for s in SYSTEMS if s.available and s.badge)
    for badge in badges.all():  # weir's own health, from its API
        expect(badge).to_have_text(re.compile("^(healthy|degraded|failed|pending|unknown)$"))
    links = sorted(  # one visit per page: /docs#/mrv and /docs#/telemetry are one page
        {
            href.split("#")[0]
            for href in page.locator("a").evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
            if href and href.startswith("/")
        }
    )
    expected = {"/docs", "/redoc", "/healthz", "/api/status"} | {
        s.ui_path for s in SYSTEMS if s.available and s.ui_path
    }
    assert expected <= {link.split("#")[0] for link in links}
    for link in links:
        response = page.goto(base + link)
        assert response is not None, link
        assert response.status == 200, link
        path = link.split("#")[0]
        if path in RENDERED:
            page.wait_for_selector(RENDERED[path], timeout=20_000)
        else:  # a system's UI: Streamlit pages render into the app view, others into <body>
            page.wait_for_load_state("networkidle", timeout=30_000)
            assert page.locator("body").inner_text(timeout=20_000).strip(), link
            if path.startswith("/ui/"):  # Streamlit: no developer toolbar ("Deploy")
                page.wait_for_selector("[data-testid='stApp']", timeout=20_000)
                assert page.get_by_text("Deploy", exact=True).count() == 0
        page.wait_for_timeout(500)
    outside = [url for url in requests if urlparse(url).hostname not in ("127.0.0.1", None)]
    assert outside == [], outside
