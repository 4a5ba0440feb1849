"""The MRV dashboard: headless (Streamlit AppTest) and in Chromium through Playwright."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest

from weir.core.db import make_engine
from weir.core.settings import Settings
from weir.mrv import service
from weir.mrv.settings import MrvSettings

PAGE_SCRIPT = (
    "from weir.core.settings import Settings\n"
    "from weir.mrv.ui.page import render\nrender(Settings())\n"
)


def load_sample(settings: Settings, sample_dir: Path) -> Settings:
    """Ingest and calculate the sample into the settings' database."""
    service.migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    service.ingest(engine, sample_dir, MrvSettings())
    service.calculate(engine, MrvSettings())
    engine.dispose()
    return settings


@pytest.fixture
def loaded(
    settings: Settings, db_url: str, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings (SQLite or PostgreSQL) whose database holds the calculated sample."""
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    return load_sample(Settings(), sample_dir)


def expected_kpis(settings: Settings, plant: str | None) -> list[str]:
    engine = make_engine(settings.database_url)
    rows = service.results(engine, service.Filters(plant))
    engine.dispose()
    total = service.totals([dict(r, plant_id="ALL") for r in rows], MrvSettings())[0]
    return [
        f"{total['co2_t']:.3f}",
        f"{total['conservative_t']:.3f}",
        str(total["days_valid"]),
        str(total["days_invalid"]),
        str(total["days_skipped"]),
    ]


def test_page_headless(loaded: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    assert [m.value for m in app.metric] == expected_kpis(loaded, None)
    assert [c.value for c in app.caption] == ["Showing 244 of 244 plant-days."]
    app.sidebar.radio[0].set_value("PLANT_B").run()
    assert [m.value for m in app.metric] == expected_kpis(loaded, "PLANT_B")
    app.sidebar.multiselect[0].set_value(["INVALID"]).run()
    assert [m.value for m in app.metric][2:] == ["0", "1", "0"]
    assert [c.value for c in app.caption] == ["Showing 1 of 244 plant-days."]


def test_date_range_filter_changes_the_kpis(loaded: Settings) -> None:
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    app.sidebar.date_input[0].set_value((dt.date(2025, 4, 1), dt.date(2025, 4, 30))).run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["9.612", "9.137", "58", "0", "2"]
    assert [c.value for c in app.caption] == ["Showing 60 of 244 plant-days."]


def test_new_results_show_at_the_next_rerun(loaded: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert [m.value for m in app.metric][:2] == ["33.768", "32.867"]
    engine = make_engine(loaded.database_url)
    service.calculate(engine, MrvSettings(mol_co2_per_mol_ca=2.0))  # `weir mrv calculate`
    engine.dispose()
    app.run()
    assert [m.value for m in app.metric] == ["67.536", "65.734", "204", "3", "37"]


def test_page_without_results(settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    service.migrate(settings.database_url)
    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    assert app.info[0].value.startswith("No results yet")


@pytest.mark.browser
def test_dashboard_in_chromium(settings: Settings, weir_site: Any, page: Any) -> None:
    # The real composition (`weir serve` after `weir demo`: the one Streamlit app under /ui),
    # started once per session in its own process, whose environment names another database:
    # the page showing the demo data proves that create_app's settings reached it.
    from playwright.sync_api import expect

    loaded, base = weir_site.settings, weir_site.url
    assert loaded.database_url != settings.database_url
    started = time.monotonic()
    page.goto(base + "/ui/mrv")
    metrics = page.get_by_test_id("stMetricValue")
    metrics.first.wait_for(timeout=30_000)
    page.get_by_text("Showing 244 of 244 plant-days.").wait_for(timeout=30_000)
    load_s = time.monotonic() - started
    expect(metrics).to_have_text(expected_kpis(loaded, None), timeout=10_000)

    started = time.monotonic()
    page.get_by_test_id("stSidebar").get_by_text("PLANT_A", exact=True).click()
    page.get_by_text("Showing 122 of 244 plant-days.").wait_for(timeout=10_000)
    rerender_s = time.monotonic() - started
    expect(metrics).to_have_text(expected_kpis(loaded, "PLANT_A"), timeout=10_000)

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV (122 rows)").click()
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    engine = make_engine(loaded.database_url)
    rows = service.results(engine, service.Filters("PLANT_A"))
    engine.dispose()
    table = list(csv.DictReader(io.StringIO(downloaded)))
    assert len(table) == 122
    assert downloaded == service.rows_to_csv(rows, list(rows[0]))
    print(f"dashboard load {load_s:.2f} s, filter re-render {rerender_s:.2f} s")
