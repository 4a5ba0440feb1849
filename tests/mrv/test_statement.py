"""Removal statements: refused unless approved (or a draft), byte-identical on re-issue, the
contents, CSV and PDF, and the CLI. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from weir.core.errors import NotFoundError
from weir.core.settings import Settings
from weir.mrv import reviews, statement
from weir.mrv.cli import app
from weir.mrv.errors import StatementRefusedError
from weir.mrv.statement_pdf import render

from .test_review import DAY1, DAY2, KEYS, change_day2, load


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_refused_unless_approved_or_draft(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    with pytest.raises(StatementRefusedError) as refused:
        statement.build(engine, KEYS, "PLANT_A", "2025-04")
    assert refused.value.message == (
        "no approved review of PLANT_A 2025-04 (review 1 is pending); a statement needs an "
        "approved review, or --draft for an unapproved draft"
    )
    draft = statement.build(engine, KEYS, "PLANT_A", "2025-04", draft=True)
    assert (draft["status"], draft["draft"], draft["review"]["state"]) == (
        "draft",
        True,
        "pending",
    )
    assert b"DRAFT - not approved" in render(draft)
    assert ",draft," in statement.to_csv(draft).splitlines()[1]
    with pytest.raises(NotFoundError, match="no results for PLANT_A 2025-06"):
        statement.build(engine, KEYS, "PLANT_A", "2025-06", draft=True)


def test_approved_statement_contents_and_reissue(engine: Engine, tiny_dir: Path) -> None:
    load(engine, tiny_dir)
    reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada", "Ca pairs checked")
    first = statement.to_json(statement.build(engine, KEYS, "PLANT_A", "2025-04"))
    load(engine, tiny_dir)  # a recalculation with the same numbers changes nothing
    assert statement.to_json(statement.build(engine, KEYS, "PLANT_A", "2025-04")) == first
    data = json.loads(first)
    assert data["statement_sha256"] == statement.statement_hash(data)
    assert re.fullmatch("[0-9a-f]{64}", data["statement_sha256"])
    assert (data["status"], data["draft"], data["calc_version"]) == (
        "approved",
        False,
        "seed-formula-1",
    )
    review = data["review"]
    assert (review["id"], review["reviewer_name"], review["reviewer_role"]) == (
        1,
        "ada",
        "domain expert",
    )
    assert review["comment"] == "Ca pairs checked"
    assert [(d["date"], d["version"], d["ca_delta_mg_l"], d["flow_mgd"]) for d in data["days"]] == [
        ("2025-04-01", 1, 10.0, 1.0),
        ("2025-04-02", 1, 5.0, 2.0),
    ]
    assert [d["co2_t_per_day"] for d in data["days"]] == [DAY1, DAY2]
    totals = data["totals"]
    assert (totals["days"], totals["days_valid"], totals["days_skipped"]) == (2, 2, 0)
    assert totals["co2_t"] == pytest.approx(DAY1 + DAY2, rel=1e-12)
    assert 0 < totals["conservative_t"] < totals["co2_t"]
    assert data["conservative_estimate"]["percentile"] == 16.0
    assert data["quality_flags"]["VALID"] == 2
    assert data["formula"]["constants"]["MW_CACO3"] == 100.0869
    assert data["source_files"] == [
        {"file": "lab/calcium.csv", "sha256": sha256(tiny_dir / "lab" / "calcium.csv")},
        {"file": "ops/plant_a/a.xlsx", "sha256": sha256(tiny_dir / "ops/plant_a/a.xlsx")},
    ]
    csv_lines = statement.to_csv(data).splitlines()
    assert csv_lines[0].startswith("plant_id,period,status,statement_sha256,date,result_id")
    assert [line.split(",")[4] for line in csv_lines[1:]] == [
        "2025-04-01",
        "2025-04-02",
        "TOTAL_VALID_DAYS",
        "CONSERVATIVE_P16",
        "INVALID_DAYS_NOT_CREDITED",
    ]
    pdf = render(data)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 2
    assert f"statement_sha256 {data['statement_sha256']}".encode() in pdf
    assert b"DRAFT" not in pdf

    change_day2(tiny_dir)  # the approved numbers change: the statement is refused again
    load(engine, tiny_dir)
    with pytest.raises(StatementRefusedError, match=r"\(review 2 is pending\)"):
        statement.build(engine, KEYS, "PLANT_A", "2025-04")
    reviews.decide(engine, KEYS, 2, "approved", "ada", "k-ada")
    second = statement.build(engine, KEYS, "PLANT_A", "2025-04")
    assert [d["version"] for d in second["days"]] == [1, 2]
    assert second["statement_sha256"] != data["statement_sha256"]


def test_statement_cli(
    engine: Engine,
    tiny_dir: Path,
    settings: Settings,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("WEIR_DATABASE_URL", db_url)
    runner = CliRunner()
    load(engine, tiny_dir)
    args = ["statement", "--plant", "plant_a", "--period", "2025-04"]
    refused = runner.invoke(app, args)
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr.startswith("error: no approved review of PLANT_A 2025-04 (review 1")
    bad = runner.invoke(app, ["statement", "--plant", "PLANT_A", "--period", "May"])
    assert (bad.exit_code, bad.stderr.strip()) == (
        2,
        "error: period 'May' is not a month like 2025-05 (field period)",
    )
    draft = runner.invoke(app, [*args, "--draft"])
    assert draft.exit_code == 0
    assert json.loads(draft.stdout)["status"] == "draft"
    reviews.decide(engine, KEYS, 1, "approved", "ada", "k-ada")
    issued = [runner.invoke(app, args).stdout for _ in range(2)]
    assert (
        issued[0]
        == issued[1]
        == statement.to_json(statement.build(engine, KEYS, "PLANT_A", "2025-04"))
    )
    target = tmp_path / "s.pdf"
    pdf = runner.invoke(app, [*args, "--format", "pdf", "--out", str(target)])
    assert pdf.exit_code == 0
    assert target.read_bytes().startswith(b"%PDF-")
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    assert csv_out.stdout.splitlines()[-2].split(",")[4] == "CONSERVATIVE_P16"
