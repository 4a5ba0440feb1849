"""Check kinds used by the tests, registered by dotted path in test configs."""

from __future__ import annotations

import threading
import time

from weir.health.pipeline.checks.base import Check, CheckParams, Outcome

RELEASE = threading.Event()


class SleepParams(CheckParams):
    """How long to block."""

    seconds: float = 60.0


class Hang(Check):
    """Blocks a worker thread (a check stuck on I/O that ignores cancellation)."""

    Params = SleepParams

    def execute(self) -> Outcome:
        RELEASE.wait(self.params.seconds)  # type: ignore[attr-defined]
        return Outcome(True, "woke up")


class Boom(Check):
    """Raises an unexpected error."""

    def execute(self) -> Outcome:
        raise RuntimeError("disk on fire\nsecond line")


class FlagParams(CheckParams):
    """A file whose existence is the outcome."""

    flag: str


class Flag(Check):
    """Ok while a flag file exists (a switch the tests flip)."""

    Params = FlagParams

    def execute(self) -> Outcome:
        from pathlib import Path

        path = Path(self.context.base_dir) / self.params.flag  # type: ignore[attr-defined]
        time.sleep(0.001)
        return Outcome(path.exists(), f"flag {'up' if path.exists() else 'down'}")
