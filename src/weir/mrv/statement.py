"""Versioned removal statements: the approved figures of one plant and month.

A statement is built from the rows an approved review locked (read by id, so a later
recalculation cannot change it) and holds the daily rows, totals, the conservative total with
its Monte Carlo parameters, flag counts, the formula and constants, calc_version, the reviewer
and date, the SHA-256 of every source file behind the rows, and ``statement_sha256`` (SHA-256
of the canonical JSON of everything else). Re-issuing gives byte-identical JSON. Without an
approved review a statement is refused unless ``draft=True``, and a draft says so everywhere.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from weir.core.errors import NotFoundError
from weir.mrv import service
from weir.mrv.errors import StatementRefusedError
from weir.mrv.models import RESULT_COLUMNS, MrvResult, Review
from weir.mrv.pipeline.step3_calculate import formula
from weir.mrv.pipeline.step4_review import review as machine
from weir.mrv.rules import QUALITY_FLAGS, QualityFlag
from weir.mrv.settings import MrvSettings

FORMAT_VERSION = 1
FORMULA = [
    "ca_delta (mg/L) = Ca_downstream - Ca_upstream",
    "flow_l_day = flow_mgd x M3_PER_DAY_PER_MGD x L_PER_M3",
    "caco3_mg = ca_delta x flow_l_day x (MW_CACO3 / MW_CA)",
    "co2_mg = caco3_mg x (MW_CO2 / MW_CACO3) x mol_co2_per_mol_ca",
    "co2_t_per_day = co2_mg / MG_PER_TONNE",
]
DAY_COLUMNS = (
    "date",
    "result_id",
    "version",
    "ca_upstream_mg_l",
    "ca_downstream_mg_l",
    "ca_delta_mg_l",
    "flow_mgd",
    "co2_t_per_day",
    "quality_flag",
    "credited",
    "message",
)
TOTAL_KEYS = (
    "days",
    "days_valid",
    "days_invalid",
    "days_skipped",
    "co2_t",
    "co2_t_invalid_days",
    "mc_mean_t",
    "conservative_t",
)


def _rows(session: Session, review: Review | None, plant: str, period: str) -> list[MrvResult]:
    if review is not None and review.state == machine.APPROVED:
        ids = [r["id"] for r in review.snapshot]
        rows = session.scalars(select(MrvResult).where(MrvResult.id.in_(ids)))
        return sorted(rows, key=lambda r: r.date)
    start, end = machine.parse_period(period)
    return machine.current_rows(session, plant, start, end)


def _sources(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = {
        (s["file"], s["sha256"])
        for r in rows
        for s in (r["lineage"] or {}).get("sources", [])
        if s.get("file")
    }
    return [{"file": f, "sha256": h} for f, h in sorted(found)]


def _review_part(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "id": review.id,
        "state": review.state,
        "reviewer_name": review.reviewer_name,
        "reviewer_role": review.reviewer_role,
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "comment": review.comment,
        "snapshot_sha256": review.snapshot_sha256,
    }


def build(
    engine: Engine, settings: MrvSettings, plant: str, period: str, *, draft: bool = False
) -> dict[str, Any]:
    """The statement of `plant` and `period` (``YYYY-MM``) as a JSON-ready dict.

    Raises:
        BadInputError: not a month.
        NotFoundError: no results for that plant and month.
        StatementRefusedError: no approved review of them and `draft` is false.
    """
    start, end = machine.parse_period(period)
    with Session(engine) as session:
        review = machine.latest_review(session, plant, period)
        approved = review is not None and review.state == machine.APPROVED
        if not approved and not draft:
            where = f"review {review.id} is {review.state}" if review else "it was never reviewed"
            raise StatementRefusedError(
                f"no approved review of {plant} {period} ({where}); a statement needs an "
                "approved review, or --draft for an unapproved draft"
            )
        result_rows = _rows(session, review, plant, period)
        rows = [{c: getattr(r, c) for c in (*RESULT_COLUMNS, "id", "version")} for r in result_rows]
        review_part = _review_part(review)
    if not rows:
        raise NotFoundError(f"no results for {plant} {period}: run `weir mrv calculate` first")
    [totals] = service.totals(rows, settings)
    first = rows[0]
    statement: dict[str, Any] = {
        "statement": "weir MRV CO2 removal statement",
        "format_version": FORMAT_VERSION,
        "status": "approved" if approved else "draft",
        "draft": not approved,
        "plant_id": plant,
        "period": period,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "review": review_part,
        "calc_version": ",".join(sorted({r["calc_version"] for r in rows})),
        "formula": {
            "lines": FORMULA,
            "constants": {
                "MW_CA": formula.MW_CA,
                "MW_CACO3": formula.MW_CACO3,
                "MW_CO2": formula.MW_CO2,
                "M3_PER_DAY_PER_MGD": formula.M3_PER_DAY_PER_MGD,
                "L_PER_M3": formula.L_PER_M3,
                "MG_PER_TONNE": formula.MG_PER_TONNE,
            },
            "mol_co2_per_mol_ca": totals["mol_co2_per_mol_ca"],
        },
        "conservative_estimate": {
            "method": "Monte Carlo over independent normal relative errors of daily upstream "
            "Ca, downstream Ca and effluent flow; VALID days only",
            "percentile": totals["conservative_percentile"],
            "draws": totals["mc_draws"],
            "seed": totals["mc_seed"],
            "ca_rel_uncertainty": first["ca_rel_uncertainty"],
            "flow_rel_uncertainty": first["flow_rel_uncertainty"],
        },
        "totals": {k: totals[k] for k in TOTAL_KEYS},
        "quality_flags": {f: sum(r["quality_flag"] == f for r in rows) for f in QUALITY_FLAGS},
        "days": [
            {
                "date": r["date"].isoformat(),
                "result_id": r["id"],
                "version": r["version"],
                **{c: r[c] for c in DAY_COLUMNS[3:9]},
                "credited": r["quality_flag"] == QualityFlag.VALID,
                "message": r["message"],
            }
            for r in rows
        ],
        "source_files": _sources(rows),
    }
    statement["statement_sha256"] = statement_hash(statement)
    return statement


def statement_hash(statement: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a statement without its hash."""
    body = {k: v for k, v in statement.items() if k != "statement_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def to_json(statement: dict[str, Any]) -> str:
    """The statement as JSON text (stable: same statement, same bytes)."""
    return json.dumps(statement, indent=2, ensure_ascii=False) + "\n"


def to_csv(statement: dict[str, Any]) -> str:
    """The daily rows as CSV, then the totals rows (``date`` names them), each row carrying the
    plant, period, status and statement hash."""
    head = ["plant_id", "period", "status", "statement_sha256"]
    fixed = [statement[k] for k in head]
    rows = [dict(zip(head, fixed, strict=True), **day) for day in statement["days"]]
    totals = statement["totals"]
    percentile = statement["conservative_estimate"]["percentile"]
    for label, value in (
        ("TOTAL_VALID_DAYS", totals["co2_t"]),
        (f"CONSERVATIVE_P{percentile:g}", totals["conservative_t"]),
        ("INVALID_DAYS_NOT_CREDITED", totals["co2_t_invalid_days"]),
    ):
        rows.append(dict(zip(head, fixed, strict=True), date=label, co2_t_per_day=value))
    return service.rows_to_csv(rows, [*head, *DAY_COLUMNS])
