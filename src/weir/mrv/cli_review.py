"""``weir mrv review …`` (list, show, approve, request-changes, reopen) and ``weir mrv statement``.

Deciding needs ``--reviewer NAME`` and that reviewer's key from ``WEIR_MRV_REVIEWER_KEYS``,
given through ``WEIR_MRV_REVIEW_KEY`` or typed at the hidden prompt (never on the command
line). Exit codes: 0 ok, 2 bad input, a wrong key or a transition the state machine refuses.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from weir.core.cli import JsonOpt, emit, guard

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="Expert review and sign-off of a plant's month.", no_args_is_help=True)

Reviewer = Annotated[
    str, typer.Option("--reviewer", help="Reviewer name (a key in WEIR_MRV_REVIEWER_KEYS).")
]
Key = Annotated[
    str,
    typer.Option(
        "--key",
        envvar="WEIR_MRV_REVIEW_KEY",
        prompt="Reviewer key",
        hide_input=True,
        help="The reviewer's key (env WEIR_MRV_REVIEW_KEY, else prompted).",
    ),
]
Comment = Annotated[str | None, typer.Option("--comment", "-m", help="Comment stored with it.")]
LIST_COLUMNS = [
    "id",
    "plant_id",
    "period",
    "state",
    "days",
    "co2_t",
    "conservative_t",
    "reviewer_name",
    "decided_at",
    "comment",
]
DIFF_COLUMNS = ["date", "change", "columns", "co2_change_t"]


def _engine() -> Engine:
    from weir.mrv.cli import _engine as engine

    return engine()[0]


def _show(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(data, True)
        return
    summary = {k: v for k, v in data.items() if k not in ("rows", "totals", "diff")}
    emit(summary, False, title=f"Review {data['id']}")
    rows = [
        {
            k: r[k]
            for k in (
                "date",
                "version",
                "quality_flag",
                "ca_delta_mg_l",
                "flow_mgd",
                "co2_t_per_day",
            )
        }
        for r in data["rows"]
    ]
    emit(rows, False, title="Reviewed rows")
    against = data["diff"]["against_review_id"]
    if against is None:
        Console().print("no earlier approved version of this plant and period")
    else:
        days = [
            {
                **d,
                "columns": ", ".join(d["columns"]),
            }
            for d in data["diff"]["days"]
        ]
        emit(
            days,
            False,
            title=f"Difference from approved review {against}",
            columns=DIFF_COLUMNS,
            empty=f"same numbers as approved review {against}",
        )


@app.command("list")
def list_command(
    plant: Annotated[str | None, typer.Option(help="PLANT_A, PLANT_B …")] = None,
    period: Annotated[str | None, typer.Option(help="Month, e.g. 2025-05.")] = None,
    state: Annotated[
        str | None, typer.Option(help="pending, approved, revisions_requested, superseded.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reviews, newest first."""
    from weir.mrv import reviews
    from weir.mrv.pipeline.step4_review.review import STATES
    from weir.mrv.settings import MrvSettings

    with guard():
        if state is not None and state not in STATES:
            from weir.core.errors import BadInputError

            raise BadInputError(f"unknown state {state}; use one of {', '.join(STATES)}")
        rows = reviews.list_reviews(
            _engine(), MrvSettings(), plant.upper() if plant else None, period, state
        )
    emit(
        rows,
        as_json,
        title="MRV reviews",
        columns=LIST_COLUMNS,
        empty="no reviews yet: `weir mrv calculate` opens one per plant and month",
    )


@app.command()
def show(
    review_id: Annotated[int, typer.Argument(help="Review id.")], as_json: JsonOpt = False
) -> None:
    """One review: the reviewed rows, totals and the difference from the last approved version."""
    from weir.mrv import reviews
    from weir.mrv.settings import MrvSettings

    with guard():
        data = reviews.show(_engine(), MrvSettings(), review_id)
    _show(data, as_json)


def _decide(
    review_id: int, decision: str, reviewer: str, key: str, comment: str | None, as_json: bool
) -> None:
    from weir.mrv import reviews
    from weir.mrv.settings import MrvSettings

    with guard():
        data = reviews.decide(_engine(), MrvSettings(), review_id, decision, reviewer, key, comment)
    if as_json:
        emit(data, True)
    else:
        Console().print(
            f"review {review_id} ({data['plant_id']} {data['period']}): {data['state']} by "
            f"{data['reviewer_name']} ({data['reviewer_role']})"
        )


@app.command()
def approve(
    review_id: Annotated[int, typer.Argument(help="Review id.")],
    reviewer: Reviewer,
    key: Key,
    comment: Comment = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a pending review: its numbers are locked (a recalculation versions them)."""
    _decide(review_id, "approved", reviewer, key, comment, as_json)


@app.command("request-changes")
def request_changes(
    review_id: Annotated[int, typer.Argument(help="Review id.")],
    reviewer: Reviewer,
    key: Key,
    comment: Annotated[str, typer.Option("--comment", "-m", help="What to revise (required).")],
    as_json: JsonOpt = False,
) -> None:
    """Request revisions of a pending review; a recalculation answers with a new review."""
    _decide(review_id, "revisions_requested", reviewer, key, comment, as_json)


@app.command()
def reopen(
    plant: Annotated[str, typer.Option(help="PLANT_A, PLANT_B …")],
    period: Annotated[str, typer.Option(help="Month, e.g. 2025-05.")],
    as_json: JsonOpt = False,
) -> None:
    """Open a new review of unchanged numbers after a revisions request."""
    from weir.mrv import reviews
    from weir.mrv.settings import MrvSettings

    with guard():
        data = reviews.reopen(_engine(), MrvSettings(), plant.upper(), period)
    _show(data, as_json)


class StatementFormat(StrEnum):
    """Output formats of ``statement``."""

    json = "json"
    csv = "csv"
    pdf = "pdf"


def statement(
    plant: Annotated[str, typer.Option(help="PLANT_A, PLANT_B …")],
    period: Annotated[str, typer.Option(help="Month, e.g. 2025-05.")],
    fmt: Annotated[StatementFormat, typer.Option("--format")] = StatementFormat.json,
    draft: Annotated[
        bool, typer.Option("--draft", help="Allow an unapproved period (marked as a draft).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (PDF default: ./statement_….pdf).")
    ] = None,
) -> None:
    """The approved figures of a plant and month as a versioned statement (JSON, CSV or PDF).

    Refused (exit 2) without an approved review unless --draft.
    """
    from weir.mrv import statement as statements
    from weir.mrv.settings import MrvSettings

    with guard():
        data = statements.build(_engine(), MrvSettings(), plant.upper(), period, draft=draft)
        if fmt is StatementFormat.pdf:
            from weir.mrv.statement_pdf import render

            suffix = "_draft" if data["draft"] else ""
            target = out or Path(f"statement_{data['plant_id']}_{period}{suffix}.pdf")
            target.write_bytes(render(data))
            Console(stderr=True).print(
                f"wrote {target} ({data['status']}, {data['statement_sha256']})"
            )
            return
        text = statements.to_json(data) if fmt is StatementFormat.json else statements.to_csv(data)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
