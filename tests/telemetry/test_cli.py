"""``weir telemetry …`` and ``weir sample telemetry`` through the root command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.cli import app
from weir.core.settings import Settings
from weir.telemetry.cli import demo
from weir.telemetry.settings import TelemetrySettings

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


def invoke_err(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.stderr.split())


def test_bad_input_exits_2_with_what_and_where(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert invoke_err("telemetry", "replay", str(missing)) == (
        2,
        f"error: no such file or folder (file {missing})",
    )
    good, bad = tmp_path / "a.json", tmp_path / "b.json"
    good.write_text('{"Records": []}')
    bad.write_text('{"Records": 5}')
    assert invoke_err("telemetry", "replay", str(tmp_path)) == (
        2,
        f"error: event has no Records list (file {bad}, field Records)",
    )
    broken = tmp_path / "c.json"
    broken.write_text("{nope")
    code, err = invoke_err("telemetry", "replay", str(broken))
    assert code == 2
    assert err.startswith("error: not valid JSON: ")
    assert err.endswith(f"(file {broken})")
    assert invoke_err("telemetry", "query", "select 1") == (
        2,
        "error: no telemetry tables yet: land events with `weir telemetry replay DIR`, then run "
        "`weir telemetry run`",
    )
    assert invoke_err("telemetry", "run", "--engine", "flink") == (
        2,
        "error: unknown engine 'flink': use local or spark",
    )
    assert invoke_err("telemetry", "run", "--every", "5m", "--watch") == (
        2,
        "error: use either --every (a schedule) or --watch (new files)",
    )
    assert invoke("telemetry", "run", "--workers", "0")[0] == 2
    assert invoke("sample", "telemetry", "--events", "-5")[0] == 2
    assert invoke_err("sample", "telemetry", "--out", str(good)) == (
        2,
        f"error: --out must be a folder, not a file (file {good})",
    )


def test_query_json_is_strict_json(settings: Settings) -> None:
    from tests.telemetry.known import stream_record
    from weir.core.storage import Store
    from weir.telemetry.pipeline import job
    from weir.telemetry.pipeline.landing import land

    store = Store.from_settings(settings)
    land({"Records": [stream_record("1")]}, store)
    job.run(store, TelemetrySettings(workers=1))
    code, out = invoke(
        "telemetry",
        "query",
        "select 'inf'::double as x, recorded_at, event_id from car_telemetry_flattened",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [
        {"x": None, "recorded_at": "2025-01-15T10:00:00+00:00", "event_id": "ev-1"}
    ]
    code, err = invoke_err("telemetry", "query", "select * from nowhere")
    assert code == 2
    assert err.startswith("error: query failed: Catalog Error: Table with name nowhere does not")


def test_sample_replaces_its_earlier_files(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "events"
    assert invoke("sample", "telemetry", "--out", str(out), "--events", "500")[0] == 0
    many = len(list(out.glob("events-*.json")))
    assert invoke("sample", "telemetry", "--out", str(out), "--events", "50")[0] == 0
    assert many > 5
    assert len(list(out.glob("events-*.json"))) == 1


@pytest.mark.usefixtures("one_worker")
def test_run_every_repeats(settings: Settings) -> None:
    code, out = invoke("telemetry", "run", "--every", "0s", "--max-runs", "2", "--json")
    assert code == 0
    assert [json.loads(line)["files"] for line in out.splitlines()] == [0, 0]


@pytest.mark.usefixtures("one_worker")
def test_demo_summary(settings: Settings) -> None:
    summary = demo(settings, settings.home / "samples" / "telemetry")
    assert summary["records"] == 2000
    assert summary["dead_lettered"] == 13
    assert summary["rows"] == 1920
    assert summary["vehicles"] == 20
    assert summary["table_version"] == 0


@pytest.mark.usefixtures("one_worker")
def test_watch_picks_up_files_as_they_land(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from tests.telemetry.known import stream_record
    from weir.core.storage import Store
    from weir.telemetry import cli as telemetry_cli
    from weir.telemetry.pipeline.landing import land

    monkeypatch.setattr(telemetry_cli, "WATCH_POLL_SECONDS", 0.1)
    store = Store.from_settings(settings)
    # the file lands only after the watcher started and found nothing to do
    timer = threading.Timer(1.0, lambda: land({"Records": [stream_record("1")]}, store))
    timer.start()
    code, out = invoke("telemetry", "run", "--watch", "--max-runs", "1", "--json")
    timer.join()
    assert code == 0
    summary = json.loads(out)
    assert (summary["files"], summary["rows_merged"], summary["archived"]) == (1, 1, 1)
    assert list(store.list("telemetry/raw")) == []


@pytest.mark.usefixtures("settings")
def test_run_makes_jemalloc_return_freed_memory_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    assert invoke("telemetry", "run", "--json")[0] == 0
    # the last value wins (polars puts its own defaults first when imported); workers inherit it
    assert os.environ["_RJEM_MALLOC_CONF"].split(",")[-1] == "dirty_decay_ms:100"
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:5000")
    assert invoke("telemetry", "run", "--json")[0] == 0
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:5000"
