"""``weir telemetry …`` and ``weir sample telemetry`` through the root command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.cli import app
from weir.core.settings import Settings
from weir.telemetry.cli import demo, parse_interval

runner = CliRunner()


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_TELEMETRY_WORKERS", "1")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


@pytest.mark.usefixtures("one_worker")
def test_sample_replay_run_status_query(settings: Settings, tmp_path: Path) -> None:
    events = tmp_path / "events"
    code, _ = invoke("sample", "telemetry", "--out", str(events), "--events", "300", "--seed", "5")
    assert code == 0
    code, out = invoke("telemetry", "replay", str(events), "--json")
    assert code == 0
    replayed = json.loads(out)
    assert replayed["records"] == 300
    assert replayed["landed"] + replayed["dead_lettered"] == 300
    code, out = invoke("telemetry", "run", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["files"] == replayed["objects_written"]
    code, out = invoke("telemetry", "status", "--json")
    assert code == 0
    state = json.loads(out)
    assert state["files_pending"] == 0
    assert state["files_processed"] == summary["files"]
    assert state["dead_lettered"] == replayed["dead_lettered"]
    assert state["last_run"]["rows_merged"] == summary["rows_merged"] == state["rows"]
    code, out = invoke(
        "telemetry",
        "query",
        "select count(*) as n, count(distinct event_id) as d from car_telemetry_flattened",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [{"n": state["rows"], "d": state["rows"]}]
    code, out = invoke("telemetry", "query", "select count(*) as v from vehicle_latest", "--json")
    assert json.loads(out) == [{"v": state["vehicles"]}]


def test_bad_input_exits_2(settings: Settings, tmp_path: Path) -> None:
    assert invoke("telemetry", "replay", str(tmp_path / "missing"))[0] == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"Records": 5}')
    assert invoke("telemetry", "replay", str(bad))[0] == 2
    assert invoke("telemetry", "query", "select * from nowhere")[0] == 2
    assert invoke("telemetry", "run", "--engine", "flink")[0] == 2


@pytest.mark.usefixtures("one_worker")
def test_run_every_repeats(settings: Settings) -> None:
    code, out = invoke("telemetry", "run", "--every", "0s", "--max-runs", "2", "--json")
    assert code == 0
    assert [json.loads(line)["files"] for line in out.splitlines()] == [0, 0]


def test_parse_interval() -> None:
    assert [parse_interval(x) for x in ("90", "30s", "5m", "1h")] == [90, 30, 300, 3600]


@pytest.mark.usefixtures("one_worker")
def test_demo_summary(settings: Settings) -> None:
    summary = demo(settings, settings.home / "samples" / "telemetry")
    assert summary["records"] == 2000
    assert summary["dead_lettered"] == 13
    assert summary["rows"] == 1920
    assert summary["vehicles"] == 20
    assert summary["table_version"] == 0


@pytest.mark.usefixtures("one_worker")
def test_watch_runs_when_files_land(settings: Settings) -> None:
    from tests.telemetry.known import stream_record
    from weir.core.storage import Store
    from weir.telemetry.pipeline.landing import land

    land({"Records": [stream_record("1")]}, Store.from_settings(settings))
    code, out = invoke("telemetry", "run", "--watch", "--max-runs", "1", "--json")
    assert code == 0
    assert json.loads(out)["files"] == 1
