"""One schedule loop for every ``--every 5m`` / ``--watch`` / ``--max-runs`` command.

A tick that fails is logged (the step records its own failed run) and the loop goes on; after
`backoff_after` consecutive failures the wait grows exponentially up to `max_backoff`. SIGINT and
SIGTERM stop the loop between ticks (a tick in progress finishes first).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from loguru import logger


@dataclass
class LoopResult:
    """What the loop did: ticks run, failed, and why it stopped."""

    ticks: int = 0
    failures: int = 0
    stopped_by: str = "done"
    errors: list[str] = field(default_factory=list)


class Stop:
    """A stop flag set by SIGINT/SIGTERM (or by code), waited on instead of sleeping."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str = "stopped") -> None:
        """Ask the loop to stop before its next tick."""
        self.reason = reason
        self._event.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when a stop was asked for."""
        return self._event.wait(max(seconds, 0.0))

    @property
    def is_set(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()


def run_loop(
    tick: Callable[[], Any],
    *,
    every: float | None = None,
    watch: Callable[[], bool] | None = None,
    poll: float = 2.0,
    max_runs: int | None = None,
    backoff_after: int = 3,
    max_backoff: float = 600.0,
    stop: Stop | None = None,
    handle_signals: bool = True,
) -> LoopResult:
    """Run `tick` once, on a schedule, or whenever `watch` says there is work.

    Args:
        tick: One unit of work. Without `every` and `watch` it runs once and its error
            propagates; in a loop an error is logged and counted.
        every: Seconds between the starts of ticks.
        watch: Cheap predicate polled every `poll` seconds; a tick runs when it is True.
        poll: Seconds between `watch` polls.
        max_runs: Stop after this many ticks.
        backoff_after: Consecutive failures after which the wait doubles per failure.
        max_backoff: Longest wait after failures, in seconds.
        stop: A stop flag (one is made, and wired to SIGINT/SIGTERM, when omitted).
        handle_signals: Install SIGINT/SIGTERM handlers (main thread only).
    """
    result = LoopResult()
    if every is None and watch is None:
        tick()
        result.ticks = 1
        return result
    stop = stop or Stop()
    restore = _install_signals(stop) if handle_signals else {}
    consecutive = 0
    try:
        while not stop.is_set:
            if watch is not None and not _watch(watch):
                if stop.wait(poll):
                    break
                continue
            started = _now()
            try:
                tick()
                consecutive = 0
            except Exception as exc:
                consecutive += 1
                result.failures += 1
                result.errors.append(str(exc) or type(exc).__name__)
                logger.opt(exception=exc).error("scheduled run failed ({} in a row)", consecutive)
            result.ticks += 1
            if max_runs is not None and result.ticks >= max_runs:
                break
            wait = (every - (_now() - started)) if every is not None else poll
            if consecutive >= backoff_after:
                base = every if every is not None else poll
                wait = min(max_backoff, base * 2 ** (consecutive - backoff_after + 1))
                logger.warning("backing off {:.0f}s after {} failures", wait, consecutive)
            if stop.wait(wait):
                break
    finally:
        for signum, handler in restore.items():
            signal.signal(signum, handler)
    result.stopped_by = stop.reason or ("max_runs" if max_runs else "done")
    return result


def _watch(watch: Callable[[], bool]) -> bool:
    try:
        return watch()
    except Exception as exc:  # a transient listing error is not fatal to a watcher
        logger.warning("watch check failed: {}", exc)
        return False


def _now() -> float:
    import time

    return time.monotonic()


def _install_signals(stop: Stop) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.info("{} received: stopping after the current run", signal.Signals(signum).name)
        stop.set(signal.Signals(signum).name)

    return {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
