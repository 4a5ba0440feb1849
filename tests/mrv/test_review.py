"""Expert review (level 5): state machine, locking and versioning, diff, reviewer keys, CLI.

Every test runs on SQLite and on a real PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from weir.core.errors import BadInputError, NotFoundError
from weir.core.settings import Settings
from weir.mrv import reviews, service
from weir.mrv.cli import app
from weir.mrv.errors import ReviewerKeyError, ReviewStateError
from weir.mrv.models import MrvResult, Review
from weir.mrv.pipeline.step3_calculate.formula import co2_t_per_day
from weir.mrv.settings import MrvSettings

from .conftest import write_calcium

KEYS = MrvSettings(
    reviewer_keys={"ada": SecretStr("k-ada"), "bo": SecretStr("k-bo")},
    reviewer_roles={"ada": "domain expert"},
)
DAY1 = co2_t_per_day(10.0, 1.0)  # 50 − 40 mg/L at 1 MGD
DAY2 = co2_t_per_day(5.0, 2.0)  # 47 − 42 mg/L at 2 MGD


def load(engine: Engine, folder: Path, settings: MrvSettings = KEYS) -> Any:
    service.ingest(engine, folder, settings)
    summary, _ = service.calculate(engine, settings)
    return summary


def change_day2(folder: Path, downstream: str = "49.0") -> None:
    """A corrected lab file: day 2 downstream Ca 47 → `downstream` mg/L."""
    write_calcium(
        folder / "lab" / "calcium.csv",
        [
            ["S1", "PLANT_A", "upstream", "calcium", "40.0", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "50.0", "mg/L", "2025-04-01"],
            ["S3", "PLANT_A", "upstream", "calcium", "42.0", "mg/L", "2025-04-02"],
            ["S4", "PLANT_A", "downstream", "calcium", downstream, "mg/L", "2025-04-02"],
        ],
    )


def result_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        query = select(
            MrvResult.id,
            MrvResult.date,
            MrvResult.version,
            MrvResult.is_current,
            MrvResult.locked_by_review_id,
            MrvResult.co2_t_per_day,
        ).order_by(MrvResult.id)
        return [tuple(r) for r in session.execute(query)]


def test_calculation_opens_one_pending_review_per_plant_month(
    engine: Engine, tiny_dir: Path
) -> None:
    summary = load(engine, tiny_dir)
    assert (summary.reviews_opened, summary.reviews_superseded) == ([1], [])
    [listed] = reviews.list_reviews(engine, KEYS)
    assert {k: listed[k] for k in ("id", "plant_id", "period", "state", "days")} == {
        "id": 1,
        "plant_id": "PLANT_A",
        "period": "2025-04",
        "state": "pending",
        "days": 2,
    }
    assert listed["co2_t"] == pytest.approx(DAY1 + DAY2, rel=1e-12)
    assert listed["calc_version"] == "seed-formula-1"
    shown = reviews.show(engine, KEYS, 1)
    assert [(r["date"], r["version"], r["quality_flag"]) for r in shown["rows"]] == [
        ("2025-04-01", 1, "VALID"),
        ("2025-04-02", 1, "VALID"),
    ]
    assert shown["diff"] == {"against_review_id": None, "days": []}
    again = load(engine, tiny_dir)  # same numbers: no new review, rows keep their ids
    assert (again.reviews_opened, again.reviews_superseded) == ([], [])
    assert [(r[0], str(r[1]), *r[2:5]) for r in result_rows(engine)] == [
        (1, "2025-04-01", 1, True, None),
        (2, "2025-04-02", 1, True, None),
    ]


def test_approved_numbers_are_versioned_never_overwritten(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    approved = reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada", "  checked Ca  ")
    assert (approved["state"], approved["reviewer_name"], approved["reviewer_role"]) == (
        "approved",
        "ada",
        "domain expert",
    )
    assert approved["comment"] == "checked Ca"
    assert [r[2:5] for r in result_rows(engine)] == [(1, True, 1), (1, True, 1)]

    change_day2(tiny_dir)  # a corrected lab file: day 2 downstream 47 → 49 mg/L
    summary = load(engine, tiny_dir)
    assert (summary.reviews_superseded, summary.reviews_opened, summary.new_versions) == (
        [1],
        [2],
        1,
    )
    rows = result_rows(engine)
    assert [r[:5] for r in rows] == [
        (1, rows[0][1], 1, True, 1),  # day 1 unchanged: the approved row stands
        (2, rows[1][1], 1, False, 1),  # day 2 approved version kept as history
        (3, rows[1][1], 2, True, None),  # day 2 new version, not yet approved
    ]
    assert rows[1][5] == DAY2
    assert rows[2][5] == pytest.approx(co2_t_per_day(7.0, 2.0), rel=1e-12)

    old = reviews.show(engine, KEYS, 1)
    new = reviews.show(engine, KEYS, 2)
    assert (old["state"], old["superseded_by_review_id"]) == ("superseded", 2)
    assert (new["state"], new["previous_review_id"]) == ("pending", 1)
    assert new["diff"]["against_review_id"] == 1
    [day] = new["diff"]["days"]
    assert (day["date"], day["change"], day["columns"]) == (
        "2025-04-02",
        "changed",
        ["ca_downstream_mg_l", "ca_delta_mg_l", "co2_t_per_day"],
    )
    assert (day["old"]["ca_downstream_mg_l"], day["new"]["ca_downstream_mg_l"]) == (47.0, 49.0)
    assert day["co2_change_t"] == pytest.approx(co2_t_per_day(2.0, 2.0), rel=1e-9)
    # the report shows the current numbers only
    assert [r["co2_t_per_day"] for r in service.results(engine)] == [DAY1, rows[2][5]]

    reviews.decide(engine, KEYS, 2, "approved", "bo", "k-bo", None)
    change_day2(tiny_dir, "47.0")  # back to the first numbers: a third version, third review
    summary = load(engine, tiny_dir)
    assert (summary.reviews_superseded, summary.reviews_opened) == ([2], [3])
    assert [r[2:5] for r in result_rows(engine)] == [
        (1, True, 1),
        (1, False, 1),
        (2, False, 2),
        (3, True, None),
    ]
    with Session(engine) as session:  # never deleted
        assert session.scalar(select(func.count()).select_from(Review)) == 3
        states = list(session.scalars(select(Review.state).order_by(Review.id)))
    assert states == ["superseded", "superseded", "pending"]


def test_pending_review_superseded_when_numbers_change(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    change_day2(tiny_dir)
    summary = load(engine, tiny_dir)
    assert (summary.reviews_superseded, summary.reviews_opened, summary.new_versions) == (
        [1],
        [2],
        0,
    )
    # unapproved rows are updated in place: same ids, no history
    assert [(r[0], *r[2:5]) for r in result_rows(engine)] == [
        (1, 1, True, None),
        (2, 1, True, None),
    ]
    assert reviews.show(engine, KEYS, 2)["diff"] == {"against_review_id": None, "days": []}
    with pytest.raises(ReviewStateError, match="review 1 is superseded, not pending"):
        reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada")


def test_revisions_requested_then_answered(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    with pytest.raises(BadInputError, match="needs a comment"):
        reviews.decide(engine, KEYS, 1, "revisions_requested", "ada", "k-ada", "  ")
    done = reviews.decide(engine, KEYS, 1, "revisions_requested", "ada", "k-ada", "day 2 Ca?")
    assert (done["state"], done["comment"]) == ("revisions_requested", "day 2 Ca?")
    assert [r[4] for r in result_rows(engine)] == [None, None]  # nothing locked
    assert load(engine, tiny_dir).reviews_opened == []  # same numbers: still awaiting a fix
    with pytest.raises(ReviewStateError, match="is revisions_requested, not pending"):
        reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada")
    reopened = reviews.reopen(engine, KEYS, "PLANT_A", "2025-04")  # "the numbers stand"
    assert (reopened["id"], reopened["state"], reopened["previous_review_id"]) == (2, "pending", 1)
    assert reviews.show(engine, KEYS, 1)["state"] == "revisions_requested"
    with pytest.raises(ReviewStateError, match="PLANT_A 2025-04 is pending"):
        reviews.reopen(engine, KEYS, "PLANT_A", "2025-04")
    change_day2(tiny_dir)  # a recalculation answers the pending review with a new one
    assert load(engine, tiny_dir).reviews_opened == [3]
    assert reviews.decide(engine, KEYS, 3, "approved", "ada", "k-ada")["state"] == "approved"


def test_reviewer_key_rule(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    with pytest.raises(ReviewerKeyError, match=r"no reviewer keys configured \(WEIR_MRV_"):
        reviews.decide(engine, MrvSettings(), 1, "approved", "ada", "k-ada")
    for name, key in (("ada", "k-bo"), ("eve", "k-ada"), ("ada", "")):
        with pytest.raises(ReviewerKeyError, match=f"unknown reviewer or wrong key for '{name}'"):
            reviews.decide(engine, KEYS, 1, "approved", name, key)
    assert reviews.show(engine, KEYS, 1)["state"] == "pending"
    bo = reviews.decide(engine, KEYS, 1, "approved", "bo", "k-bo")
    assert (bo["reviewer_name"], bo["reviewer_role"]) == ("bo", "reviewer")


def test_refusals(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    with pytest.raises(NotFoundError, match="no review 9"):
        reviews.decide(engine, KEYS, 9, "approved", "ada", "k-ada")
    with pytest.raises(BadInputError, match="period '2025-4' is not a month like 2025-05"):
        reviews.list_reviews(engine, KEYS, period="2025-4")
    with Session(engine) as session, session.begin():  # a concurrent write to an open review
        session.execute(update(MrvResult).where(MrvResult.id == 2).values(flow_mgd=2.5))
    with pytest.raises(ReviewStateError, match="changed since review 1 was opened"):
        reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada")
    assert [r[4] for r in result_rows(engine)] == [None, None]


def test_review_cli(
    engine: Engine,
    tiny_dir: Path,
    settings: Settings,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    monkeypatch.setenv("WEIR_MRV_REVIEWER_KEYS", '{"ada": "k-ada"}')
    monkeypatch.setenv("WEIR_MRV_REVIEWER_ROLES", '{"ada": "domain expert"}')
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    folder = tiny_dir.parent / "copy"
    shutil.copytree(tiny_dir, folder)
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    calc = runner.invoke(app, ["calculate", "--json"])
    assert json.loads(calc.stdout)["reviews_opened"] == [1]

    listed = runner.invoke(app, ["review", "list", "--json", "--state", "pending"])
    assert listed.exit_code == 0
    assert [(r["id"], r["state"], r["days"]) for r in json.loads(listed.stdout)] == [
        (1, "pending", 2)
    ]
    bad = runner.invoke(app, ["review", "list", "--state", "done"])
    assert (bad.exit_code, bad.stderr.strip()) == (
        2,
        "error: unknown state done; use one of pending, approved, revisions_requested, superseded",
    )
    wrong = runner.invoke(
        app, ["review", "approve", "1", "--reviewer", "ada"], input="nope\n"
    )  # hidden prompt
    assert (wrong.exit_code, wrong.stderr.strip()) == (
        2,
        "error: unknown reviewer or wrong key for 'ada'",
    )
    monkeypatch.setenv("WEIR_MRV_REVIEW_KEY", "k-ada")
    ok = runner.invoke(
        app, ["review", "approve", "1", "--reviewer", "ada", "-m", "looks right", "--json"]
    )
    assert ok.exit_code == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert (data["state"], data["reviewer_role"], data["comment"]) == (
        "approved",
        "domain expert",
        "looks right",
    )
    twice = runner.invoke(app, ["review", "request-changes", "1", "--reviewer", "ada", "-m", "x"])
    assert (twice.exit_code, twice.stderr.strip()) == (
        2,
        "error: review 1 is approved, not pending: only a pending review can be decided",
    )
    shown = runner.invoke(app, ["review", "show", "1"])
    assert shown.exit_code == 0
    assert "no earlier approved version of this plant and period" in shown.stdout
    assert "looks right" in shown.stdout
    missing = runner.invoke(app, ["review", "show", "7"])
    assert (missing.exit_code, missing.stderr.strip()) == (2, "error: no review 7")


def test_reviewer_keys_never_printed(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    from weir.cli import app as root

    monkeypatch.setenv("WEIR_MRV_REVIEWER_KEYS", '{"ada": "s3cret-key"}')
    result = CliRunner().invoke(root, ["config", "--json"])
    assert result.exit_code == 0
    [row] = [r for r in json.loads(result.stdout) if r["env"] == "WEIR_MRV_REVIEWER_KEYS"]
    assert row["value"] == "**********"
    assert "s3cret-key" not in result.stdout
    assert repr(MrvSettings().reviewer_keys) == "{'ada': SecretStr('**********')}"
    monkeypatch.setenv("WEIR_MRV_REVIEWER_KEYS", "ada=k")
    with pytest.raises(ValueError, match=re.escape('not a JSON object like {"name": "key"}')):
        MrvSettings()
