"""The widget and the demo page in Chromium: values, honest motion, failures, CORS, offline."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dac.gold import AS_OF, write_gold
from weir.core.settings import Settings
from weir.dac import web
from weir.dac.api import create_api_app
from weir.dac.pipeline.publish import publish
from weir.dac.sample import generate
from weir.dac.service import DacService
from weir.dac.settings import DacSettings

pytestmark = pytest.mark.browser


def wait_state(page: Any, state: str, timeout: float = 15000) -> None:
    """Wait until the widget reports `state` (live, cached, error) on <html>."""
    page.wait_for_selector(f"html[data-dac-state={state}]", state="attached", timeout=timeout)


class Site:
    """Published fresh sample data and the parts to serve it."""

    def __init__(self, root: Path, *, stale: bool = False) -> None:
        self.settings = Settings(home=root, store_url=f"file://{root}/store")
        self.dac = DacSettings(rate_limit="1000/minute")
        gold = self.dac.gold_store(self.settings)
        if stale:
            write_gold(gold)
            publish(self.settings, self.dac, as_of=AS_OF)
            return
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        generate(root / "sample", days=3, seed=3, end=end)
        for path in sorted((root / "sample").rglob("*.parquet")):
            gold.put(path.relative_to(root / "sample").as_posix(), path.read_bytes())
        publish(self.settings, self.dac, as_of=end)

    def app(self, *, origins: list[str] | None = None, retry_ms: int | None = None) -> Any:
        dac = self.dac.model_copy(update={"cors_origins": origins or []})
        app = create_api_app(self.settings, dac, prefix="/api/dac")
        app.mount("/dac", web.create_app(self.settings, dac, retry_ms=retry_ms))
        return app

    def rows(self, key: str) -> list[dict[str, str]]:
        public = self.dac.public_store(self.settings)
        resolved = DacService(self.settings, self.dac).resolve(key)
        return list(csv.DictReader(io.StringIO(public.get(resolved).decode())))

    def expected(self) -> dict[str, str]:
        config = DacService(self.settings, self.dac).config()
        return {
            row["metric"]: web.display(float(row["value"]), config[row["metric"]])
            for row in self.rows("data/current_snapshot_*.csv")
        }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("dac-site"))


def values(page: Any, metrics: list[str]) -> dict[str, str]:
    return {m: page.inner_text(f"#{m}_value") for m in metrics}


def test_values_equal_snapshot_reduced_motion_is_static_and_offline(
    site: Site, serve_app: Callable[[Any], str], page: Any
) -> None:
    base = serve_app(site.app())
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{base}/dac/")
    wait_state(page, "live")
    expected = site.expected()
    assert values(page, list(expected)) == expected
    time.sleep(1.5)
    assert values(page, list(expected)) == expected  # still: no motion
    assert page.inner_text("#tonnes_removed_total_note").startswith("measured at ")
    assert page.get_attribute("#data-quality-indicator", "data-level") == "fresh"
    assert page.inner_text("#machine-status").count("since") == 4
    assert len(requests) > 8
    assert all(url.startswith(base + "/") for url in requests), requests


def test_honest_motion_over_ten_seconds(
    site: Site, serve_app: Callable[[Any], str], page: Any
) -> None:
    base = serve_app(site.app())
    page.goto(f"{base}/dac/")
    wait_state(page, "live")
    snapshot = {r["metric"]: float(r["value"]) for r in site.rows("data/current_snapshot_*.csv")}
    last: dict[str, dict[str, str]] = {}
    for row in site.rows("data/hourly_trends_*.csv"):
        last[row["metric"]] = row
    tonnes = last["tonnes_removed_total"]
    rate = float(tonnes["end_value"]) - float(tonnes["start_value"])  # per hour
    measured = snapshot["tonnes_removed_total"]
    cap = measured + rate
    temp = last["temperature"]
    low = min(float(temp["hourly_min"]), snapshot["temperature"]) - 0.05  # display rounding
    high = max(float(temp["hourly_max"]), snapshot["temperature"]) + 0.05
    seen_tonnes: list[float] = []
    seen_temp: list[float] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen_tonnes.append(float(page.inner_text("#tonnes_removed_total_value")))
        seen_temp.append(float(page.inner_text("#temperature_value")))
        time.sleep(0.25)
    assert seen_tonnes == sorted(seen_tonnes)  # never decreases
    assert seen_tonnes[0] >= round(measured, 5)
    assert seen_tonnes[-1] <= round(cap, 5) + 1e-9
    assert seen_tonnes[-1] > seen_tonnes[0]  # it does advance
    assert all(low <= v <= high for v in seen_temp), (low, high, seen_temp)
    assert len(set(seen_temp)) > 1
    note = page.inner_text("#tonnes_removed_total_note")
    assert note.startswith("estimated · measured at ")


def test_api_down_cached_then_error_then_recovery(
    site: Site, serve_app: Callable[[Any], str], page: Any
) -> None:
    base = serve_app(site.app(retry_ms=400))
    page.emulate_media(reduced_motion="reduce")  # measured values, to compare exactly
    page.goto(f"{base}/dac/")
    wait_state(page, "live")
    page.route("**/api/dac/**", lambda route: route.abort())
    page.reload()
    wait_state(page, "cached")
    assert page.locator(".metric-value.cached").count() == 11
    assert "showing the last data received at" in page.inner_text("#error-message")
    page.evaluate("localStorage.clear()")
    page.reload()
    wait_state(page, "error")
    assert page.inner_text("#temperature_value") == "--"
    assert page.is_visible("#error-message")
    page.unroute("**/api/dac/**")
    wait_state(page, "live")
    assert values(page, ["humidity"]) == {"humidity": site.expected()["humidity"]}
    assert not page.is_visible("#error-message")


def test_stale_data_is_red(tmp_path: Path, serve_app: Callable[[Any], str], page: Any) -> None:
    stale = Site(tmp_path, stale=True)
    base = serve_app(stale.app())
    page.goto(f"{base}/dac/")
    wait_state(page, "live")
    indicator = page.locator("#data-quality-indicator")
    assert indicator.get_attribute("data-level") == "stale"
    color = indicator.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color == "rgb(200, 30, 30)"


def test_javascript_off_shows_server_rendered_values(
    site: Site, serve_app: Callable[[Any], str], browser: Any
) -> None:
    base = serve_app(site.app())
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/dac/")
        expected = site.expected()
        assert values(page, list(expected)) == expected
        assert page.get_attribute("#data-quality-indicator", "data-level") == "fresh"
        assert page.locator("svg.trend polyline").count() == 9
    finally:
        context.close()


@pytest.mark.parametrize("allowed", [True, False])
def test_embedded_on_another_origin_only_when_allowed(
    site: Site, serve_app: Callable[[Any], str], page: Any, allowed: bool
) -> None:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    holder: dict[str, str] = {}

    def embed(_request: Any) -> HTMLResponse:
        api = holder["api"]
        return HTMLResponse(
            '<!doctype html><html><body><div id="temperature_value" class="metric-value">--'
            '</div><div id="error-message"></div><div id="data-quality-indicator"></div>'
            f'<script src="{api}/dac/static/vendor/papaparse@5.7.1/papaparse.min.js"></script>'
            f'<script src="{api}/dac/static/dac_dashboard.js"></script><script>'
            f"new DACDashboard('{api}/api/dac', {{retries: 1, retryMs: 60000}}).initialize();"
            "</script></body></html>"
        )

    other = serve_app(Starlette(routes=[Route("/", embed)]))
    holder["api"] = serve_app(site.app(origins=[other] if allowed else []))
    page.emulate_media(reduced_motion="reduce")  # measured values, to compare exactly
    page.goto(f"{other}/")
    state = "live" if allowed else "error"
    wait_state(page, state)
    text = page.inner_text("#temperature_value")
    assert text == (site.expected()["temperature"] if allowed else "--")


def test_motion_pauses_while_the_tab_is_hidden(
    site: Site, serve_app: Callable[[Any], str], page: Any
) -> None:
    base = serve_app(site.app())
    page.goto(f"{base}/dac/")
    wait_state(page, "live")
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    frozen = page.inner_text("#tonnes_removed_total_value")
    time.sleep(1.5)
    assert page.inner_text("#tonnes_removed_total_value") == frozen
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    deadline = time.monotonic() + 5
    while page.inner_text("#tonnes_removed_total_value") == frozen:
        assert time.monotonic() < deadline, "motion did not resume"
        time.sleep(0.2)
