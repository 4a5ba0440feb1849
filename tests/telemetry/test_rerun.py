"""Reruns and counts: a re-landed batch is not a crash recovery, and ``run`` and ``status``
count rescued rows alike (retried copies and stale versions included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.telemetry.known import MS, record, signal, stream_record
from weir.cli import app
from weir.core.runs import history
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry import service
from weir.telemetry.pipeline import job
from weir.telemetry.pipeline.landing import land, replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

NOW = datetime(2025, 1, 16, tzinfo=UTC)
ONE_WORKER = TelemetrySettings(workers=1)


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("events")
    generate(out, events=2000, vehicles=20, seed=7)  # the demo's sample
    return out


@pytest.fixture(params=["file", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[Settings, Store]:
    settings = request.getfixturevalue("settings" if request.param == "file" else "s3_settings")
    return settings, Store.from_settings(settings)


def test_run_and_status_agree_on_rescued_rows(
    backend: tuple[Settings, Store], events: Path
) -> None:
    _, store = backend
    replay(events, store)
    summary = job.run(store, ONE_WORKER)
    state = service.status(store)
    assert summary.rescued_rows == state["rescued_rows"] == 39
    assert (summary.rows_in, summary.rows_merged) == (1962, 1920)  # 42 retried copies
    counted = service.query(
        store, "select count(*) as n from car_telemetry_flattened where _rescued_data is not null"
    )
    assert counted == [{"n": 39}]


def test_a_relanded_batch_is_archived_not_recovered(settings: Settings, events: Path) -> None:
    store = Store.from_settings(settings)
    replay(events, store)
    first = job.run(store, ONE_WORKER)
    assert (first.files, first.recovered, first.relanded) == (35, 0, 0)
    before = service.status(store)
    replay(events, store)  # the same batches land again (a replay, a Lambda retry)
    again = job.run(store, ONE_WORKER)
    assert (again.files, again.recovered, again.relanded, again.rows_merged) == (0, 0, 35, 0)
    assert list(store.list("telemetry/raw")) == []
    assert len(list(store.list("telemetry/archive"))) == 35
    after = service.status(store)
    assert after == before  # same table, and last_run is still the run that merged
    last = history(store, "telemetry", "run", limit=1)[0]
    assert (last.status, last.error) == (
        "skipped",
        "no new landed files under telemetry/raw; 35 already-merged files landed again and "
        "were archived",
    )


def test_cli_rerun_says_nothing_to_do(settings: Settings, events: Path) -> None:
    runner = CliRunner()
    environment = {"WEIR_TELEMETRY_WORKERS": "1", "COLUMNS": "80"}
    assert runner.invoke(app, ["telemetry", "replay", str(events)], env=environment).exit_code == 0
    first = runner.invoke(app, ["telemetry", "run", "--json"], env=environment)
    assert json.loads(first.stdout)["rescued_rows"] == 39
    runner.invoke(app, ["telemetry", "replay", str(events)], env=environment)
    again = runner.invoke(app, ["telemetry", "run"], env=environment)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [
        "nothing to do: no new landed files under telemetry/raw; 35 already-merged files "
        "landed again and were archived.",
        "To merge new data, land events with `weir telemetry replay DIR` (sample events: "
        "`weir sample telemetry`) or the stream handler on AWS Lambda, then run again.",
    ]
    assert "recovered" not in again.stdout + again.stderr


def _land(store: Store, *records: dict[str, Any]) -> None:
    land({"Records": list(records)}, store, now=NOW)


def test_rescued_rows_count_only_rows_written(settings: Settings) -> None:
    store = Store.from_settings(settings)
    conflict = [signal("Charge", "IsCharging", {"value": "yes"})]
    newest = record("e1", signals=conflict)
    newest["meta"]["deliveredAt"] = MS + 90_000
    _land(store, stream_record("1", item=record("e0")), stream_record("2", item=newest))
    assert job.run(store, ONE_WORKER).rescued_rows == 1
    stale = record("e1", signals=conflict)  # an older copy with rescued data arrives late
    stale["meta"]["deliveredAt"] = MS + 1_000
    twin = record("e2", signals=conflict)
    _land(store, stream_record("3", "MODIFY", item=stale), stream_record("4", item=twin))
    second = job.run(store, ONE_WORKER)
    assert (second.rows_in, second.inserted, second.updated, second.rescued_rows) == (2, 1, 0, 1)
    assert service.status(store)["rescued_rows"] == 2
