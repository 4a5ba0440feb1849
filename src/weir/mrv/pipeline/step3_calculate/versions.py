"""Storing a calculation in ``mrv_results`` without ever overwriting approved numbers.

A result row is *locked* once an approved review covered it (``locked_by_review_id``). A
recalculation then, per plant-day:

- no current row: inserts one (its version follows any earlier versions of that day);
- an unlocked current row: updates it in place (derived data nobody signed yet);
- a locked row with the same numbers: leaves it untouched (same id, same bytes);
- a locked row with different numbers: keeps it as history (``is_current`` false,
  ``replaced_at``) and inserts the new numbers as the next version.

A current row whose day is no longer calculated is deleted when unlocked, retired when locked.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from weir.mrv.models import RESULT_COLUMNS, MrvResult

#: The columns that make a result's numbers: a change in any of them is a new version.
NUMBER_COLUMNS = tuple(
    c for c in RESULT_COLUMNS if c not in ("plant_id", "date", "message", "lineage")
)


@dataclass
class StoreReport:
    """What storing one calculation did to ``mrv_results``."""

    inserted: int = 0
    updated: int = 0
    kept_locked: int = 0
    deleted: int = 0
    new_versions: list[tuple[str, dt.date]] = field(default_factory=list)


def same_value(old: Any, new: Any) -> bool:
    """Equal numbers (floats to 1e-12 relative), or equal values otherwise."""
    if isinstance(old, float) and isinstance(new, float):
        return math.isclose(old, new, rel_tol=1e-12, abs_tol=0.0)
    return bool(old == new)


def numbers_of(row: MrvResult | dict[str, Any]) -> dict[str, Any]:
    """The number columns of a row or result dict."""
    get = row.get if isinstance(row, dict) else row.__dict__.get
    return {c: get(c) for c in NUMBER_COLUMNS}


def same_numbers(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether two rows' number columns are equal."""
    return all(same_value(old.get(c), new.get(c)) for c in NUMBER_COLUMNS)


def store_results(session: Session, results: list[dict[str, Any]]) -> StoreReport:
    """Bring ``mrv_results`` to `results` (one dict per plant-day), versioning locked rows."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    current = {
        (r.plant_id, r.date): r
        for r in session.scalars(select(MrvResult).where(MrvResult.is_current))
    }
    history = {
        (plant, day): int(top)
        for plant, day, top in session.execute(
            select(MrvResult.plant_id, MrvResult.date, func.max(MrvResult.version))
            .where(MrvResult.is_current.is_(False))
            .group_by(MrvResult.plant_id, MrvResult.date)
        )
    }
    report = StoreReport()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    retired: list[int] = []
    for new in results:
        old = current.pop((new["plant_id"], new["date"]), None)
        if old is None:
            earlier = history.get((new["plant_id"], new["date"]), 0)
            inserts.append({**new, "version": earlier + 1})
        elif old.locked_by_review_id is None:
            updates.append({**new, "id": old.id})
        elif same_numbers(numbers_of(old), new):
            report.kept_locked += 1
        else:
            retired.append(old.id)
            inserts.append({**new, "version": old.version + 1})
            report.new_versions.append((old.plant_id, old.date))
    gone = [r.id for r in current.values() if r.locked_by_review_id is None]
    retired += [r.id for r in current.values() if r.locked_by_review_id is not None]
    if retired:
        session.execute(
            update(MrvResult)
            .where(MrvResult.id.in_(retired))
            .values(is_current=False, replaced_at=now)
            .execution_options(synchronize_session=False)
        )
    if gone:
        session.execute(
            delete(MrvResult)
            .where(MrvResult.id.in_(gone))
            .execution_options(synchronize_session=False)
        )
    if updates:
        session.execute(update(MrvResult), updates)
    if inserts:
        session.execute(insert(MrvResult), inserts)
    report.inserted, report.updated, report.deleted = len(inserts), len(updates), len(gone)
    return report
