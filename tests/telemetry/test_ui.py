"""The telemetry dashboard: headless (Streamlit AppTest) and in Chromium, offline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.fixtures.net import free_port
from tests.telemetry.fleet import VEHICLES, build_fleet
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry import reads, service

PAGE_SCRIPT = (
    "from weir.core.settings import Settings\n"
    "from weir.telemetry.ui.page import render\nrender(Settings())\n"
)
# the page as weir's Streamlit app mounts it: through pages(), at url_path "telemetry"
APP_SCRIPT = (
    "import streamlit as st\n"
    "from weir.core.settings import Settings\n"
    "from weir.telemetry.ui import pages\n"
    "st.set_page_config(page_title='weir', layout='wide')\n"
    "home = st.Page(lambda: st.title('weir dashboards'), title='Overview', default=True)\n"
    "st.navigation([home, *pages(Settings())]).run()\n"
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_fleet(tmp_path_factory.mktemp("fleet"))


def expected_metrics(settings: Settings) -> list[str]:
    status = service.status(Store.from_settings(settings))
    return [
        f"{status['rows']:,}",
        str(status["vehicles"]),
        str(status["columns"]),
        str(status["files_pending"]),
        str(status["rescued_rows"]),
        str(status["dead_lettered"]),
    ]


def test_page_headless(fleet: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WEIR_HOME", str(fleet.home))
    store = Store.from_settings(fleet)
    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    assert [m.value for m in app.metric] == expected_metrics(fleet)
    status = service.status(store)
    assert [s.value for s in app.subheader] == [
        "Last runs",
        "Pending files (0)",
        f"Rescued values ({status['rescued_rows']} rows)",
        f"Dead letters ({status['dead_lettered']})",
        "Vehicles and their latest key signals",
        "One vehicle over time",
    ]
    runs, rescued, letters, vehicles = (d.value for d in app.dataframe)  # none pending
    assert runs["files"].to_list() == [status["last_run"]["files"]]
    assert len(rescued) == len(reads.rescued(store))
    assert set(rescued["reason"].to_list()) <= {r["reason"] for r in reads.rescued(store)}
    assert letters["reason"].to_list() == [d["reason"] for d in reads.dead_letters(store)]
    assert len(vehicles) == VEHICLES
    assert list(vehicles.columns) == ["vehicle_id", *reads.key_signals(store)]
    second = vehicles["vehicle_id"].to_list()[1]
    app.selectbox[0].set_value(second).run()
    total = reads.history(store, second, ["Odometer_TraveledDistance_value"], limit=1).total
    assert [c.value for c in app.caption][-1] == (
        f"{total} rows of {second} (latest 1000 at most)."
    )
    app.multiselect[0].set_value(["TractionBattery_Range_value"]).run()
    assert [m.value for m in app.markdown][-1] == "**TractionBattery_Range_value**"


def test_page_on_a_fresh_home(settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    assert app.info[0].value.startswith("No telemetry yet: land events with `weir telemetry")


@pytest.fixture
def streamlit_server(fleet: Settings, tmp_path: Path) -> Iterator[str]:
    """`streamlit run` of weir's page list in its own process (one Streamlit runtime per
    process: the MRV test mounts the root app's in this one)."""
    script = tmp_path / "app.py"
    script.write_text(APP_SCRIPT, encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR_")}
    env["WEIR_HOME"] = str(fleet.home)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            "--client.toolbarMode=viewer",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("streamlit did not start within 60 s") from None
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.browser
def test_dashboard_in_chromium_offline(fleet: Settings, streamlit_server: str, page: Any) -> None:
    from playwright.sync_api import expect

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    started = time.monotonic()
    page.goto(streamlit_server + "/telemetry")
    metrics = page.get_by_test_id("stMetricValue")
    expect(metrics).to_have_text(expected_metrics(fleet), timeout=60_000)
    load_s = time.monotonic() - started
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(3, timeout=30_000)
    store = Store.from_settings(fleet)
    vehicles = [row["vehicle_id"] for row in reads.latest(store).items]
    choose = page.get_by_test_id("stSelectbox").locator("input")
    choose.click()
    choose.fill(vehicles[2])  # the selectbox filters its options as one types
    page.keyboard.press("Enter")
    total = reads.history(store, vehicles[2], ["Odometer_TraveledDistance_value"], limit=1).total
    page.get_by_text(f"{total} rows of {vehicles[2]}").wait_for(timeout=30_000)
    expect(charts).to_have_count(3, timeout=30_000)
    page.wait_for_timeout(500)
    outside = [url for url in requests if urlparse(url).hostname not in ("127.0.0.1", None)]
    assert outside == [], outside
    print(f"telemetry dashboard load {load_s:.2f} s")
