"""Run records, freshness policies, durations and `weir status` / `GET /api/status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from weir.cli import app
from weir.core.durations import format_duration, parse_duration
from weir.core.errors import BadInputError
from weir.core.freshness import Freshness, FreshnessPolicy
from weir.core.runs import history, last_run, record_run, steps
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.server import create_app

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_durations() -> None:
    assert [
        parse_duration(t).total_seconds() for t in ("90", "30s", "5m", "2h", "1d", "250ms")
    ] == [
        90,
        30,
        300,
        7200,
        86400,
        0.25,
    ]
    with pytest.raises(BadInputError, match='invalid duration "2hours"'):
        parse_duration("2hours")
    with pytest.raises(BadInputError, match="longer than zero"):
        parse_duration("0s")
    assert parse_duration("0s", allow_zero=True) == timedelta(0)
    assert [format_duration(s) for s in (42, 300, 3720, 93600)] == ["42s", "5m", "1h 2m", "1d 2h"]


def test_freshness_policy() -> None:
    policy = FreshnessPolicy.parse("1h", "2h")
    assert [
        policy.evaluate(NOW - age, NOW)
        for age in (timedelta(minutes=59), timedelta(hours=1, minutes=1), timedelta(hours=3))
    ] == [Freshness.FRESH, Freshness.AGING, Freshness.STALE]
    assert policy.evaluate(None, NOW) is Freshness.UNKNOWN
    with pytest.raises(BadInputError, match="must be positive and shorter"):
        FreshnessPolicy.parse("2h", "1h")


def test_record_run_ok_skipped_failed(store: Store) -> None:
    with record_run(store, "dac", "publish") as run:
        run.counts["rows_read"] = 2880
    first = last_run(store, "dac", "publish")
    assert first is not None
    assert (first.status, first.counts, first.error) == ("ok", {"rows_read": 2880}, None)
    with record_run(store, "dac", "publish") as run:
        run.skip("no new data")
    with pytest.raises(BadInputError), record_run(store, "dac", "publish"):
        raise BadInputError("bad gold row", file="readings.parquet", row=3)
    failed = last_run(store, "dac", "publish")
    assert failed is not None
    assert (failed.status, failed.error) == (
        "failed",
        "bad gold row (file readings.parquet, row 3)",
    )
    assert [r.status for r in history(store, "dac", "publish")] == ["failed", "skipped", "ok"]
    assert steps(store) == [("dac", "publish")]
    assert last_run(store, "dac", "other") is None


def test_weir_status_cli_and_api(settings: Settings) -> None:
    store = Store.from_settings(settings)
    with record_run(store, "telemetry", "run") as run:
        run.counts["files"] = 3
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["system"], r["step"]): r for r in json.loads(result.stdout)}
    assert (rows[("telemetry", "run")]["status"], rows[("telemetry", "run")]["freshness"]) == (
        "ok",
        "fresh",
    )
    assert rows[("telemetry", "run")]["counts"] == {"files": 3}
    assert (rows[("mrv", "ingest")]["status"], rows[("mrv", "ingest")]["freshness"]) == (
        "never",
        "unknown",
    )
    with TestClient(create_app(settings, with_ui=False)) as client:
        body = client.get("/api/status").json()
    assert {(r["system"], r["step"], r["status"]) for r in body["steps"]} >= {
        ("telemetry", "run", "ok"),
        ("mrv", "ingest", "never"),
    }
