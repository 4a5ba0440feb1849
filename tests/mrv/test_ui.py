"""The MRV dashboard: headless (Streamlit AppTest) and in Chromium through Playwright."""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from weir.core.db import make_engine
from weir.core.settings import Settings
from weir.mrv import reviews, service
from weir.mrv.settings import MrvSettings
from weir.mrv.ui.review_panel import READ_ONLY

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
    settings: Settings,
    db_url: str,
    sample_dir: Path,
    sample_sqlite: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings (SQLite or PostgreSQL) whose database holds the calculated sample (on SQLite a
    copy of the session's sample database)."""
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(sample_sqlite, db_url.removeprefix("sqlite:///"))
        return Settings()
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


def kpis(app: Any) -> list[str]:
    """The five KPI metrics at the top of the page (the review panel's follow)."""
    return [m.value for m in app.metric][:5]


def full_range(app: Any) -> None:
    app.sidebar.button(key="mrv_full_range").click().run()


def test_page_headless(loaded: Settings) -> None:
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    # the last 3 months of data by default (May–July), the full range one click away
    assert app.sidebar.date_input[0].value == (dt.date(2025, 5, 1), dt.date(2025, 7, 31))
    assert app.caption[0].value == "Showing 184 of 244 plant-days."
    assert app.sidebar.button[0].label == "Full range (2025-04-01 – 2025-07-31)"
    full_range(app)
    assert app.sidebar.date_input[0].value == (dt.date(2025, 4, 1), dt.date(2025, 7, 31))
    assert kpis(app) == expected_kpis(loaded, None)
    assert app.caption[0].value == "Showing 244 of 244 plant-days."
    app.sidebar.radio[0].set_value("PLANT_B").run()
    assert kpis(app) == expected_kpis(loaded, "PLANT_B")
    app.sidebar.multiselect[0].set_value(["INVALID"]).run()
    assert kpis(app)[2:] == ["0", "1", "0"]
    assert app.caption[0].value == "Showing 1 of 244 plant-days."


def test_date_range_filter_changes_the_kpis(loaded: Settings) -> None:
    import datetime as dt

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    app.sidebar.date_input[0].set_value((dt.date(2025, 4, 1), dt.date(2025, 4, 30))).run()
    assert not app.exception
    assert kpis(app) == ["9.612", "9.137", "58", "0", "2"]
    assert app.caption[0].value == "Showing 60 of 244 plant-days."


def test_new_results_show_at_the_next_rerun(loaded: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    full_range(app)
    assert kpis(app)[:2] == ["33.768", "32.867"]
    engine = make_engine(loaded.database_url)
    service.calculate(engine, MrvSettings(mol_co2_per_mol_ca=2.0))  # `weir mrv calculate`
    engine.dispose()
    app.run()
    assert kpis(app) == ["67.536", "65.734", "204", "3", "37"]


def test_page_without_results(settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    service.migrate(settings.database_url)
    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    assert app.info[0].value.startswith("No results yet")


def idle(page: Any) -> None:
    """Wait until Streamlit has no script run in progress (its status widget is gone)."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=20_000)


def choose(page: Any, label: str, option: str) -> None:
    """Pick `option` of a Streamlit selectbox (its options are not exposed as a11y options;
    a rerun closing the list is retried)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        idle(page)
        page.get_by_role("combobox", name=label).click()
        try:
            page.locator("[role=option]", has_text=option).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"could not choose {option} in {label}")


@pytest.mark.browser
def test_dashboard_in_chromium(settings: Settings, weir_site: Any, page: Any) -> None:
    # The real composition (`weir serve` after `weir demo`: the one Streamlit app under /ui),
    # started once per session in its own process, whose environment names another database:
    # the page showing the demo data proves that create_app's settings reached it. The site's
    # reviewer key is ada's (WEIR_MRV_REVIEWER_KEYS in tests/fixtures/servers.py).
    from playwright.sync_api import expect

    loaded, base = weir_site.settings, weir_site.url
    assert loaded.database_url != settings.database_url

    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    started = time.monotonic()
    page.goto(base + "/ui/mrv")
    metrics = page.get_by_test_id("stMetricValue")
    metrics.first.wait_for(timeout=30_000)
    page.get_by_text("Showing 184 of 244 plant-days.").wait_for(timeout=30_000)  # May–July
    load_s = time.monotonic() - started
    page.get_by_role("button", name="Full range (2025-04-01 – 2025-07-31)").click()
    page.get_by_text("Showing 244 of 244 plant-days.").wait_for(timeout=10_000)
    expect(metrics.nth(0)).to_have_text(expected_kpis(loaded, None)[0], timeout=10_000)
    expect(metrics).to_have_count(9)
    assert metrics.all_inner_texts()[:5] == expected_kpis(loaded, None)

    started = time.monotonic()
    page.get_by_test_id("stSidebar").get_by_text("PLANT_A", exact=True).click()
    page.get_by_text("Showing 122 of 244 plant-days.").wait_for(timeout=10_000)
    rerender_s = time.monotonic() - started
    expect(metrics.nth(0)).to_have_text(expected_kpis(loaded, "PLANT_A")[0], timeout=10_000)
    assert metrics.all_inner_texts()[:5] == expected_kpis(loaded, "PLANT_A")

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

    # review and sign-off: read-only without a key, then approve with a comment
    sidebar = page.get_by_test_id("stSidebar")
    page.get_by_text(READ_ONLY).wait_for(timeout=10_000)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    sidebar.get_by_label("Reviewer name").fill("ada")
    sidebar.get_by_label("Reviewer name").press("Enter")
    sidebar.get_by_label("Reviewer key").fill("k-ada")
    sidebar.get_by_label("Reviewer key").press("Enter")
    page.get_by_text("Signed in as ada (domain expert)").wait_for(timeout=10_000)
    page.get_by_text("Review 4 of PLANT_A 2025-07: pending").wait_for(timeout=10_000)
    expect(page.get_by_text(READ_ONLY)).to_have_count(0, timeout=10_000)
    choose(page, "Month", "2025-05")
    page.get_by_text("of PLANT_A 2025-05: pending").wait_for(timeout=10_000)
    page.get_by_label("Comment").fill("Ca pairs and flows checked")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Review 2 approved by ada.").wait_for(timeout=10_000)
    table = page.get_by_test_id("stTable")
    row = table.get_by_role("row").filter(has_text="Ca pairs and flows checked")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("approved")
    expect(row).to_contain_text("2025-05")
    engine = make_engine(loaded.database_url)
    shown = reviews.show(engine, MrvSettings(), 2)
    engine.dispose()
    assert (shown["state"], shown["reviewer_name"], shown["comment"]) == (
        "approved",
        "ada",
        "Ca pairs and flows checked",
    )
    # charts included (Altair/Vega from Streamlit's bundle), nothing left 127.0.0.1
    hosts = {urlparse(u).hostname for u in sent if urlparse(u).scheme in ("http", "https", "ws")}
    assert hosts == {"127.0.0.1"}
