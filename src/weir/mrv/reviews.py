"""Expert review and sign-off, the service side shared by the CLI and the dashboard.

Deciding needs a reviewer name and its key from ``WEIR_MRV_REVIEWER_KEYS``; listing and
showing never do (stakeholders and data scientists read, domain experts sign). The state
machine itself is :mod:`weir.mrv.pipeline.step4_review.review`.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from weir.core.errors import NotFoundError
from weir.mrv import service
from weir.mrv.errors import ReviewerKeyError, ReviewStateError
from weir.mrv.models import Review
from weir.mrv.pipeline.step4_review import review as machine
from weir.mrv.settings import MrvSettings

#: The columns of a review in lists (``show`` adds rows, totals and the diff).
SUMMARY_COLUMNS = (
    "id",
    "plant_id",
    "period",
    "state",
    "reviewer_name",
    "reviewer_role",
    "created_at",
    "decided_at",
    "comment",
    "calc_version",
    "days",
    "co2_t",
    "conservative_t",
    "previous_review_id",
    "superseded_by_review_id",
    "snapshot_sha256",
)


def authenticate(settings: MrvSettings, reviewer: str, key: str) -> str:
    """The reviewer's role when `key` is the reviewer's key.

    Raises:
        ReviewerKeyError: no keys configured, an unknown reviewer or a wrong key (the message
            does not say which of the last two).
    """
    if not settings.reviewer_keys:
        raise ReviewerKeyError(
            "reviewing is disabled: no reviewer keys configured (WEIR_MRV_REVIEWER_KEYS)"
        )
    expected = settings.reviewer_keys.get(reviewer)
    given = key.encode()
    stored = expected.get_secret_value().encode() if expected is not None else b"\0" * 32
    if not (hmac.compare_digest(given, stored) and expected is not None and key):
        raise ReviewerKeyError(f"unknown reviewer or wrong key for {reviewer!r}")
    return settings.reviewer_roles.get(reviewer, "reviewer")


def snapshot_rows(review: Review | dict[str, Any]) -> list[dict[str, Any]]:
    """A review's snapshot as result rows (``plant_id`` and ``date`` as a date)."""
    plant = review["plant_id"] if isinstance(review, dict) else review.plant_id
    snapshot = review["snapshot"] if isinstance(review, dict) else review.snapshot
    return [dict(r, plant_id=plant, date=dt.date.fromisoformat(r["date"])) for r in snapshot]


def _summary(review: Review, settings: MrvSettings) -> dict[str, Any]:
    rows = snapshot_rows(review)
    totals = service.totals(rows, settings)
    out = {c: getattr(review, c, None) for c in SUMMARY_COLUMNS}
    out["days"] = len(rows)
    out["co2_t"] = totals[0]["co2_t"] if totals else 0.0
    out["conservative_t"] = totals[0]["conservative_t"] if totals else 0.0
    return out


def review_stamp(engine: Engine) -> tuple[Any, ...]:
    """A cheap fingerprint of ``mrv_reviews``: it moves with every review opened, decided or
    superseded (the dashboard caches the list on it)."""
    query = select(
        func.count(Review.id),
        func.max(Review.id),
        func.max(Review.decided_at),
        func.max(Review.superseded_at),
    )
    with Session(engine) as session:
        return tuple(session.execute(query).one())


def list_reviews(
    engine: Engine,
    settings: MrvSettings,
    plant: str | None = None,
    period: str | None = None,
    state: str | None = None,
) -> list[dict[str, Any]]:
    """Reviews, newest first, optionally of one plant, period or state."""
    query = select(Review).order_by(Review.id.desc())
    if plant:
        query = query.where(Review.plant_id == plant)
    if period:
        machine.parse_period(period)
        query = query.where(Review.period == period)
    if state:
        query = query.where(Review.state == state)
    with Session(engine) as session:
        return [_summary(r, settings) for r in session.scalars(query)]


def show(engine: Engine, settings: MrvSettings, review_id: int) -> dict[str, Any]:
    """One review: its summary, the reviewed rows, totals and the diff from the last
    approved version of the same plant and period."""
    with Session(engine) as session:
        review = session.get(Review, review_id)
        if review is None:
            raise NotFoundError(f"no review {review_id}")
        out = _summary(review, settings)
        out["decision"] = review.decision
        out["rows"] = review.snapshot
        totals = service.totals(snapshot_rows(review), settings)
        out["totals"] = totals[0] if totals else None
        approved = machine.last_approved_before(session, review)
        out["diff"] = {
            "against_review_id": approved.id if approved else None,
            "days": machine.diff(approved.snapshot, review.snapshot) if approved else [],
        }
    return out


def current(
    engine: Engine, settings: MrvSettings, plant: str, period: str
) -> dict[str, Any] | None:
    """The latest review of a plant and period, shown in full, or None."""
    machine.parse_period(period)
    with Session(engine) as session:
        latest = machine.latest_review(session, plant, period)
        review_id = latest.id if latest else None
    return show(engine, settings, review_id) if review_id is not None else None


def decide(
    engine: Engine,
    settings: MrvSettings,
    review_id: int,
    decision: str,
    reviewer: str,
    key: str,
    comment: str | None = None,
) -> dict[str, Any]:
    """Approve (``approved``) or request revisions (``revisions_requested``) of a pending
    review as `reviewer`, whose `key` must match; one transaction."""
    if decision not in (machine.APPROVED, machine.REVISIONS_REQUESTED):
        raise ReviewStateError(f"unknown decision {decision!r}")
    role = authenticate(settings, reviewer, key)
    with Session(engine) as session, session.begin():
        machine.decide(session, review_id, decision, reviewer, role, comment)
    return show(engine, settings, review_id)


def reopen(engine: Engine, settings: MrvSettings, plant: str, period: str) -> dict[str, Any]:
    """Open a new pending review of unchanged numbers after a revisions request (the engineer
    answers that the numbers stand); refused while a review is pending or approved."""
    machine.parse_period(period)
    with Session(engine) as session, session.begin():
        latest = machine.latest_review(session, plant, period)
        if latest is None or latest.state != machine.REVISIONS_REQUESTED:
            state = latest.state if latest else "not reviewed"
            raise ReviewStateError(
                f"{plant} {period} is {state}: only a period with revisions requested can be "
                "reopened (a calculation opens the other reviews)"
            )
        review_id = machine.open_review(session, plant, period, latest).id
    return show(engine, settings, review_id)
