"""Alerts: webhooks (generic JSON or Slack-compatible) on status transitions.

One incident, one alert: a process failed because its upstream failed (it has a root cause) is
not alerted on; nothing is sent during maintenance. A process that turns FAILED sends
``failed``; one that stays failed sends ``reminder`` every ``remind_every``; one that recovers
sends ``resolved`` (when ``send_on_resolved``). Deliveries retry with exponential backoff
(tenacity) in worker threads, so a dead webhook never delays a round.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from weir.health.models import AlertSpec, PipelineConfig, ProcessView, Snapshot, Status


@dataclass
class Alert:
    """One message to one webhook."""

    spec: AlertSpec
    event: str  # failed, reminder, resolved
    pipeline: str
    process: ProcessView
    at: datetime

    def payload(self) -> dict[str, Any]:
        """The JSON body: generic, or Slack's ``{"text": …}``."""
        failing = [c for c in self.process.checks if c.status == Status.FAILED]
        message = "; ".join(f"{c.name}: {c.message}" for c in failing) or self.process.status
        if self.spec.type == "slack":
            icon = {"failed": ":red_circle:", "reminder": ":red_circle:"}.get(
                self.event, ":large_green_circle:"
            )
            verb = {"failed": "FAILED", "reminder": "still FAILED"}.get(self.event, "recovered")
            return {"text": f"{icon} {self.pipeline}: *{self.process.name}* {verb} — {message}"}
        return {
            "event": self.event,
            "pipeline": self.pipeline,
            "process": {"id": self.process.id, "name": self.process.name},
            "status": self.process.status.value,
            "message": message,
            "at": self.at.isoformat(),
        }


class Alerter:
    """Decides which alerts a snapshot calls for and delivers them.

    Args:
        timeout: Seconds per delivery attempt.
        retries: Attempts per delivery.
        backoff: First wait between attempts, in seconds (doubles each time).
    """

    def __init__(self, timeout: float = 5.0, retries: int = 3, backoff: float = 0.5) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.executor = ThreadPoolExecutor(4, thread_name_prefix="health-alert")
        self.failing: dict[tuple[int, str], datetime] = {}  # (alert index, process) → last sent
        # (event, process, url) of the latest deliveries, bounded for a long-running server
        self.sent: deque[tuple[str, str, str]] = deque(maxlen=1000)

    def close(self) -> None:
        """Finish deliveries in flight."""
        self.executor.shutdown(wait=True)

    def due(self, config: PipelineConfig, snapshot: Snapshot, now: datetime) -> list[Alert]:
        """The alerts `snapshot` calls for (and the alert state updated)."""
        alerts: list[Alert] = []
        for index, spec in enumerate(config.alerts):
            for process in snapshot.processes:
                if spec.processes and process.id not in spec.processes:
                    continue
                key = (index, process.id)
                if process.status == Status.MAINTENANCE:
                    continue
                own_failure = process.status == Status.FAILED and process.root_cause is None
                if own_failure and key not in self.failing:
                    self.failing[key] = now
                    alerts.append(Alert(spec, "failed", snapshot.pipeline, process, now))
                elif own_failure and spec.remind_every is not None:
                    if now - self.failing[key] >= spec.remind_every:
                        self.failing[key] = now
                        alerts.append(Alert(spec, "reminder", snapshot.pipeline, process, now))
                elif key in self.failing and process.status in (Status.HEALTHY, Status.DEGRADED):
                    del self.failing[key]
                    if spec.send_on_resolved:
                        alerts.append(Alert(spec, "resolved", snapshot.pipeline, process, now))
        return alerts

    def dispatch(self, config: PipelineConfig, snapshot: Snapshot) -> list[Future[bool]]:
        """Send what `snapshot` calls for, in the background; the futures say if each arrived."""
        return [
            self.executor.submit(self.deliver, alert)
            for alert in self.due(config, snapshot, datetime.now(UTC))
        ]

    def deliver(self, alert: Alert) -> bool:
        """POST one alert, retrying with exponential backoff; False when every attempt failed."""
        import httpx
        from tenacity import retry, stop_after_attempt, wait_exponential

        @retry(
            stop=stop_after_attempt(self.retries),
            wait=wait_exponential(multiplier=self.backoff, max=30),
            reraise=True,
        )
        def post() -> None:
            response = httpx.post(
                alert.spec.url,
                json=alert.payload(),
                headers=alert.spec.headers,
                timeout=self.timeout,
            )
            response.raise_for_status()

        try:
            post()
        except httpx.HTTPError as exc:
            logger.error(
                "alert {} for {} not delivered after {} attempts: {}",
                alert.event,
                alert.process.id,
                self.retries,
                exc,
            )
            return False
        self.sent.append((alert.event, alert.process.id, alert.spec.url))
        logger.info("alert {} for {} delivered", alert.event, alert.process.id)
        return True
