"""Rounds: timeouts, errors, TTL cache; statuses: thresholds, severity, maintenance,
propagation with root cause."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.health.kinds import RELEASE
from weir.core.settings import Settings
from weir.health.models import CheckResult, Status
from weir.health.pipeline.checks.base import CheckContext
from weir.health.pipeline.config import load_config
from weir.health.pipeline.runner import Runner
from weir.health.pipeline.status import StatusTracker, in_window

KINDS = {
    "hang": "tests.health.kinds:Hang",
    "boom": "tests.health.kinds:Boom",
    "flag": "tests.health.kinds:Flag",
}


def flag(check_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": check_id, "type": "flag", "flag": check_id, "interval": "1ms", **extra}


def runner_for(settings: Settings, base: Path, concurrency: int = 8) -> Runner:
    return Runner(CheckContext(settings, base, lambda _id: None), concurrency, 5.0)


def test_hung_checks_time_out_without_delaying_others(
    settings: Settings, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    checks = [{"id": f"hung{i}", "type": "hang", "timeout": "1s"} for i in range(10)]
    checks += [flag(f"ok{i}") for i in range(40)]
    checks.append({"id": "boom", "type": "boom"})
    for i in range(40):
        (tmp_path / f"ok{i}").touch()
    loaded = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": [{"id": "p", "checks": checks}],
            }
        )
    )
    runner = runner_for(settings, tmp_path, concurrency=16)
    RELEASE.clear()
    try:
        started = time.perf_counter()
        results = {r.check_id: r for r in runner.run_round(loaded)}
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0  # 10 hung checks with a 1 s timeout: one timeout, not ten
        assert results["hung3"].message == "timed out after 1s"
        assert not results["hung3"].ok
        assert 1000 <= results["hung3"].duration_ms < 1500
        assert all(results[f"ok{i}"].ok for i in range(40))
        assert results["boom"].message == "RuntimeError: disk on fire"
        again = {r.check_id: r for r in runner.run_round(loaded, force=True)}
        assert again["hung3"].message == "timed out after 1s (still running from before)"
        assert again["hung3"].duration_ms < 100
    finally:
        RELEASE.set()
        runner.close()


def test_results_are_cached_for_their_interval(
    settings: Settings, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    (tmp_path / "a").touch()
    loaded = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": [
                    {"id": "p", "checks": [flag("a", interval="1h"), flag("b", interval="1ms")]}
                ],
            }
        )
    )
    runner = runner_for(settings, tmp_path)
    try:
        first = {r.check_id: r for r in runner.run_round(loaded)}
        (tmp_path / "a").unlink()
        (tmp_path / "b").touch()
        time.sleep(0.01)
        second = {r.check_id: r for r in runner.run_round(loaded)}
        assert second["a"] is first["a"]
        assert second["a"].ok
        assert second["b"].ok
        assert not first["b"].ok
        forced = {r.check_id: r for r in runner.run_round(loaded, force=True)}
        assert not forced["a"].ok
    finally:
        runner.close()


def result(check_id: str, ok: bool, at: datetime, process: str = "p") -> CheckResult:
    return CheckResult(
        check_id=check_id,
        process_id=process,
        type="flag",
        ok=ok,
        message="up" if ok else "down",
        duration_ms=1.0,
        checked_at=at,
    )


def test_thresholds_severity_and_recovery(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": [
                    {"id": "p", "checks": [flag("crit", failure_threshold=2, success_threshold=2)]},
                    {"id": "q", "checks": [flag("warn", severity="warning")]},
                ],
            }
        )
    ).config
    tracker = StatusTracker()
    t0 = datetime(2026, 11, 26, 10, tzinfo=UTC)
    states = []
    pattern = [True, False, False, True, True]
    for n, ok in enumerate(pattern):
        at = t0 + timedelta(seconds=n)
        snap = tracker.update(config, [result("crit", ok, at), result("warn", ok, at, "q")], at)
        states.append((snap.process("p").status, snap.process("q").status))  # type: ignore[union-attr]
    assert states == [
        (Status.HEALTHY, Status.HEALTHY),
        (Status.PENDING, Status.DEGRADED),  # first failure: below the threshold of 2
        (Status.FAILED, Status.DEGRADED),
        (Status.FAILED, Status.HEALTHY),  # one success: below the success threshold of 2
        (Status.HEALTHY, Status.HEALTHY),
    ]
    # a cached result (same checked_at) is not counted twice
    at = t0 + timedelta(seconds=10)
    tracker.update(config, [result("crit", False, at)], at)
    snap = tracker.update(config, [result("crit", False, at)], at)
    assert snap.process("p").status == Status.PENDING  # type: ignore[union-attr]
    assert snap.process("p").checks[0].consecutive_failures == 1  # type: ignore[union-attr]


def test_unknown_before_any_result_and_overall(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": [{"id": "p", "checks": [flag("a")]}, {"id": "q"}],
            }
        )
    ).config
    snap = StatusTracker().update(config, [])
    assert snap.status == Status.UNKNOWN
    assert snap.process("p").checks[0].message == "not run yet"  # type: ignore[union-attr]
    assert snap.counts == {
        "healthy": 0,
        "failed": 0,
        "degraded": 0,
        "pending": 0,
        "unknown": 2,
        "maintenance": 0,
    }


def test_propagation_names_the_most_upstream_failure(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    processes = [{"id": x, "checks": [flag(x)]} for x in "abcde"]
    edges = [
        {"from": "a", "to": "b"},
        {"from": "b", "to": "c"},
        {"from": "c", "to": "d"},
        {"from": "e", "to": "d"},
    ]
    config = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": processes,
                "edges": edges,
            }
        )
    ).config
    now = datetime.now(UTC)
    down = {"b", "c", "d"}
    snap = StatusTracker().update(config, [result(x, x not in down, now, x) for x in "abcde"])
    causes = {p.id: (p.status.value, p.root_cause) for p in snap.processes}
    assert causes == {
        "a": ("healthy", None),
        "b": ("failed", None),  # the incident
        "c": ("failed", "b"),
        "d": ("failed", "b"),
        "e": ("healthy", None),
    }


def test_maintenance_windows(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    now = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    config = load_config(
        write_config(
            {
                "pipeline": {"name": "T"},
                "check_types": KINDS,
                "processes": [
                    {"id": "p", "checks": [flag("a")]},
                    {"id": "q", "checks": [flag("b")]},
                ],
                "maintenance": [
                    {
                        "daily": "02:00",
                        "duration": "1h",
                        "processes": ["p"],
                        "reason": "nightly backup",
                    }
                ],
            }
        )
    ).config
    snap = StatusTracker().update(
        config, [result("a", False, now), result("b", False, now, "q")], now
    )
    assert snap.process("p").status == Status.MAINTENANCE  # type: ignore[union-attr]
    assert snap.process("p").maintenance == "nightly backup"  # type: ignore[union-attr]
    assert snap.process("q").status == Status.FAILED  # type: ignore[union-attr]
    window = config.maintenance[0]
    assert in_window(window, datetime(2026, 11, 26, 2, 59, tzinfo=UTC))
    assert not in_window(window, datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    assert not in_window(window, datetime(2026, 11, 26, 1, 59, tzinfo=UTC))


def test_a_round_inside_a_running_event_loop(
    settings: Settings, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    import asyncio

    (tmp_path / "a").touch()
    loaded = load_config(
        write_config(
            {"pipeline": {"name": "T"}, "check_types": KINDS,
             "processes": [{"id": "p", "checks": [flag("a")]}]}
        )
    )  # fmt: skip
    runner = runner_for(settings, tmp_path)

    async def inside() -> list[CheckResult]:
        return runner.run_round(loaded)  # as from a notebook cell or Playwright's sync API

    try:
        [result] = asyncio.run(inside())
        assert (result.ok, result.message) == (True, "flag up")
    finally:
        runner.close()
