"""Expert review (QA/QC level 5): the review state machine over ``mrv_reviews``.

A review covers one plant and one calendar month (``2025-05``) and holds a snapshot of the
current result rows of that month (ids, dates, versions, numbers). States::

    pending ──approve──────────▶ approved ──(numbers change)──▶ superseded
       │  └─request_changes──▶ revisions_requested
       └──(numbers change before a decision)──▶ superseded

After every calculation :func:`sync_reviews` opens a pending review for each plant-month
whose current numbers no review covers yet: a first review, the successor of a superseded one,
or the answer to a revisions request. Approving locks the snapshot's rows
(:mod:`weir.mrv.pipeline.step3_calculate.versions` then never overwrites them). Reviews are
never deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from weir.core.errors import BadInputError, NotFoundError
from weir.mrv.errors import ReviewStateError
from weir.mrv.models import MrvResult, Review
from weir.mrv.pipeline.step3_calculate.versions import NUMBER_COLUMNS, same_numbers

PENDING = "pending"
APPROVED = "approved"
REVISIONS_REQUESTED = "revisions_requested"
SUPERSEDED = "superseded"
STATES = (PENDING, APPROVED, REVISIONS_REQUESTED, SUPERSEDED)


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY-MM`` period.

    Raises:
        BadInputError: not a ``YYYY-MM`` month.
    """
    try:
        first = dt.datetime.strptime(period, "%Y-%m").date()
    except ValueError:
        raise BadInputError(
            f"period {period!r} is not a month like 2025-05", field="period"
        ) from None
    if len(period) != 7:
        raise BadInputError(f"period {period!r} is not a month like 2025-05", field="period")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def snapshot_row(row: MrvResult) -> dict[str, Any]:
    """One reviewed row as stored in a snapshot (JSON-ready)."""
    return {
        "id": row.id,
        "date": row.date.isoformat(),
        "version": row.version,
        **{c: getattr(row, c) for c in NUMBER_COLUMNS},
    }


def current_rows(session: Session, plant: str, start: dt.date, end: dt.date) -> list[MrvResult]:
    """The current result rows of a plant between two dates, by date."""
    query = (
        select(MrvResult)
        .where(
            MrvResult.is_current,
            MrvResult.plant_id == plant,
            MrvResult.date >= start,
            MrvResult.date <= end,
        )
        .order_by(MrvResult.date)
    )
    return list(session.scalars(query))


def snapshot_sha256(snapshot: list[dict[str, Any]]) -> str:
    """SHA-256 of a snapshot's canonical JSON."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def same_snapshot(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """Whether two snapshots hold the same days with the same numbers (ids aside)."""
    return [r["date"] for r in a] == [r["date"] for r in b] and all(
        same_numbers(x, y) for x, y in zip(a, b, strict=True)
    )


def latest_review(session: Session, plant: str, period: str) -> Review | None:
    """The newest review of a plant and period."""
    query = (
        select(Review)
        .where(Review.plant_id == plant, Review.period == period)
        .order_by(Review.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def open_review(
    session: Session, plant: str, period: str, previous: Review | None = None
) -> Review:
    """A new pending review of the current rows of a plant and period."""
    start, end = parse_period(period)
    snapshot = [snapshot_row(r) for r in current_rows(session, plant, start, end)]
    versions = sorted({r["calc_version"] for r in snapshot})
    review = Review(
        plant_id=plant,
        period=period,
        period_start=start,
        period_end=end,
        state=PENDING,
        calc_version=",".join(versions) or None,
        snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
        previous_review_id=previous.id if previous else None,
        created_at=_now(),
    )
    session.add(review)
    session.flush()
    if previous is not None:
        previous.superseded_by_review_id = review.id
        if previous.state in (PENDING, APPROVED):
            previous.state = SUPERSEDED
            previous.superseded_at = review.created_at
    return review


def plant_periods(session: Session) -> list[tuple[str, str]]:
    """(plant, YYYY-MM) of every month with current results, and of every review."""
    days = session.execute(select(MrvResult.plant_id, MrvResult.date).where(MrvResult.is_current))
    found = {(plant, day.strftime("%Y-%m")) for plant, day in days}
    reviewed = session.execute(select(Review.plant_id, Review.period).distinct())
    found.update((plant, period) for plant, period in reviewed)
    return sorted(found)


def sync_reviews(session: Session) -> dict[str, list[int]]:
    """Open a pending review wherever the current numbers are not those of the latest review.

    Returns:
        ``{"opened": [...], "superseded": [...]}`` review ids (superseded: reviews whose
        numbers changed, approved ones included).
    """
    opened: list[int] = []
    superseded: list[int] = []
    for plant, period in plant_periods(session):
        start, end = parse_period(period)
        rows = current_rows(session, plant, start, end)
        snapshot = [snapshot_row(r) for r in rows]
        latest = latest_review(session, plant, period)
        if latest is not None and same_snapshot(latest.snapshot, snapshot):
            continue
        if latest is None and not rows:
            continue
        if latest is not None and latest.state in (PENDING, APPROVED):
            superseded.append(latest.id)
        if not rows:  # the month is no longer calculated: retire its review, open none
            if latest is not None and latest.state in (PENDING, APPROVED):
                latest.state, latest.superseded_at = SUPERSEDED, _now()
            continue
        opened.append(open_review(session, plant, period, latest).id)
    return {"opened": opened, "superseded": superseded}


def decide(
    session: Session,
    review_id: int,
    decision: str,
    reviewer: str,
    role: str,
    comment: str | None,
) -> Review:
    """Approve a pending review (locking its rows) or request revisions.

    Raises:
        ReviewStateError: the review is not pending, or its rows changed since it was opened.
        BadInputError: a revisions request without a comment.
    """
    review = session.get(Review, review_id, with_for_update=True)
    if review is None:
        raise NotFoundError(f"no review {review_id}")
    if review.state != PENDING:
        raise ReviewStateError(
            f"review {review_id} is {review.state}, not pending: only a pending review can be "
            "decided"
        )
    if decision == REVISIONS_REQUESTED and not (comment or "").strip():
        raise BadInputError("a revisions request needs a comment saying what to revise")
    rows = current_rows(session, review.plant_id, review.period_start, review.period_end)
    if not same_snapshot(review.snapshot, [snapshot_row(r) for r in rows]):
        raise ReviewStateError(
            f"the results of {review.plant_id} {review.period} changed since review "
            f"{review_id} was opened: run `weir mrv calculate` to open a new review"
        )
    review.state = review.decision = decision
    review.reviewer_name, review.reviewer_role = reviewer, role
    review.comment = (comment or "").strip() or None
    review.decided_at = _now()
    if decision == APPROVED:
        for row in rows:
            if row.locked_by_review_id is None:
                row.locked_by_review_id = review.id
    return review


def last_approved_before(session: Session, review: Review) -> Review | None:
    """The newest review of the same plant and period, older than `review`, that was
    approved (it may since have been superseded)."""
    query = (
        select(Review)
        .where(
            Review.plant_id == review.plant_id,
            Review.period == review.period,
            Review.decision == APPROVED,
            Review.id < review.id,
        )
        .order_by(Review.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per day, old vs new numbers of two snapshots: the days that changed, were added or
    were removed, with the changed columns and the CO₂ difference (t)."""
    before = {r["date"]: r for r in old}
    after = {r["date"]: r for r in new}
    out = []
    for day in sorted(before.keys() | after.keys()):
        a, b = before.get(day), after.get(day)
        if a is not None and b is not None and same_numbers(a, b):
            continue
        changed = [
            c
            for c in NUMBER_COLUMNS
            if a is None or b is None or not same_numbers({c: a.get(c)}, {c: b.get(c)})
        ]
        co2_old = (a or {}).get("co2_t_per_day")
        co2_new = (b or {}).get("co2_t_per_day")
        out.append(
            {
                "date": day,
                "change": "added" if a is None else "removed" if b is None else "changed",
                "columns": changed,
                "old": {c: a.get(c) for c in NUMBER_COLUMNS} if a else None,
                "new": {c: b.get(c) for c in NUMBER_COLUMNS} if b else None,
                "co2_change_t": (co2_new or 0.0) - (co2_old or 0.0),
            }
        )
    return out
