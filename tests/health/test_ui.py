"""The Streamlit page: headless (AppTest) and in Chromium, always through the HTTP API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.fixtures.net import free_port
from tests.health.test_api import build_app
from weir.core.settings import Settings
from weir.health.pipeline.simulate import apply
from weir.health.sample import sample
from weir.health.settings import HealthSettings

PAGE = "from weir.health.ui.page import render\nrender()\n"


class ApiServer:
    """The health API alone on 127.0.0.1, stoppable (to show the page's unreachable notice)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/api/health"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def api(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ApiServer, Path]]:
    root = tmp_path / "heli"
    sample(root, 7)
    health = HealthSettings(config=root / "helicopter.yaml", round_every=0.2, reload_every=0.5,
                            svg_renderer="none")  # fmt: skip
    server = ApiServer(build_app(settings, health))
    monkeypatch.setenv("WEIR_HEALTH_API_URL", server.url)
    monkeypatch.setenv("WEIR_HEALTH_CONFIG", str(root / "helicopter.yaml"))
    monkeypatch.setenv("WEIR_HEALTH_SVG_RENDERER", "none")
    time.sleep(1.5)  # the first round
    yield server, root
    server.stop()


def test_page_headless_and_api_down(api: tuple[ApiServer, Path]) -> None:
    from streamlit.testing.v1 import AppTest

    server, root = api
    app = AppTest.from_string(PAGE, default_timeout=30)
    app.run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["🟢 healthy", "0", "5", "8"]
    table = app.dataframe[0].value
    assert list(table["process"])[:3] == [
        "Data download to data centers", "Zip extraction", "Parse & extract RDF"
    ]  # fmt: skip
    apply(root, "sql")
    deadline = time.monotonic() + 10  # the check's interval is 5 s
    while [m.value for m in app.metric][:2] != ["🔴 failed", "1"]:
        assert time.monotonic() < deadline, [m.value for m in app.metric]
        time.sleep(0.3)
        app.run()
    assert "results_in_sql" not in str(table)
    server.stop()
    app.run()
    assert app.error[0].value.startswith(f"Health API unreachable ({server.url}).")
    assert "Showing the last state received at" in app.error[0].value
    assert [m.value for m in app.metric][:2] == ["🔴 failed", "1"]  # last state kept


def test_config_panel_validates_a_shipped_config(api: tuple[ApiServer, Path]) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE, default_timeout=30)
    app.run()
    panel = next(box for box in app.selectbox if box.label == "Shipped config")
    panel.set_value("helicopter").run()
    assert [s.value for s in app.success] == [
        "Valid: Helicopter data ingestion · 8 processes · 5 checks"
    ]


def red_pixels(png: bytes) -> int:
    """Pixels of the failed fill colour (#fee2e2) in a screenshot."""
    import io

    import numpy as np
    from matplotlib import image

    pixels = (image.imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(int)
    return int((np.abs(pixels - np.array([254, 226, 226])).sum(axis=2) <= 6).sum())


@pytest.mark.browser
def test_page_in_chromium_colours_change_and_api_down(
    api: tuple[ApiServer, Path],
    settings: Settings,
    serve_app: Callable[[Any], str],
    page: Any,
) -> None:
    from weir.server import create_app

    server, root = api
    base = serve_app(create_app(Settings()))  # the real composition: the one app under /ui
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(base + "/ui/health")
    diagram = page.get_by_role("img", name="Helicopter data ingestion: healthy")
    diagram.wait_for(timeout=30_000)
    red_before = red_pixels(diagram.screenshot())
    apply(root, "parse")  # the 5 s auto-refresh picks the failure up
    failed = page.get_by_role("img", name="Helicopter data ingestion: failed")
    failed.wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    red_after = red_pixels(failed.screenshot())
    assert red_after > red_before * 2  # the parse node and its sensor turned red
    server.stop()
    page.get_by_text("Health API unreachable (").first.wait_for(timeout=15_000)
    failed.wait_for(timeout=10_000)  # the last state stays visible under the notice
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert outside == []
