"""The Shiny dashboard in Chromium through shiny.playwright controllers, served on 127.0.0.1."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from weir.core.http import install_error_handlers
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.api import create_router
from weir.forecast.pipeline.extract import extract
from weir.forecast.settings import ForecastSettings
from weir.forecast.ui.app import create_app

pytestmark = pytest.mark.browser
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
SUMMARY = "forecasts/source={}/variable={}/init_date=2026-11-25/{}.parquet"


def _served(settings: Settings, sample_dir: Path, serve_app: Callable[[Any], str]) -> str:
    options = ForecastSettings(points=sample_dir / "points.json", api_key=SecretStr("k"))
    extract(
        Store.from_settings(settings),
        options,
        settings,
        registry=sample_dir / "source_registry.json",
    )
    shiny_app = create_app(settings, options.model_copy(update={"points": None}))
    app = FastAPI(lifespan=shiny_app.starlette_app.router.lifespan_context)
    install_error_handlers(app)
    app.include_router(create_router(settings, options), prefix="/api/forecast")
    app.mount("/forecast", shiny_app)
    return serve_app(app)


def _js(value: float) -> str:
    """A number as the data grid shows it (JSON: 50.0 is 50)."""
    return str(int(value)) if value == int(value) else str(value)


def _watch(page: Any) -> list[str]:
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(LOCAL) else outside.append(r.url))
    return outside


def _frame(settings: Settings, source: str, variable: str, name: str) -> pd.DataFrame:
    data = Store.from_settings(settings).get(SUMMARY.format(source, variable, name))
    return pd.read_parquet(io.BytesIO(data))


def _idle(page: Any) -> None:
    """Wait until Shiny has no output recalculating (``shiny-busy`` gone for 300 ms)."""
    busy = "document.documentElement.classList.contains('shiny-busy')"
    for _ in range(2):
        page.wait_for_function(f"!{busy}", timeout=30_000)
        page.wait_for_timeout(300)


def test_overview_follows_the_controls(
    settings: Settings, sample_dir: Path, serve_app: Callable[[Any], str], page: Any
) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from shiny.playwright import controller

    base = _served(settings, sample_dir, serve_app)
    outside = _watch(page)
    page.set_default_timeout(30_000)
    page.goto(f"{base}/forecast/")
    caption = controller.OutputText(page, "caption")
    caption.expect_value(
        re.compile(r"^Alpha \(65\.2, -125\.3\) · ecmwf_ifs_ens 2026-11-25 00Z"), timeout=30_000
    )
    table = controller.OutputDataFrame(page, "table")
    ifs = _frame(settings, "ecmwf_ifs_ens", "temperature_2m", "ensemble_summary")
    first = ifs[(ifs.point_id == "a") & (ifs.lead_hours == 0)].iloc[0]
    table.expect_cell(_js(round(first["median"], 2)), row=0, col=6, timeout=15_000)
    table.expect_cell("51", row=0, col=10)
    plot = page.locator("#plot img")
    before = plot.get_attribute("src")

    controller.InputSelect(page, "variable").set("precipitation")
    caption.expect_value(re.compile(r"· mm · UTC$"))
    table.expect_cell("0", row=0, col=10)  # lead 0 has no precipitation step: no member
    page.wait_for_function(
        "src => document.querySelector('#plot img').getAttribute('src') !== src", arg=before
    )

    controller.InputSelect(page, "point").set("b")
    caption.expect_value(re.compile(r"^Bravo \(65\.4, -125\.1\)"))
    controller.InputCheckboxGroup(page, "sources").set(["gefs"])
    table.expect_cell("gefs", row=0, col=0)
    table.expect_cell("31", row=1, col=10)

    # threshold probability: share of GEFS members above 0.5 mm, from the stored members
    members = _frame(settings, "gefs", "precipitation", "points")
    wide = members[members.point_id == "b"].pivot(
        index="ensemble_member", columns="lead_hours", values="value"
    )
    shares = (wide.to_numpy() > 0.5).mean(axis=0)
    row = int(np.argmax((shares > 0) & (shares < 1)))  # a lead where members disagree
    assert 0 < shares[row] < 1
    expected = _js(round(float(shares[row]) * 100, 1))
    controller.InputSwitch(page, "use_threshold").set(True)
    controller.InputNumeric(page, "threshold").set("0.5")
    controller.InputRadioButtons(page, "direction").set("above")
    _idle(page)  # three inputs changed: let the table's re-renders finish before reading cells
    table.expect_column_labels(
        [
            "source",
            "valid_time",
            "lead_h",
            "min",
            "q10",
            "q25",
            "median",
            "q75",
            "q90",
            "max",
            "members",
            "p_threshold_pct",
        ]
    )
    for attempt in range(3):  # a re-render may detach the row while it is scrolled to
        try:
            table.expect_cell(expected, row=row, col=11)
            break
        except PlaywrightError as exc:
            if "not attached" not in str(exc) or attempt == 2:
                raise
            _idle(page)

    controller.InputRadioButtons(page, "units").set("imperial")
    caption.expect_value(re.compile(r"· in · UTC$"))
    controller.InputRadioButtons(page, "view").set("members")
    controller.InputSwitch(page, "local_time").set(True)
    with page.expect_download() as info:
        page.locator("#download").click()
    csv = pd.read_csv(info.value.path())
    assert len(csv) == 81
    assert list(csv["source"].unique()) == ["gefs"]
    assert "p_threshold_pct" in csv.columns

    page.get_by_role("tab", name="Status").click()
    assert page.locator("#freshness_badge").inner_text() == "fresh"
    assert "Objects" in page.locator("#status_table").inner_text()
    assert outside == []


def test_map_adds_a_point_through_the_api(
    settings: Settings, sample_dir: Path, serve_app: Callable[[Any], str], page: Any
) -> None:
    from playwright.sync_api import expect
    from shiny.playwright import controller

    base = _served(settings, sample_dir, serve_app)
    outside = _watch(page)
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{base}/forecast/")
    controller.OutputText(page, "caption").expect_value(re.compile("^Alpha"), timeout=30_000)
    page.locator(".navbar-toggler").click()  # the phone layout collapses the tabs
    controller.PageNavbar(page, "tabs").set("points")
    page.wait_for_selector("#point_map[data-ready='1']")
    page.wait_for_timeout(300)  # the tab's map has its size now
    box = page.locator("#point_map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cells = page.locator("#nearest_cells")
    cells.wait_for()
    assert re.fullmatch(
        r"ecmwf_ifs_ens: 65\.00, -125\.00 \(\d+\.\d km\)\ngefs: 65\.00, -125\.00 \(\d+\.\d km\)",
        cells.inner_text(),
    )
    controller.InputText(page, "new_name").set("Alpha")
    page.locator("#save_point").click()
    message = page.locator("#form_message_text")
    expect(message).to_have_text("a point named 'Alpha' exists already (a)")
    controller.InputText(page, "new_name").set("Ridge Hut")
    controller.InputText(page, "new_tags").set("hut, ski")
    controller.InputText(page, "new_by").set("tester")
    controller.InputSelectize(page, "new_tz").set("America/Vancouver")
    the_map = page.locator("#point_map")
    the_map.click(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2 + 40})
    expect(page.locator("#picked")).not_to_have_text(re.compile("64.99"))
    cells.wait_for()
    page.locator("#save_point").click()
    expect(message).to_have_text("Saved Ridge Hut (ridge-hut).")
    controller.OutputDataFrame(page, "points_table").expect_cell("ridge-hut", row=3, col=0)
    listed = page.request.get(f"{base}/api/forecast/points").json()
    hut = next(p for p in listed if p["id"] == "ridge-hut")
    assert (hut["tags"], hut["created_by"]) == (["hut", "ski"], "tester")
    assert hut["timezone"] == "America/Vancouver"
    exported = Store.from_settings(settings).get_json("dashboard/config/pre_canned_points.json")
    assert "ridge-hut" in [p["id"] for p in exported["points"]]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert outside == []
