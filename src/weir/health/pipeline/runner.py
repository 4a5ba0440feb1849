"""Run a round of checks: concurrently with a bound, each within its timeout, results reused
for their interval (TTL). A hung check becomes FAILED "timed out after 5s" and never delays the
others; a check that raises becomes a FAILED result with its message, never a crashed round.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from loguru import logger

from weir.core.durations import format_duration
from weir.core.errors import WeirError
from weir.health.models import CheckResult, CheckSpec, ProcessSpec
from weir.health.pipeline.checks.base import Check, CheckContext, Outcome
from weir.health.pipeline.config import LoadedConfig


class Runner:
    """Runs the checks of a config, keeping the last result of each for its interval.

    Args:
        context: What checks may use (its executor is replaced by the runner's own threads).
        concurrency: Checks running at once.
        default_timeout: Seconds a check without a timeout may take.
    """

    def __init__(self, context: CheckContext, concurrency: int, default_timeout: float) -> None:
        # blocking checks that hang keep their thread: leave room beyond the bound
        self.executor = ThreadPoolExecutor(concurrency * 2 + 4, thread_name_prefix="health-check")
        context.executor = self.executor
        self.context = context
        self.concurrency = concurrency
        self.default_timeout = default_timeout
        self.cache: dict[str, CheckResult] = {}
        self._hung: dict[str, Future[Outcome]] = {}

    def close(self) -> None:
        """Stop the threads (a hung blocking check is abandoned, not waited for)."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def fresh(self, spec: CheckSpec, now: float) -> CheckResult | None:
        """The cached result of `spec` while younger than its interval."""
        cached = self.cache.get(spec.id)
        if cached is None:
            return None
        age = now - cached.checked_at.timestamp()
        return cached if age < spec.interval.total_seconds() else None

    def run_round(self, loaded: LoadedConfig, *, force: bool = False) -> list[CheckResult]:
        """One round, blocking: every check's result (fresh or cached), in config order."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.run_round_async(loaded, force=force))
        # called inside a running loop (Jupyter, Playwright's sync API): run in a thread of its own
        with ThreadPoolExecutor(1, thread_name_prefix="health-round") as pool:
            return pool.submit(asyncio.run, self.run_round_async(loaded, force=force)).result()

    async def run_round_async(
        self, loaded: LoadedConfig, *, force: bool = False
    ) -> list[CheckResult]:
        """One round: run the checks whose cached result expired (all of them when `force`)."""
        semaphore = asyncio.Semaphore(self.concurrency)
        now = time.time()
        jobs = []
        for process, spec in loaded.config.checks():
            cached = None if force else self.fresh(spec, now)
            jobs.append(
                self._cached(cached) if cached else self._one(loaded, process, spec, semaphore)
            )
        results = list(await asyncio.gather(*jobs))
        self._hung = {k: f for k, f in self._hung.items() if not f.done()}
        for result in results:
            self.cache[result.check_id] = result
        return results

    async def _cached(self, result: CheckResult) -> CheckResult:
        return result

    async def _one(
        self,
        loaded: LoadedConfig,
        process: ProcessSpec,
        spec: CheckSpec,
        semaphore: asyncio.Semaphore,
    ) -> CheckResult:
        timeout = spec.timeout.total_seconds() if spec.timeout else self.default_timeout
        async with semaphore:
            started = time.perf_counter()
            outcome = await self._outcome(loaded, spec, timeout)
            elapsed = (time.perf_counter() - started) * 1000
        result = CheckResult(
            check_id=spec.id,
            process_id=process.id,
            type=spec.type,
            ok=outcome.ok,
            message=outcome.message,
            duration_ms=round(elapsed, 2),
            checked_at=datetime.now(UTC),
        )
        log = logger.bind(process=process.id, check=spec.id, duration_ms=result.duration_ms)
        if outcome.ok:
            log.debug("check {} ok: {}", spec.id, outcome.message)
        else:
            log.error("check {} failed: {}", spec.id, outcome.message)
        return result

    async def _outcome(self, loaded: LoadedConfig, spec: CheckSpec, timeout: float) -> Outcome:
        limit = format_duration(timeout) if timeout >= 1 else f"{timeout * 1000:.0f}ms"
        try:
            kind = loaded.registry.get(spec.type)
            check: Check = kind(spec, loaded.params[spec.id], self.context)
            if type(check).run is not Check.run:  # async kind: cancelled on timeout
                try:
                    return await asyncio.wait_for(check.run(), timeout)
                except TimeoutError:
                    return Outcome(False, f"timed out after {limit}")
            previous = self._hung.get(spec.id)
            if previous is not None and not previous.done():
                return Outcome(False, f"timed out after {limit} (still running from before)")
            future = self.executor.submit(check.execute)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
            except TimeoutError:  # a thread cannot be killed: remember it, never wait on it
                self._hung[spec.id] = future
                return Outcome(False, f"timed out after {limit}")
        except WeirError as exc:
            return Outcome(False, exc.message)
        except Exception as exc:
            logger.opt(exception=exc).debug("check {} raised", spec.id)
            text = str(exc).strip().splitlines()
            return Outcome(
                False, f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
            )
