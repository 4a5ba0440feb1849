"""Data contracts of the health system: the pipeline config file and the status it produces.

The config is validated in :mod:`weir.health.config` (every problem in one pass); these models
define its shape. Durations are written ``30s``, ``5m``, ``2h`` (``weir.core.durations``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from weir.core.durations import format_duration, parse_duration
from weir.core.errors import BadInputError


def _duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except BadInputError as exc:
        raise ValueError(exc.message) from None


#: A duration field: ``30s``, ``5m``, ``2h``, ``7d`` or a number of seconds.
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(lambda value: format_duration(value).replace(" ", ""), return_type=str),
]


class Status(StrEnum):
    """Status of a check, a process or the whole pipeline."""

    HEALTHY = "healthy"
    FAILED = "failed"
    DEGRADED = "degraded"
    PENDING = "pending"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


class Severity(StrEnum):
    """What a failed check does to its process: FAILED (critical) or DEGRADED (warning)."""

    CRITICAL = "critical"
    WARNING = "warning"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PipelineInfo(_Strict):
    """The ``pipeline:`` block: name and drawing direction."""

    name: str = Field(min_length=1, max_length=200)
    direction: Literal["LR", "RL", "TB", "TD", "BT"] = "LR"
    description: str | None = None


class CheckSpec(BaseModel):
    """One health check of a process. Fields beyond these are the kind's own parameters.

    Attributes:
        id: Unique in the pipeline (the push endpoint names it).
        type: A check kind (``file_fresh``, ``http`` …) or a custom kind.
        name: Label in the diagram (default: the id).
        severity: ``critical`` (its failure fails the process) or ``warning`` (degrades it).
        interval: How long a result is reused before the check runs again.
        timeout: How long the check may run (default: ``WEIR_HEALTH_DEFAULT_TIMEOUT``).
        failure_threshold: Consecutive failures before the check counts as failed (PENDING
            before that).
        success_threshold: Consecutive successes before a failed check counts as recovered.
    """

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1)
    name: str | None = None
    severity: Severity = Severity.CRITICAL
    interval: Duration = timedelta(seconds=30)
    timeout: Duration | None = None
    failure_threshold: int = Field(1, ge=1, le=100)
    success_threshold: int = Field(1, ge=1, le=100)
    description: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The kind's own parameters (every field not declared above)."""
        return dict(self.model_extra or {})

    @property
    def label(self) -> str:
        """What the diagram shows."""
        return self.name or self.id


class ProcessSpec(_Strict):
    """One stage of the pipeline."""

    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    group: str | None = None
    description: str | None = None
    checks: list[CheckSpec] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """What the diagram shows."""
        return self.name or self.id


class EdgeSpec(_Strict):
    """Data flowing from one process to another."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    label: str | None = None


class MaintenanceWindow(_Strict):
    """A time when failures are expected: no FAILED, no alerts.

    Either ``start`` and ``end`` (ISO 8601 times), or ``daily`` (``"02:00"``, UTC) with
    ``duration``. ``processes`` empty means every process.
    """

    processes: list[str] = Field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    daily: time | None = None
    duration: Duration | None = None
    reason: str | None = None


class AlertSpec(_Strict):
    """A webhook told about transitions (failed, resolved, reminders)."""

    type: Literal["webhook", "slack"] = "webhook"
    url: str = Field(pattern=r"^https?://")
    send_on_resolved: bool = True
    remind_every: Duration | None = None
    processes: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)


class PipelineConfig(_Strict):
    """A whole config file."""

    pipeline: PipelineInfo
    processes: list[ProcessSpec] = Field(min_length=1)
    edges: list[EdgeSpec] = Field(default_factory=list)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    alerts: list[AlertSpec] = Field(default_factory=list)
    check_types: dict[str, str] = Field(default_factory=dict)

    def process(self, process_id: str) -> ProcessSpec:
        """The process with this id (KeyError when none)."""
        for process in self.processes:
            if process.id == process_id:
                return process
        raise KeyError(process_id)

    def checks(self) -> list[tuple[ProcessSpec, CheckSpec]]:
        """Every check with its process, in config order."""
        return [(process, check) for process in self.processes for check in process.checks]


# --- results and status ---------------------------------------------------------------------


class CheckResult(BaseModel):
    """One run of one check (HealthCheckResult of the seed)."""

    check_id: str
    process_id: str
    type: str
    ok: bool
    message: str
    duration_ms: float
    checked_at: datetime


class CheckView(BaseModel):
    """A check in the status: its last result and what it means for its process."""

    id: str
    name: str
    type: str
    severity: Severity
    status: Status
    message: str
    duration_ms: float | None
    checked_at: datetime | None
    consecutive_failures: int = 0


class ProcessView(BaseModel):
    """A process in the status.

    Attributes:
        root_cause: For a failed process whose upstream failed: the most upstream failed
            process (its alert is suppressed; one incident, one alert).
        maintenance: The reason of the maintenance window it is in.
    """

    id: str
    name: str
    group: str | None
    status: Status
    checks: list[CheckView]
    root_cause: str | None = None
    maintenance: str | None = None
    since: datetime | None = None


class Snapshot(BaseModel):
    """The status of a pipeline after a round of checks."""

    pipeline: str
    status: Status
    checked_at: datetime | None
    processes: list[ProcessView]
    counts: dict[str, int]
    config_error: str | None = None
    round: int = 0

    def process(self, process_id: str) -> ProcessView | None:
        """The process with this id, if any."""
        return next((p for p in self.processes if p.id == process_id), None)
