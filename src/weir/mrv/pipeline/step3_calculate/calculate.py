"""Daily CO₂ removal per plant into ``mrv_results``, with lineage to the rows used.

Below-detection calcium results (flag ``below_detection``, stored at the detection limit) use
the conservative bound, so the Ca delta is never overstated: downstream counts as 0 mg/L,
upstream as its detection limit.

The plant-days calculated are every calendar day of the plant's monitoring period (first to
last calcium result), so a day without any data still appears, flagged. Each day goes through
:func:`~weir.mrv.pipeline.step3_calculate.validation.validate_all_inputs`; skipped days are
stored with their flag and no CO₂. Unapproved rows are replaced in one transaction (derived
data); approved rows are never overwritten but versioned
(:mod:`weir.mrv.pipeline.step3_calculate.versions`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from weir.mrv.models import LabReading, PlantOperation
from weir.mrv.pipeline.step3_calculate.formula import CALC_VERSION, co2_t_per_day
from weir.mrv.pipeline.step3_calculate.validation import validate_all_inputs
from weir.mrv.pipeline.step4_review.review import sync_reviews
from weir.mrv.rules import FlagCode, QualityFlag, RowStatus
from weir.mrv.settings import MrvSettings


@dataclass(frozen=True)
class _RejectedOps:
    """Stands in for a rejected operations row: its flow cannot be used."""

    eff_flow_actual_mgd: float | None = None


@dataclass(frozen=True)
class _Ca:
    """The Ca value a calculation uses for one reading."""

    value: float | None


def conservative_ca(reading: LabReading | None, location: str) -> tuple[_Ca | None, str | None]:
    """The value used for a reading: below detection, downstream 0 mg/L and upstream its
    detection limit (the stored value); with a note for the result message."""
    if reading is None:
        return None, None
    if all(f.code is not FlagCode.BELOW_DETECTION for f in reading.flags or []):
        return _Ca(reading.value), None
    if location == "downstream":
        note = f"downstream Ca below detection limit {reading.value:g} mg/L: counted as 0 mg/L"
        return _Ca(0.0), note
    return _Ca(reading.value), f"upstream Ca below detection limit: counted as {reading.value:g}"


@dataclass
class CalcSummary:
    """Counts of one calculation run."""

    days: int
    by_flag: dict[str, int]
    co2_t_valid: float
    reviews_opened: list[int] = field(default_factory=list)
    reviews_superseded: list[int] = field(default_factory=list)
    new_versions: int = 0


def live_calcium(session: Session) -> dict[tuple[str, dt.date, str], LabReading]:
    """Valid, not superseded calcium readings by (plant, date, location); first row wins."""
    rows = session.scalars(
        select(LabReading)
        .where(
            LabReading.parameter == "calcium",
            LabReading.status == RowStatus.VALID,
            LabReading.superseded_by_run_id.is_(None),
            LabReading.sample_date.is_not(None),
        )
        .order_by(LabReading.id)
    ).all()
    out: dict[tuple[str, dt.date, str], LabReading] = {}
    for row in rows:
        if row.plant_id and row.location and row.sample_date:
            out.setdefault((row.plant_id, row.sample_date, row.location), row)
    return out


def current_operations(session: Session) -> dict[tuple[str, dt.date], PlantOperation]:
    """Operations row used per (plant, date): the current (precedence winner) valid row, else a
    rejected row of that day (its flow then counts as invalid); superseded rows never."""
    rows = session.scalars(
        select(PlantOperation)
        .where(PlantOperation.superseded_by_run_id.is_(None), PlantOperation.date.is_not(None))
        .order_by(PlantOperation.id)
    ).all()
    chosen: dict[tuple[str, dt.date], PlantOperation] = {}
    for row in rows:
        if row.date is None:
            continue
        key = (row.plant_id, row.date)
        if row.status == RowStatus.VALID and row.is_current:
            chosen[key] = row
        elif row.status != RowStatus.VALID:
            chosen.setdefault(key, row)
    return chosen


def monitoring_periods(session: Session) -> dict[str, tuple[dt.date, dt.date]]:
    """First and last calcium sample date per plant, rejected results included."""
    query = (
        select(
            LabReading.plant_id, func.min(LabReading.sample_date), func.max(LabReading.sample_date)
        )
        .where(
            LabReading.parameter == "calcium",
            LabReading.superseded_by_run_id.is_(None),
            LabReading.plant_id.is_not(None),
            LabReading.sample_date.is_not(None),
        )
        .group_by(LabReading.plant_id)
    )
    periods: dict[str, tuple[dt.date, dt.date]] = {}
    for plant, first, last in session.execute(query):
        if plant is not None and first is not None and last is not None:
            periods[plant] = (first, last)
    return periods


def plant_days(
    periods: dict[str, tuple[dt.date, dt.date]],
    ops: dict[tuple[str, dt.date], PlantOperation],
) -> set[tuple[str, dt.date]]:
    """Every calendar day of each plant's monitoring period (first to last calcium sample);
    for a plant without calcium results, its operations dates."""
    days: set[tuple[str, dt.date]] = set()
    for plant, (first, last) in periods.items():
        days.update((plant, first + dt.timedelta(days=i)) for i in range((last - first).days + 1))
    days.update((p, d) for p, d in ops if p not in periods)
    return days


def _source(table: str, row: LabReading | PlantOperation) -> dict[str, Any]:
    return {
        "table": table,
        "id": row.id,
        "file": row.source_file,
        "row": row.source_row,
        "sha256": row.file_sha256,
        "ingestion_run_id": row.ingestion_run_id,
    }


def build_results(session: Session, settings: MrvSettings) -> list[dict[str, Any]]:
    """One result dict per plant-day (columns of ``mrv_results``)."""
    calcium = live_calcium(session)
    ops = current_operations(session)
    days = plant_days(monitoring_periods(session), ops)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results: list[dict[str, Any]] = []
    for plant, day in sorted(days):
        up_row = calcium.get((plant, day, "upstream"))
        down_row = calcium.get((plant, day, "downstream"))
        up, up_note = conservative_ca(up_row, "upstream")
        down, down_note = conservative_ca(down_row, "downstream")
        op = ops.get((plant, day))
        usable = op if op is None or op.status == RowStatus.VALID else _RejectedOps()
        check = validate_all_inputs(usable, up, down)
        delta = None
        if up and down and up.value is not None and down.value is not None:
            delta = round(down.value - up.value, 6)
        flow = usable.eff_flow_actual_mgd if usable else None
        notes = [n for n in (check.message, up_note, down_note) if n]
        message = "; ".join(notes) or None
        if op is not None and op.status != RowStatus.VALID:
            message = f"{message}; operations row rejected: {op.reject_reason}"
        co2 = None
        if check.should_calculate and delta is not None and flow is not None:
            co2 = co2_t_per_day(delta, flow, settings.mol_co2_per_mol_ca)
        used_lab = [r for r in (up_row, down_row) if r is not None]
        results.append(
            {
                "plant_id": plant,
                "date": day,
                "ca_upstream_mg_l": up.value if up else None,
                "ca_downstream_mg_l": down.value if down else None,
                "ca_delta_mg_l": delta,
                "flow_mgd": flow,
                "co2_t_per_day": co2,
                "quality_flag": check.quality_flag,
                "message": message,
                "calc_version": CALC_VERSION,
                "mol_co2_per_mol_ca": settings.mol_co2_per_mol_ca,
                "ca_rel_uncertainty": settings.ca_rel_uncertainty,
                "flow_rel_uncertainty": settings.flow_rel_uncertainty,
                "mc_draws": settings.mc_draws,
                "mc_seed": settings.mc_seed,
                "conservative_percentile": settings.conservative_percentile,
                "lineage": {
                    "lab_reading_ids": [r.id for r in used_lab],
                    "plant_operation_ids": [op.id] if op else [],
                    "sources": [_source("lab_readings", r) for r in used_lab]
                    + ([_source("plant_operations", op)] if op else []),
                },
                "calculated_at": now,
            }
        )
    return results


def run_calculation(engine: Engine, settings: MrvSettings) -> CalcSummary:
    """Recalculate every plant-day into ``mrv_results`` in one transaction: unapproved rows
    are replaced, approved ones versioned (:mod:`~weir.mrv.pipeline.step3_calculate.versions`),
    and reviews opened or superseded where the numbers changed
    (:mod:`~weir.mrv.pipeline.step4_review.review`)."""
    from weir.mrv.pipeline.step3_calculate.versions import store_results

    with Session(engine) as session, session.begin():
        results = build_results(session, settings)
        stored = store_results(session, results)
        reviews = sync_reviews(session)
    by_flag = dict(Counter(str(r["quality_flag"]) for r in results))  # plain text keys
    total = sum(r["co2_t_per_day"] for r in results if r["quality_flag"] == QualityFlag.VALID)
    return CalcSummary(
        days=len(results),
        by_flag=by_flag,
        co2_t_valid=total,
        reviews_opened=reviews["opened"],
        reviews_superseded=reviews["superseded"],
        new_versions=len(stored.new_versions),
    )
