"""QA/QC: the seed's hierarchy, levels 1–4, collected in one pass into ``qa_findings``.

Level 1 raw: unreadable files, non-UTF-8 encodings, unparseable cells, duplicates, skipped
non-data rows, overlapping files that disagree. Level 2 completeness: missing required values,
missing days, upstream/downstream pairs. Level 3 schema and ranges: values rejected by the
pandera contracts (pH 0–14, Ca ≥ 0, flows ≥ 0 and plausible), unit conversions, unknown
sensors, flow min/actual/max consistency. Level 4 quality flags: each non-VALID day of
``mrv_results``, below-detection results and low pH coverage. A row flag or a day's quality
flag becomes a finding through the one table of rules, :data:`weir.mrv.rules.RULES`.

The pass reads the tables and, in one transaction, replaces ``qa_findings`` when its content
changed, so findings always describe the current data and an unchanged pass writes nothing.
Level 5 (expert review) happens in the dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select
from sqlalchemy.orm import Session

from weir.mrv.models import IngestionRun, LabReading, MrvResult, PlantOperation, QaFinding
from weir.mrv.pipeline.step1_ingest.precedence import COMPARED
from weir.mrv.pipeline.step2_qaqc.ph_stats import MIN_COVERAGE_PCT, daily_ph
from weir.mrv.rules import (
    RULES,
    Check,
    FlagCode,
    QaLevel,
    QualityFlag,
    RowStatus,
    RunStatus,
    Severity,
)

Finding = dict[str, Any]


def _finding(
    level: QaLevel, check: Check, severity: Severity, message: str, **where: Any
) -> Finding:
    base: Finding = dict.fromkeys(("plant_id", "date", "file", "sheet", "row", "column", "value"))
    base.update(level=level, check=check, severity=severity, message=message, **where)
    if base["value"] is not None:
        base["value"] = str(base["value"])
    return base


def _run_findings(session: Session) -> Iterable[Finding]:
    latest: dict[str, IngestionRun] = {}
    for run in session.scalars(select(IngestionRun).order_by(IngestionRun.id)):
        latest[run.file] = run
    for run in latest.values():
        if run.status == RunStatus.FAILED:
            for err in run.errors or [{"message": "failed"}]:
                yield _finding(
                    QaLevel.RAW,
                    Check.FILE_READABLE,
                    Severity.ERROR,
                    str(err.get("message")),
                    file=run.file,
                    sheet=err.get("sheet"),
                    row=err.get("row"),
                    column=err.get("column"),
                )
            continue
        if run.status != RunStatus.LOADED:
            continue
        encoding = (run.details or {}).get("encoding")
        if encoding and encoding != "utf-8-sig":
            yield _finding(
                QaLevel.RAW,
                Check.ENCODING,
                Severity.WARNING,
                f"file decoded as {encoding}, not UTF-8",
                file=run.file,
            )
        for skipped in (run.details or {}).get("skipped", []):
            yield _finding(
                QaLevel.RAW,
                Check.ROW_SKIPPED,
                Severity.INFO,
                f"not a data row: {skipped['reason']}",
                file=run.file,
                sheet=skipped.get("sheet"),
                row=skipped["row"],
            )


def _row_findings(session: Session) -> Iterable[Finding]:
    lab = select(LabReading).where(
        LabReading.superseded_by_run_id.is_(None),
        or_(LabReading.status != RowStatus.VALID, LabReading.parameter == "calcium"),
    )
    ops = select(PlantOperation).where(PlantOperation.superseded_by_run_id.is_(None))
    rows: list[LabReading | PlantOperation] = [*session.scalars(lab), *session.scalars(ops)]
    for row in rows:
        day = row.sample_date if isinstance(row, LabReading) else row.date
        value = row.value if isinstance(row, LabReading) else row.eff_flow_actual_mgd
        for flag in row.flags or []:
            rule = flag.rule
            message = (
                row.reject_reason
                if row.status != RowStatus.VALID and row.reject_reason
                else flag.label
            )
            if flag.code is FlagCode.CONVERTED_FROM_G_PER_L:
                message = "result reported in g/L, converted to mg/L (× 1000)"
            elif flag.code is FlagCode.BELOW_DETECTION:
                limit = getattr(row, "meta", {}).get("detection_limit")
                message = (
                    f"result below the detection limit {limit} mg/L; "
                    "counted as 0 mg/L downstream, at the limit upstream"
                )
            yield _finding(
                rule.level,
                rule.check,
                rule.severity,
                message,
                plant_id=row.plant_id,
                date=day,
                file=row.source_file,
                sheet=getattr(row, "source_sheet", None),
                row=row.source_row,
                column=flag.column,
                value=value,
            )
        if isinstance(row, PlantOperation) and row.overridden_by_id is not None:
            winner = session.get(PlantOperation, row.overridden_by_id)
            if winner is None:
                continue
            diffs = [n for n in COMPARED if getattr(winner, n) != getattr(row, n)]
            if diffs:
                yield _finding(
                    QaLevel.RAW,
                    Check.OVERLAP_CONFLICT,
                    Severity.WARNING,
                    f"{row.source_file} row {row.source_row} differs from the later revision "
                    f"{winner.source_file} row {winner.source_row} in {', '.join(diffs)}; "
                    "the later revision is used",
                    plant_id=row.plant_id,
                    date=row.date,
                    file=row.source_file,
                    sheet=row.source_sheet,
                    row=row.source_row,
                    column=diffs[0],
                    value=getattr(row, diffs[0]),
                )


def _completeness(session: Session) -> Iterable[Finding]:
    calcium: dict[str, dict[dt.date, set[str]]] = {}
    for plant, day, loc in session.execute(
        select(LabReading.plant_id, LabReading.sample_date, LabReading.location).where(
            LabReading.parameter == "calcium",
            LabReading.status == RowStatus.VALID,
            LabReading.superseded_by_run_id.is_(None),
        )
    ):
        if plant and day:
            calcium.setdefault(plant, {}).setdefault(day, set()).add(loc or "")
    ops: dict[str, set[dt.date]] = {}
    for plant, day in session.execute(
        select(PlantOperation.plant_id, PlantOperation.date).where(
            PlantOperation.status == RowStatus.VALID,
            PlantOperation.superseded_by_run_id.is_(None),
        )
    ):
        if day:
            ops.setdefault(plant, set()).add(day)
    for plant, days in sorted(calcium.items()):
        first, last = min(days), max(days)
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            locations = days.get(day, set())
            if not locations:
                yield _finding(
                    QaLevel.COMPLETENESS,
                    Check.MISSING_DAY,
                    Severity.ERROR,
                    "no calcium result for this day",
                    plant_id=plant,
                    date=day,
                    column="calcium",
                )
            elif len(locations & {"upstream", "downstream"}) < 2:
                missing = ({"upstream", "downstream"} - locations).pop()
                yield _finding(
                    QaLevel.COMPLETENESS,
                    Check.UPSTREAM_DOWNSTREAM_PAIR,
                    Severity.ERROR,
                    f"{missing} calcium result missing",
                    plant_id=plant,
                    date=day,
                    column=missing,
                )
            if day not in ops.get(plant, set()):
                yield _finding(
                    QaLevel.COMPLETENESS,
                    Check.MISSING_DAY,
                    Severity.ERROR,
                    "no operations record for this day",
                    plant_id=plant,
                    date=day,
                    column="operations",
                )


def _quality(session: Session) -> Iterable[Finding]:
    for result in session.scalars(
        select(MrvResult)
        .where(MrvResult.is_current, MrvResult.quality_flag != QualityFlag.VALID)
        .order_by(MrvResult.id)
    ):
        rule = RULES[QualityFlag(result.quality_flag)]
        yield _finding(
            rule.level,
            rule.check,
            rule.severity,
            f"{result.quality_flag}: {result.message or ''}".strip(": "),
            plant_id=result.plant_id,
            date=result.date,
            column=rule.column,
            value=result.quality_flag,
        )
    for day in daily_ph(session):
        if day.coverage_pct < MIN_COVERAGE_PCT:
            yield _finding(
                QaLevel.QUALITY,
                Check.PH_COVERAGE,
                Severity.WARNING,
                f"pH coverage {day.coverage_pct:.1f}% < {MIN_COVERAGE_PCT:g}%",
                plant_id=day.plant_id,
                date=day.date,
                column="ph",
                value=day.coverage_pct,
            )


def collect_findings(session: Session) -> list[Finding]:
    """Every finding of levels 1–4 for the current data, in level order."""
    findings = [
        *_run_findings(session),
        *_row_findings(session),
        *_completeness(session),
        *_quality(session),
    ]
    return sorted(findings, key=lambda f: f["level"])


#: The columns of a finding that carry its content (not id or created_at).
CONTENT = (
    "level",
    "check",
    "severity",
    "plant_id",
    "date",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "message",
)


def _key(finding: Finding) -> tuple[Any, ...]:
    return tuple("" if finding[c] is None else str(finding[c]) for c in CONTENT)


def run_qa(engine: Engine) -> dict[str, int]:
    """Bring ``qa_findings`` up to date; return counts by ``L<level>/<severity>``.

    The table is rewritten only when the findings differ from the stored ones, so a pass over
    unchanged data leaves it untouched (same ids and ``created_at``).
    """
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        findings = collect_findings(session)
        stored = [
            dict(zip(CONTENT, row, strict=True))
            for row in session.execute(select(*(getattr(QaFinding, c) for c in CONTENT)))
        ]
        if sorted(map(_key, stored)) != sorted(map(_key, findings)):
            session.execute(delete(QaFinding))
            if findings:
                session.execute(insert(QaFinding), [{**f, "created_at": now} for f in findings])
    counts: dict[str, int] = {}
    for f in findings:
        key = f"L{f['level']}/{f['severity']}"
        counts[key] = counts.get(key, 0) + 1
    return counts
