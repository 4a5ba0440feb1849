"""pH readings repeated across files: one reading per sensor and minute counts.

Rule: when the same sensor and timestamp appear in more than one live file, the reading of the
sensor's own file (``ph_<sensor>.csv``) wins, then the file whose relative path sorts first
(then the lower row). The other readings stay in ``lab_readings`` as ``rejected`` with the
reason ``cross-file duplicate of <file>:<row>`` (flag ``cross_file_duplicate``, a level-1
warning) or, when the values differ, ``cross-file conflicting duplicate of <file>:<row> (<value>
vs <winner>)`` (flag ``conflicting_cross_file_duplicate``, a level-1 error). The rows this pass
marked are found again by those flag codes. Duplicates inside one file are
handled by the parser (the first row wins).

The pass is recomputed after every ingest that loads a pH file: a reading whose winner was
superseded (its file changed) is reconsidered, and only rows whose state changes are written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from weir.mrv.models import LabReading
from weir.mrv.rules import Flag, FlagCode, RowStatus, flag, has_flag

PREFIX = "cross-file "
DUP_CODES = (FlagCode.CROSS_FILE_DUPLICATE, FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE)
CHUNK = 500


def _rank(row: Any) -> tuple[int, str, int]:
    own = PurePosixPath(row.source_file).stem == f"ph_{row.sensor}"
    return (0 if own else 1, row.source_file, row.source_row)


def _desired(group: list[Any]) -> dict[int, tuple[str | None, Flag | None]]:
    """Row id → (reject reason, flag) for one sensor-minute; (None, None) keeps it valid."""
    if len({r.source_file for r in group}) < 2:
        return {r.id: (None, None) for r in group}
    winner, *others = sorted(group, key=_rank)
    out: dict[int, tuple[str | None, Flag | None]] = {winner.id: (None, None)}
    where = f"{winner.source_file}:{winner.source_row}"
    for row in others:
        if row.value == winner.value:
            out[row.id] = (f"{PREFIX}duplicate of {where}", flag(FlagCode.CROSS_FILE_DUPLICATE))
        else:
            out[row.id] = (
                f"{PREFIX}conflicting duplicate of {where} ({row.value:g} vs {winner.value:g}); "
                f"{winner.source_file} kept",
                flag(FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE),
            )
    return out


def resolve(session: Session) -> int:
    """Recompute the cross-file pH duplicates (module rule); return the rows changed."""
    live = and_(
        LabReading.parameter == "ph",
        LabReading.superseded_by_run_id.is_(None),
        LabReading.sampled_at.is_not(None),
        LabReading.plant_id.is_not(None),
    )
    marked = and_(LabReading.status == RowStatus.REJECTED, has_flag(LabReading.flags, *DUP_CODES))
    candidate = and_(live, or_(LabReading.status == RowStatus.VALID, marked))
    keys = session.execute(
        select(LabReading.plant_id, LabReading.sampled_at)
        .where(candidate)
        .group_by(LabReading.plant_id, LabReading.location, LabReading.sampled_at)
        .having(func.count(func.distinct(LabReading.source_file)) > 1)
    ).all()
    sensor = LabReading.meta["sensor_id"].as_string().label("sensor")
    columns = (
        LabReading.id,
        LabReading.plant_id,
        LabReading.sampled_at,
        LabReading.value,
        LabReading.source_file,
        LabReading.source_row,
        LabReading.reject_reason,
        LabReading.flags,
        sensor,
    )
    wanted = {(plant, at) for plant, at in keys}
    stamps = sorted({at for _, at in keys if at is not None})
    rows = [
        row
        for i in range(0, len(stamps), CHUNK)
        for row in session.execute(
            select(*columns).where(candidate, LabReading.sampled_at.in_(stamps[i : i + CHUNK]))
        )
        if (row.plant_id, row.sampled_at) in wanted
    ]
    groups: dict[tuple[str, dt.datetime], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.sensor, row.sampled_at), []).append(row)
    desired: dict[int, tuple[str | None, Flag | None]] = {}
    for group in groups.values():
        desired.update(_desired(group))
    current = {r.id: r for r in rows}
    for row in session.execute(select(*columns).where(live, marked)):
        current[row.id] = row
        desired.setdefault(row.id, (None, None))  # its winner is gone: valid again
    changes = []
    for row_id, (reason, duplicate) in desired.items():
        row = current[row_id]
        if row.reject_reason == reason:
            continue
        flags = [f for f in row.flags or [] if f.code not in DUP_CODES]
        changes.append(
            {
                "id": row_id,
                "status": RowStatus.REJECTED if reason else RowStatus.VALID,
                "reject_reason": reason,
                "flags": flags + ([duplicate] if duplicate else []),
            }
        )
    if changes:  # ORM bulk UPDATE by primary key: one executemany
        session.execute(update(LabReading), changes)
    return len(changes)
