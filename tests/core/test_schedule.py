"""The one schedule loop: once, every, watch, failures with backoff, clean stop on signals."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from weir.core.schedule import Stop, run_loop


def test_once_propagates_the_error() -> None:
    with pytest.raises(ValueError, match="boom"):
        run_loop(lambda: (_ for _ in ()).throw(ValueError("boom")))


def test_every_survives_failures_and_counts_them() -> None:
    calls: list[int] = []

    def tick() -> None:
        calls.append(len(calls))
        if len(calls) in (2, 3):
            raise OSError("store unreachable")

    result = run_loop(tick, every=0.0, max_runs=5, handle_signals=False)
    assert (result.ticks, result.failures, len(calls)) == (5, 2, 5)
    assert result.errors == ["store unreachable", "store unreachable"]


def test_backoff_after_consecutive_failures() -> None:
    stop = Stop()
    waits: list[float] = []
    original = stop.wait

    def record(seconds: float) -> bool:
        waits.append(round(seconds, 3))
        return original(0)

    stop.wait = record  # type: ignore[method-assign]

    def tick() -> None:
        raise OSError("down")

    run_loop(tick, every=0.01, max_runs=5, backoff_after=2, stop=stop, handle_signals=False)
    assert waits[1:] == [0.02, 0.04, 0.08]  # doubling from the second failure in a row


def test_watch_runs_only_when_there_is_work() -> None:
    pending = [False, False, True, False, True]
    ticks: list[int] = []
    result = run_loop(
        lambda: ticks.append(1),
        watch=lambda: pending.pop(0) if pending else False,
        poll=0.0,
        max_runs=2,
        handle_signals=False,
    )
    assert (result.ticks, pending) == (2, [])


def test_sigterm_stops_between_ticks() -> None:
    ticks: list[int] = []

    def tick() -> None:
        ticks.append(1)
        if len(ticks) == 2:
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()

    result = run_loop(tick, every=0.5)
    assert result.stopped_by == "SIGTERM"
    assert 2 <= result.ticks <= 3
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
