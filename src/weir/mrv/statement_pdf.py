"""A removal statement as a two-page PDF (matplotlib's PDF backend; no browser).

Page 1 is the statement as text (review, totals, conservative total, flags, formula and
constants, source files and hashes); page 2 the daily CO₂ chart, days marked by quality flag.
A draft carries a "DRAFT — not approved" watermark on both pages and in the PDF metadata.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from weir.mrv.rules import FLAG_COLOURS, QualityFlag

A4 = (8.27, 11.69)


def _text_lines(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(style, text) lines of page 1."""
    t, est, review = s["totals"], s["conservative_estimate"], s["review"]
    if review and review["state"] == "approved":
        signed = (
            f"Approved by {review['reviewer_name']} ({review['reviewer_role']}) on "
            f"{review['decided_at']} - review {review['id']}"
        )
    else:
        state = f"review {review['id']} is {review['state']}" if review else "never reviewed"
        signed = f"NOT APPROVED ({state})"
    lines = [
        ("title", f"CO2 removal statement - {s['plant_id']} {s['period']}"),
        ("draft" if s["draft"] else "body", "DRAFT - not approved" if s["draft"] else "Approved"),
        (
            "body",
            f"Period {s['period_start']} to {s['period_end']}; calc_version {s['calc_version']}",
        ),
        ("body", signed),
        ("body", f"Comment: {review['comment']}" if review and review["comment"] else "Comment: -"),
        ("head", "Totals"),
        ("body", f"Removal credited (VALID days): {t['co2_t']:.6f} t CO2"),
        (
            "body",
            f"Conservative total (P{est['percentile']:g}): {t['conservative_t']:.6f} t CO2 "
            f"(Monte Carlo mean {t['mc_mean_t']:.6f} t; {est['draws']} draws, seed {est['seed']}, "
            f"Ca {est['ca_rel_uncertainty']:g}, flow {est['flow_rel_uncertainty']:g} rel. 1 sigma)",
        ),
        (
            "body",
            f"Days {t['days']}: valid {t['days_valid']}, invalid {t['days_invalid']} "
            f"(not credited, {t['co2_t_invalid_days']:.6f} t), skipped {t['days_skipped']}",
        ),
        ("body", "Flags: " + ", ".join(f"{k} {v}" for k, v in s["quality_flags"].items())),
        ("head", "Formula"),
        *(("mono", line) for line in s["formula"]["lines"]),
        (
            "mono",
            ", ".join(f"{k}={v:g}" for k, v in s["formula"]["constants"].items())
            + f", mol_co2_per_mol_ca={s['formula']['mol_co2_per_mol_ca']}",
        ),
        ("head", "Source files (SHA-256)"),
        *(("mono", f"{f['sha256']}  {f['file']}") for f in s["source_files"][:14]),
        *(
            [("body", f"... and {len(s['source_files']) - 14} more (see the JSON statement)")]
            if len(s["source_files"]) > 14
            else []
        ),
        ("head", "Statement hash (SHA-256 of the canonical JSON)"),
        ("mono", s["statement_sha256"]),
    ]
    return lines


STYLES: dict[str, dict[str, Any]] = {
    "title": {"fontsize": 15, "weight": "bold"},
    "head": {"fontsize": 11, "weight": "bold"},
    "body": {"fontsize": 8.5},
    "draft": {"fontsize": 11, "weight": "bold", "color": "#c62828"},
    "mono": {"fontsize": 7, "family": "monospace"},
}


def _watermark(fig: Any) -> None:
    fig.text(
        0.5,
        0.5,
        "DRAFT",
        fontsize=110,
        color="#c62828",
        alpha=0.12,
        rotation=40,
        ha="center",
        va="center",
        weight="bold",
    )


def _text_page(s: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=A4)
    y = 0.95
    for style, text in _text_lines(s):
        if style == "head":
            y -= 0.012
        fig.text(0.06, y, text, va="top", wrap=True, **STYLES[style])
        y -= 0.032 if style in ("title", "head") else 0.022
    if s["draft"]:
        _watermark(fig)
    return fig


def _chart_page(s: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=A4)
    ax = fig.add_axes((0.1, 0.45, 0.85, 0.45))
    from matplotlib.dates import date2num

    days = [float(date2num(dt.date.fromisoformat(d["date"]))) for d in s["days"]]  # type: ignore[no-untyped-call]
    values = [d["co2_t_per_day"] or 0.0 for d in s["days"]]
    colours = [FLAG_COLOURS[QualityFlag(d["quality_flag"])] for d in s["days"]]
    ax.bar(days, values, color=colours, width=0.8)
    skipped = [
        (day, colour)
        for day, d, colour in zip(days, s["days"], colours, strict=True)
        if d["co2_t_per_day"] is None
    ]
    ax.scatter(
        [day for day, _ in skipped],
        [0.0] * len(skipped),
        marker="x",
        zorder=3,
        c=[colour for _, colour in skipped],
    )
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.xaxis_date()
    ax.set_title(f"Daily CO2 removal, {s['plant_id']} {s['period']} (t/day)")
    ax.set_ylabel("t CO2 / day")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    present = [f for f in FLAG_COLOURS if s["quality_flags"].get(f)]
    ax.legend(
        handles=[
            Patch(color=FLAG_COLOURS[f], label=f"{f} ({s['quality_flags'][f]})") for f in present
        ],
        fontsize=7,
        loc="upper left",
    )
    fig.text(
        0.1,
        0.38,
        "Only VALID days are credited. INVALID days (Ca delta <= 0) are drawn below zero; "
        "days without a calculation (x) are NO_OPS_DATA, INVALID_FLOW or MISSING_CA_READINGS.",
        fontsize=8,
        wrap=True,
        va="top",
    )
    if s["draft"]:
        _watermark(fig)
    return fig


def render(statement: dict[str, Any]) -> bytes:
    """The statement as PDF bytes (two A4 pages)."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    status = "DRAFT - not approved" if statement["draft"] else "approved"
    metadata = {
        "Title": f"CO2 removal statement {statement['plant_id']} {statement['period']} ({status})",
        "Subject": f"statement_sha256 {statement['statement_sha256']}",
        "Keywords": status,
        "Creator": "weir mrv statement",
    }
    with PdfPages(buffer, metadata=metadata) as pdf:
        pdf.savefig(_text_page(statement))
        pdf.savefig(_chart_page(statement))
    return buffer.getvalue()
