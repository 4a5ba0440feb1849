"""History in SQLite and PostgreSQL (Alembic), uptime, retention; webhook alerts against a
receiving server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.health.conftest import Receiver
from weir.core.db import current, discover_version_locations, make_engine
from weir.core.runs import last_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.health.models import CheckResult, ProcessView, Snapshot, Status
from weir.health.pipeline import history
from weir.health.pipeline.alerts import Alert
from weir.health.service import HealthService
from weir.health.settings import HealthSettings

KINDS = {"flag": "tests.health.kinds:Flag"}


def flag(check_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": check_id, "type": "flag", "flag": check_id, "interval": "1ms", **extra}


def snapshot(at: datetime, statuses: dict[str, Status]) -> Snapshot:
    processes = [
        ProcessView(id=p, name=p, group=None, status=s, checks=[]) for p, s in statuses.items()
    ]
    return Snapshot(
        pipeline="T", status=Status.HEALTHY, checked_at=at, processes=processes, counts={}
    )


def fresh(at: datetime, process: str = "a", ms: float = 10.0) -> list[CheckResult]:
    return [
        CheckResult(
            check_id=f"{process}_c",
            process_id=process,
            type="flag",
            ok=True,
            message="up",
            duration_ms=ms,
            checked_at=at,
        )
    ]


def exercise_history(url: str) -> None:
    engine = make_engine(url)
    history.ensure_migrated(engine)
    assert "health_0001" in current(url, discover_version_locations())
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    # 24 h: 3 up of 4 counted rounds (maintenance not counted); 7 d adds 4 failed rounds
    rounds = [
        (1, Status.HEALTHY),
        (2, Status.DEGRADED),
        (3, Status.FAILED),
        (4, Status.HEALTHY),
        (5, Status.MAINTENANCE),
    ]
    for hours, status in rounds:
        at = now - timedelta(hours=hours)
        history.record(engine, snapshot(at, {"a": status}), fresh(at, ms=10.0 * hours))
    for days in (2, 3, 4, 5):
        at = now - timedelta(days=days)
        history.record(engine, snapshot(at, {"a": Status.FAILED}), fresh(at))
    uptime = history.uptime(engine, "T", now)
    assert uptime["a"]["uptime"] == {"24h": 75.0, "7d": 37.5, "30d": 37.5}
    assert uptime["a"]["response_ms"] == {"mean": 30.0, "max": 50.0, "results": 5}
    rows = history.check_history(engine, "T", check_id="a_c", limit=2)
    assert [r["checked_at"] for r in rows] == [
        (now - timedelta(hours=1)).isoformat(),
        (now - timedelta(hours=2)).isoformat(),
    ]
    assert history.prune(engine, timedelta(days=3), now) == 2
    assert (
        history.uptime(engine, "T", now)["a"]["uptime"]["7d"] == 50.0
    )  # 3 up of 6 (days 2 and 3 kept)
    assert history.last_push(engine, "beat") is None
    history.push(engine, "beat", "ok", now)
    history.push(engine, "beat", "again", now + timedelta(minutes=1))
    assert history.last_push(engine, "beat") == now + timedelta(minutes=1)
    engine.dispose()


def test_history_and_uptime_on_sqlite(settings: Settings) -> None:
    exercise_history(settings.database_url)


@pytest.mark.postgres
def test_history_and_uptime_on_postgresql(pg_url: str) -> None:
    exercise_history(pg_url)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_alerts_on_transitions_suppressed_downstream(
    settings: Settings, tmp_path: Path, write_config: Callable[..., Path], receiver: Receiver
) -> None:
    slack = Receiver()
    config = write_config(
        {
            "pipeline": {"name": "Heli"},
            "check_types": KINDS,
            "processes": [
                {"id": "up", "name": "Upstream", "checks": [flag("u")]},
                {"id": "down", "name": "Downstream", "checks": [flag("d")]},
            ],
            "edges": [{"from": "up", "to": "down"}],
            "alerts": [
                {"url": receiver.url, "remind_every": "1h"},
                {"type": "slack", "url": slack.url, "send_on_resolved": False, "processes": ["up"]},
            ],
        }
    )
    (tmp_path / "u").touch()
    (tmp_path / "d").touch()
    health = HealthSettings(alert_retries=3)
    service = HealthService(settings, health, config)
    service.alerter.backoff = 0.01
    try:
        service.run_round()
        assert receiver.bodies == []
        (tmp_path / "u").unlink()
        (tmp_path / "d").unlink()
        receiver.fail = 2  # the first two attempts get HTTP 500: retried with backoff
        snap = service.run_round()
        assert snap.process("down").root_cause == "up"  # type: ignore[union-attr]
        wait_for(lambda: len(receiver.bodies) == 1 and len(slack.bodies) == 1)
        body = receiver.bodies[0]
        assert receiver.attempts == 3
        assert {k: body[k] for k in ("event", "pipeline", "process", "status", "message")} == {
            "event": "failed",
            "pipeline": "Heli",
            "process": {"id": "up", "name": "Upstream"},
            "status": "failed",
            "message": "u: flag down",
        }
        assert slack.bodies[0] == {"text": ":red_circle: Heli: *Upstream* FAILED — u: flag down"}
        service.run_round()  # still failing, reminder not due: nothing new
        (tmp_path / "u").touch()
        (tmp_path / "d").touch()
        service.run_round()
        wait_for(lambda: len(receiver.bodies) == 2)
        assert receiver.bodies[1]["event"] == "resolved"
        assert [b["process"]["id"] for b in receiver.bodies] == ["up", "up"]
        assert len(slack.bodies) == 1  # send_on_resolved false
        # history and the run record were written by the rounds
        rows = history.check_history(service.engine(), "Heli", check_id="u")
        assert [r["ok"] for r in rows] == [True, False, False, True]
        record = last_run(Store.from_settings(settings), "health", "round")
        assert record is not None
        assert record.counts["processes"] == 2
    finally:
        service.stop()
        slack.server.shutdown()


def test_reminders_and_undeliverable_alerts(
    settings: Settings, tmp_path: Path, write_config: Callable[..., Path], receiver: Receiver
) -> None:
    config = write_config(
        {
            "pipeline": {"name": "Heli"},
            "check_types": KINDS,
            "processes": [{"id": "up", "checks": [flag("u")]}],
            "alerts": [
                {"url": receiver.url, "remind_every": "1ms"},
                {"url": "http://127.0.0.1:9/closed"},
            ],
        }
    )
    service = HealthService(settings, HealthSettings(alert_retries=2), config)
    service.alerter.backoff = 0.01
    try:
        service.run_round()
        wait_for(lambda: len(receiver.bodies) == 1)
        service.run_round()
        wait_for(lambda: len(receiver.bodies) == 2)
        assert [b["event"] for b in receiver.bodies] == ["failed", "reminder"]
        dead = Alert(
            service.config.alerts[1],
            "failed",
            "Heli",
            service.snapshot.processes[0],
            datetime.now(UTC),
        )
        assert service.alerter.deliver(dead) is False
        assert {url for _, _, url in service.alerter.sent} == {receiver.url}
    finally:
        service.stop()
