"""From check results to statuses: thresholds, severity, maintenance, upstream propagation.

A check's result counts as failed only after ``failure_threshold`` consecutive failures (PENDING
before that) and as recovered only after ``success_threshold`` consecutive successes. A process
is FAILED when a critical check failed, DEGRADED when only warnings failed, PENDING while a check
is on its way to failing, UNKNOWN before any result, MAINTENANCE inside a window. A failed
process whose upstream failed names the most upstream failed process as its root cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from weir.health.models import (
    CheckResult,
    CheckView,
    MaintenanceWindow,
    PipelineConfig,
    ProcessView,
    Severity,
    Snapshot,
    Status,
)

ORDER = [
    Status.FAILED,
    Status.DEGRADED,
    Status.PENDING,
    Status.UNKNOWN,
    Status.MAINTENANCE,
    Status.HEALTHY,
]


@dataclass
class _CheckState:
    failures: int = 0
    successes: int = 0
    failed: bool = False  # counted as failed (threshold reached, not yet recovered)
    last: datetime | None = None  # the result last counted (a cached result counts once)


def in_window(window: MaintenanceWindow, now: datetime) -> bool:
    """Whether `now` (UTC) is inside the window."""
    if window.start is not None and window.end is not None:
        start = window.start if window.start.tzinfo else window.start.replace(tzinfo=UTC)
        end = window.end if window.end.tzinfo else window.end.replace(tzinfo=UTC)
        return start <= now < end
    if window.daily is not None and window.duration is not None:
        today = datetime.combine(now.date(), window.daily, UTC)
        for start in (today - timedelta(days=1), today):
            if start <= now < start + window.duration:
                return True
    return False


def maintenance_reason(config: PipelineConfig, process_id: str, now: datetime) -> str | None:
    """The reason of the window `process_id` is in now, else None."""
    for window in config.maintenance:
        if (not window.processes or process_id in window.processes) and in_window(window, now):
            return window.reason or "maintenance"
    return None


def upstream(config: PipelineConfig) -> dict[str, set[str]]:
    """process id → the ids of the processes feeding it directly."""
    feeds: dict[str, set[str]] = {p.id: set() for p in config.processes}
    for edge in config.edges:
        feeds[edge.target].add(edge.source)
    return feeds


def root_cause(process_id: str, failed: set[str], feeds: dict[str, set[str]]) -> str | None:
    """The most upstream failed ancestor of `process_id` (None when no ancestor failed)."""
    seen: set[str] = set()
    frontier = [process_id]
    found: str | None = None
    while frontier:  # breadth first: the last failed ancestor reached is the furthest one
        nxt = []
        for node in frontier:
            for parent in sorted(feeds.get(node, ())):
                if parent in seen or parent == process_id:
                    continue
                seen.add(parent)
                if parent in failed:
                    found = parent
                nxt.append(parent)
        frontier = nxt
    return found


def overall(statuses: list[Status]) -> Status:
    """The pipeline's status: the worst of its processes (maintenance and unknown count as
    healthy when anything ran)."""
    if not statuses or all(s == Status.UNKNOWN for s in statuses):
        return Status.UNKNOWN
    for status in (Status.FAILED, Status.DEGRADED, Status.PENDING):
        if status in statuses:
            return status
    return Status.HEALTHY


class StatusTracker:
    """Keeps each check's consecutive counts and each process's status between rounds."""

    def __init__(self) -> None:
        self.checks: dict[str, _CheckState] = {}
        self.since: dict[str, tuple[Status, datetime]] = {}
        self.rounds = 0

    def _check_status(self, spec_threshold: tuple[int, int], result: CheckResult) -> _CheckState:
        failure_threshold, success_threshold = spec_threshold
        state = self.checks.setdefault(result.check_id, _CheckState())
        if state.last == result.checked_at:
            return state
        state.last = result.checked_at
        if result.ok:
            state.successes += 1
            state.failures = 0
            if state.failed and state.successes >= success_threshold:
                state.failed = False
        else:
            state.failures += 1
            state.successes = 0
            if state.failures >= failure_threshold:
                state.failed = True
        return state

    def update(
        self,
        config: PipelineConfig,
        results: list[CheckResult],
        now: datetime | None = None,
        *,
        new_round: bool = True,
    ) -> Snapshot:
        """Fold a round's results into the statuses (a cached result is counted once;
        `new_round` False: a redraw after a config change, not a round)."""
        now = now or datetime.now(UTC)
        self.rounds += int(new_round)
        fresh = {r.check_id: r for r in results}
        views: list[ProcessView] = []
        for process in config.processes:
            checks = []
            for spec in process.checks:
                result = fresh.get(spec.id)
                if result is None:
                    checks.append(_view(spec.id, spec.label, spec.type, spec.severity))
                    continue
                thresholds = (spec.failure_threshold, spec.success_threshold)
                state = self._check_status(thresholds, result)
                if state.failed:
                    status = (
                        Status.FAILED if spec.severity == Severity.CRITICAL else Status.DEGRADED
                    )
                elif not result.ok:
                    status = Status.PENDING
                else:
                    status = Status.HEALTHY
                checks.append(
                    CheckView(
                        id=spec.id,
                        name=spec.label,
                        type=spec.type,
                        severity=spec.severity,
                        status=status,
                        message=result.message,
                        duration_ms=result.duration_ms,
                        checked_at=result.checked_at,
                        consecutive_failures=state.failures,
                    )
                )
            reason = maintenance_reason(config, process.id, now)
            status = Status.MAINTENANCE if reason else _process_status([c.status for c in checks])
            views.append(
                ProcessView(
                    id=process.id,
                    name=process.label,
                    group=process.group,
                    status=status,
                    checks=checks,
                    maintenance=reason,
                )
            )
        feeds = upstream(config)
        failed = {v.id for v in views if v.status == Status.FAILED}
        for view in views:
            if view.status == Status.FAILED:
                view.root_cause = root_cause(view.id, failed, feeds)
            previous = self.since.get(view.id)
            if previous is None or previous[0] != view.status:
                self.since[view.id] = (view.status, now)
            view.since = self.since[view.id][1]
        statuses = [v.status for v in views]
        counts = {status.value: statuses.count(status) for status in Status}
        checked = [r.checked_at for r in results]
        return Snapshot(
            pipeline=config.pipeline.name,
            status=overall(statuses),
            checked_at=max(checked) if checked else None,
            processes=views,
            counts=counts,
            round=self.rounds,
        )


def _view(check_id: str, name: str, kind: str, severity: Severity) -> CheckView:
    return CheckView(
        id=check_id,
        name=name,
        type=kind,
        severity=severity,
        status=Status.UNKNOWN,
        message="not run yet",
        duration_ms=None,
        checked_at=None,
    )


def _process_status(checks: list[Status]) -> Status:
    if not checks or all(s == Status.UNKNOWN for s in checks):
        return Status.UNKNOWN
    for status in (Status.FAILED, Status.DEGRADED, Status.PENDING):
        if status in checks:
            return status
    return Status.HEALTHY
