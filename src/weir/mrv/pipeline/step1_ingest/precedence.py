"""Precedence of overlapping operations files: the latest revision wins per plant and date.

Among the live (not superseded), valid ``plant_operations`` rows of one plant and date, the row
with the greatest ``revision_key`` (``<prepared date>|<revision>|<file name>``, see
:mod:`weir.mrv.pipeline.step1_ingest.sources.ops_b`) is current; the others get
``is_current = False`` and ``overridden_by_id``. An overridden row whose values differ from the
winner's is a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from weir.mrv.models import PlantOperation
from weir.mrv.pipeline.step1_ingest.parsers.excel.ops_table import NUMERIC_FIELDS
from weir.mrv.rules import RowStatus

COMPARED = NUMERIC_FIELDS


@dataclass(frozen=True)
class Conflict:
    """Two files disagreeing on one plant-day; ``winner`` is used, ``loser`` overridden."""

    plant_id: str
    date: str
    winner_file: str
    winner_row: int
    loser_file: str
    loser_row: int
    differences: dict[str, list[Any]]
    winner_run_id: int
    loser_run_id: int


def resolve(session: Session) -> list[Conflict]:
    """Recompute ``is_current`` for every live operations row; return the conflicts."""
    rows = session.scalars(
        select(PlantOperation).where(
            PlantOperation.superseded_by_run_id.is_(None),
            PlantOperation.status == RowStatus.VALID,
            PlantOperation.date.is_not(None),
        )
    ).all()
    groups: dict[tuple[str, Any], list[PlantOperation]] = {}
    for row in rows:
        groups.setdefault((row.plant_id, row.date), []).append(row)
    conflicts: list[Conflict] = []
    current: list[int] = []
    overridden: dict[int, int] = {}
    for (plant, day), group in sorted(groups.items()):
        group.sort(key=lambda r: (r.revision_key or "", r.id), reverse=True)
        winner = group[0]
        current.append(winner.id)
        for loser in group[1:]:
            overridden[loser.id] = winner.id
            diffs = {
                name: [getattr(winner, name), getattr(loser, name)]
                for name in COMPARED
                if getattr(winner, name) != getattr(loser, name)
            }
            if diffs:
                conflicts.append(
                    Conflict(
                        plant,
                        day.isoformat(),
                        winner.source_file,
                        winner.source_row,
                        loser.source_file,
                        loser.source_row,
                        diffs,
                        winner.ingestion_run_id,
                        loser.ingestion_run_id,
                    )
                )
    # the rows are plain reads here: skip the ORM's in-session evaluation of each UPDATE
    quick = {"synchronize_session": False}
    session.execute(
        update(PlantOperation)
        .where(PlantOperation.superseded_by_run_id.is_not(None))
        .values(is_current=False),
        execution_options=quick,
    )
    if current:
        for chunk in _chunks(current):
            session.execute(
                update(PlantOperation)
                .where(PlantOperation.id.in_(chunk))
                .values(is_current=True, overridden_by_id=None),
                execution_options=quick,
            )
    for loser_id, winner_id in overridden.items():
        session.execute(
            update(PlantOperation)
            .where(PlantOperation.id == loser_id)
            .values(is_current=False, overridden_by_id=winner_id),
            execution_options=quick,
        )
    return conflicts


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
