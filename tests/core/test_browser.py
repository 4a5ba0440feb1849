"""The landing page in a real browser (Debian Chromium through Playwright)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from weir.catalog import SYSTEMS
from weir.core.settings import Settings
from weir.server import create_app


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
    page.get_by_role("link", name="health").click()
    page.wait_for_url(base + "/healthz")
    assert '"status":"ok"' in page.content()
