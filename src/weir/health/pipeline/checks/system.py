"""``process`` (a running process by name), ``command`` (exit status) and ``heartbeat`` (a job
pushes ``POST /api/health/v1/push/{check_id}``; failed when silent longer than ``max_age``)."""

from __future__ import annotations

import asyncio
import shlex
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from weir.core.durations import format_duration
from weir.health.models import Duration
from weir.health.pipeline.checks.base import Check, CheckParams, Outcome


class ProcessParams(CheckParams):
    """``match``: the process name (or, with ``cmdline: true``, text its command line
    contains); ``min_count``."""

    match: str
    min_count: int = 1
    cmdline: bool = False


class ProcessRunning(Check):
    """At least ``min_count`` processes of that name run on this machine."""

    Params = ProcessParams

    def execute(self) -> Outcome:
        """Scan the process table with psutil."""
        import psutil  # type: ignore[import-untyped]

        params = self.params
        assert isinstance(params, ProcessParams)
        count = 0
        for process in psutil.process_iter(["name", "cmdline"]):
            info = process.info
            if info.get("name") == params.match or (
                params.cmdline and params.match in " ".join(info.get("cmdline") or [])
            ):
                count += 1
        ok = count >= params.min_count
        return Outcome(ok, f"{count} processes named {params.match} (need {params.min_count})")


class CommandParams(CheckParams):
    """``command`` (a list, or a string split like a shell) and the ``expect_exit`` code."""

    command: list[str] | str
    expect_exit: int = 0


class Command(Check):
    """A command exits with the expected code (killed on timeout)."""

    Params = CommandParams

    async def run(self) -> Outcome:
        """Run the command without a shell; its last output line becomes the message."""
        params = self.params
        assert isinstance(params, CommandParams)
        argv = shlex.split(params.command) if isinstance(params.command, str) else params.command
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self.context.base_dir,
            )
        except OSError as exc:
            return Outcome(False, f"cannot run {argv[0]}: {exc.strerror or exc}")
        try:
            output, _ = await process.communicate()
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        lines = output.decode(errors="replace").strip().splitlines()
        tail = f": {lines[-1][:200]}" if lines else ""
        code = process.returncode
        return Outcome(code == params.expect_exit, f"exit {code}{tail}")


class HeartbeatParams(CheckParams):
    """``max_age`` of the last push; an optional ``token`` the push must carry (else
    ``WEIR_HEALTH_PUSH_TOKEN``)."""

    max_age: Duration
    token: SecretStr | None = None


class Heartbeat(Check):
    """A job pushed within ``max_age`` (Gatus external endpoints, Kuma push monitors)."""

    Params = HeartbeatParams

    def execute(self) -> Outcome:
        """Compare the last push time with ``max_age``."""
        params = self.params
        assert isinstance(params, HeartbeatParams)
        last = self.context.heartbeat(self.spec.id)
        if last is None:
            return Outcome(False, "no push received yet")
        age = max(datetime.now(UTC) - last, timedelta(0))
        text = f"last push {format_duration(age)} ago"
        if age > params.max_age:
            return Outcome(False, f"{text} (max {format_duration(params.max_age)})")
        return Outcome(True, text)
