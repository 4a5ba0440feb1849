"""The dashboard's review panel (headless, SQLite and PostgreSQL): read-only without a reviewer
key, approve with a comment and see it in the list, the revisions rule; the pH coverage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from weir.core.db import make_engine
from weir.core.settings import Settings
from weir.mrv.models import MrvResult
from weir.mrv.ui.review_panel import READ_ONLY

from .test_ui import PAGE_SCRIPT, loaded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

KEYS = '{"ada": "k-ada"}'
ROLES = '{"ada": "domain expert"}'


def page(monkeypatch: pytest.MonkeyPatch, keys: str | None = KEYS) -> Any:
    from streamlit.testing.v1 import AppTest

    if keys is not None:
        monkeypatch.setenv("WEIR_MRV_REVIEWER_KEYS", keys)
        monkeypatch.setenv("WEIR_MRV_REVIEWER_ROLES", ROLES)
    app = AppTest.from_string(PAGE_SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def sign_in(app: Any, name: str, key: str) -> None:
    app.sidebar.text_input(key="mrv_reviewer").input(name).run()
    app.sidebar.text_input(key="mrv_reviewer_key").input(key).run()


def buttons(app: Any) -> list[str]:
    return [b.label for b in app.button]


def test_read_only_without_a_key_and_ph_coverage(
    loaded: Settings,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = page(monkeypatch)
    assert app.caption[1].value == (
        "PLANT_A downstream: readings on 7 of 92 days, 7.3 % of the window's minutes; "
        "PLANT_B downstream: readings on 15 of 92 days, 15.8 % of the window's minutes"
    )
    assert READ_ONLY in [c.value for c in app.caption]
    assert "Approve" not in buttons(app)
    sign_in(app, "ada", "wrong")
    assert [e.value for e in app.sidebar.error] == ["unknown reviewer or wrong key for 'ada'"]
    assert "Approve" not in buttons(app)
    app = page(monkeypatch, keys=None)
    monkeypatch.delenv("WEIR_MRV_REVIEWER_KEYS", raising=False)
    app.run()
    assert [c.value for c in app.sidebar.caption][-1] == (
        "Reviewing is disabled: no reviewer keys configured (WEIR_MRV_REVIEWER_KEYS)."
    )
    assert len(app.sidebar.text_input) == 0
    assert "Approve" not in buttons(app)


def test_approve_with_a_comment(loaded: Settings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    app = page(monkeypatch)
    assert [s.value for s in app.selectbox] == ["PLANT_A", "2025-07"]
    sign_in(app, "ada", "k-ada")
    assert [s.value for s in app.sidebar.success] == ["Signed in as ada (domain expert)"]
    app.selectbox(key="mrv_review_period").set_value("2025-05").run()
    assert app.markdown[0].value.startswith("**Review 2** of PLANT_A 2025-05: **pending**")
    app.button(key="FormSubmitter:mrv_review_form-Request revisions").click().run()
    assert [e.value for e in app.error] == [
        "a revisions request needs a comment saying what to revise"
    ]
    app.text_area(key="mrv_review_comment").input("Ca pairs and flows checked")
    app.button(key="FormSubmitter:mrv_review_form-Approve").click().run()
    assert not app.exception
    assert [s.value for s in app.main.success] == ["Review 2 approved by ada."]
    assert app.markdown[0].value.startswith("**Review 2** of PLANT_A 2025-05: **approved** by ada")
    listed = app.table[0].value
    row = listed[listed["id"] == "2"].iloc[0]
    assert (row["state"], row["reviewer_role"], row["comment"]) == (
        "approved",
        "domain expert",
        "Ca pairs and flows checked",
    )
    assert sorted(listed["state"]) == ["approved"] + ["pending"] * 7
    app.run()  # the next rerun: nothing left to decide on this review
    assert "Approve" not in buttons(app)
    assert "Review 2 is approved: nothing to decide." in [c.value for c in app.caption]
    engine = make_engine(loaded.database_url)
    with Session(engine) as session:
        locked = session.query(MrvResult).filter(MrvResult.locked_by_review_id == 2).count()
    engine.dispose()
    assert locked == 31
