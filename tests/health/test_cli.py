"""The CLI: check (exit codes and --json shape), diagram, run, simulate, sample and demo."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from weir.core.runs import last_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.health.cli import app, demo
from weir.health.sample import sample


def test_check_json_shape_and_exit_codes(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "heli"
    summary = sample(root, 7)
    assert (summary.files, summary.figures["stages"], summary.figures["checks"]) == (30, 8, 5)
    runner = CliRunner()
    config = str(root / "helicopter.yaml")
    ok = runner.invoke(app, ["check", "--config", config, "--json"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert body["status"] == "healthy"
    assert list(body) == ["status", "processes"]
    parse = body["processes"][2]
    assert list(parse) == ["id", "name", "status", "checks"]
    assert list(parse["checks"][0]) == [
        "id", "type", "status", "message", "duration_ms", "checked_at"
    ]  # fmt: skip
    assert (parse["id"], parse["checks"][0]["type"]) == ("parse", "file_fresh")
    simulated = runner.invoke(app, ["simulate", "--root", str(root), "--scenario", "store_tsv"])
    assert simulated.stdout.startswith("scenario store_tsv in ")
    failed = runner.invoke(app, ["check", "--config", config, "--json"])
    assert failed.exit_code == 1
    statuses = {p["id"]: p["status"] for p in json.loads(failed.stdout)["processes"]}
    assert statuses["store_tsv"] == "failed"
    assert statuses["parse"] == "healthy"
    diagram = runner.invoke(app, ["diagram", "--config", config])
    assert diagram.stdout.startswith("flowchart LR\n")
    assert '    p4["Store TSV in cluster"]:::failed' in diagram.stdout.splitlines()


def test_run_loop_and_simulate_schedule(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "heli"
    runner = CliRunner()
    result = runner.invoke(
        app, ["simulate", "--root", str(root), "--every", "0s", "--max-runs", "3"]
    )
    assert result.exit_code == 0
    assert [line.split(" scenario: ")[1] for line in result.stdout.splitlines()[1:]] == [
        "healthy", "parse", "compress"
    ]  # fmt: skip
    ran = runner.invoke(
        app, ["run", "--config", str(root / "helicopter.yaml"), "--every", "0s", "--max-runs", "2"]
    )
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.splitlines()[-1] == "round 2: failed (failed: compress)"
    record = last_run(Store.from_settings(settings), "health", "round")
    assert record is not None
    assert record.counts == {"processes": 8, "failed": 1, "checks": 5}


def test_demo(settings: Settings, tmp_path: Path) -> None:
    figures = demo(settings, tmp_path / "demo")
    assert figures["stages"] == 8
    assert figures["healthy"] == 5
    assert figures["failed_when_compress_breaks"] == ["compress"]
