"""The read and run side used by the API, the Streamlit page's server and the CLI.

A :class:`HealthService` holds the running config (hot-reloaded: a changed file is validated
and an invalid one keeps the running config, reported in ``/status`` and the log), runs rounds
(results to history, alerts, the diagram re-rendered off the request path), and answers reads
from the last snapshot in memory.
"""

from __future__ import annotations

import hmac
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from weir.core.errors import NotFoundError, UnauthorizedError
from weir.core.settings import Settings
from weir.health.errors import InvalidConfigError
from weir.health.models import CheckResult, PipelineConfig, Snapshot, Status
from weir.health.pipeline import history
from weir.health.pipeline.alerts import Alerter
from weir.health.pipeline.checks.base import CheckContext
from weir.health.pipeline.config import LoadedConfig, load_config
from weir.health.pipeline.diagram import MermaidGenerator
from weir.health.pipeline.render import SvgCache, fallback_svg
from weir.health.pipeline.runner import Runner
from weir.health.pipeline.status import StatusTracker
from weir.health.settings import HealthSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine

RUN_RECORD_EVERY = 60.0
PRUNE_EVERY = 3600.0


class HealthService:
    """One pipeline config watched: rounds, status, history, alerts, diagram.

    Args:
        settings: weir's settings (store, database).
        health: Health settings.
        config_path: The config file (default ``WEIR_HEALTH_CONFIG``).
        record: Write history, alerts and run records (``weir health check`` does not).
    """

    def __init__(
        self,
        settings: Settings,
        health: HealthSettings | None = None,
        config_path: Path | None = None,
        *,
        record: bool = True,
    ) -> None:
        self.settings = settings
        self.health = health or HealthSettings()
        self.path = Path(config_path or self.health.config)
        self.record = record
        self.loaded: LoadedConfig | None = None
        self.config_error: str | None = None
        self._mtime: float | None = None
        self._engine: Engine | None = None
        self._pushes: dict[str, datetime] = {}
        self.tracker = StatusTracker()
        self.alerter = Alerter(self.health.alert_timeout, self.health.alert_retries)
        self.svgs = SvgCache(self.health.svg_renderer)
        self.generator = MermaidGenerator(self.health.collapse_over)
        context = CheckContext(settings, self.path.parent.absolute(), self._last_push)
        self.runner = Runner(context, self.health.concurrency, self.health.default_timeout)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_run_record = 0.0
        self._last_prune = 0.0
        self.diagram_text = ""
        self.render_svg = False  # the server renders on each change; the CLI only when asked
        self.snapshot: Snapshot = Snapshot(
            pipeline="", status=Status.UNKNOWN, checked_at=None, processes=[], counts={}
        )
        self.reload(force=True)

    # --- config -----------------------------------------------------------------------------

    def reload(self, *, force: bool = False) -> bool:
        """Load the config file when it changed; True when a new config is running."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            mtime = None
        if not force and mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            loaded = load_config(self.path)
        except InvalidConfigError as exc:
            self.config_error = exc.message
            logger.error("health config not loaded, keeping the running one: {}", exc.message)
            self.snapshot = self.snapshot.model_copy(update={"config_error": exc.message})
            return False
        self.use(loaded)
        return True

    def use(self, loaded: LoadedConfig) -> None:
        """Run `loaded` from now on (checks of the previous config are forgotten)."""
        with self._lock:
            keep = {check.id for _, check in loaded.config.checks()}
            self.runner.cache = {k: v for k, v in self.runner.cache.items() if k in keep}
            self.runner.context.base_dir = loaded.base_dir
            self.loaded = loaded
            self.config_error = None
            self.snapshot = self.tracker.update(
                loaded.config, list(self.runner.cache.values()), new_round=False
            )
            self._redraw()
        logger.info(
            "health config {} running: {} processes, {} checks",
            loaded.source,
            len(loaded.config.processes),
            len(loaded.config.checks()),
        )

    @property
    def config(self) -> PipelineConfig:
        """The running config.

        Raises:
            InvalidConfigError: no valid config was ever loaded.
        """
        if self.loaded is None:
            raise InvalidConfigError(str(self.path), [self.config_error or "no config loaded"])
        return self.loaded.config

    # --- rounds -----------------------------------------------------------------------------

    def run_round(self, *, force: bool = False) -> Snapshot:
        """Run the checks that are due (all when `force`), update status, history and alerts."""
        self.config  # noqa: B018  (raises when there is no config)
        with self._lock:
            loaded = self.loaded
            assert loaded is not None
            seen = {k: v.checked_at for k, v in self.runner.cache.items()}
            results = self.runner.run_round(loaded, force=force)
            fresh = [r for r in results if seen.get(r.check_id) != r.checked_at]
            snapshot = self.tracker.update(loaded.config, results)
            snapshot.config_error = self.config_error
            self.snapshot = snapshot
            self._redraw()
        if self.record:
            self._after_round(loaded.config, snapshot, fresh)
        return snapshot

    def _after_round(
        self, config: PipelineConfig, snapshot: Snapshot, fresh: list[CheckResult]
    ) -> None:
        now = time.monotonic()
        try:
            engine = self.engine()
            history.record(engine, snapshot, fresh)
            if now - self._last_prune > PRUNE_EVERY:
                self._last_prune = now
                history.prune(engine, timedelta(days=self.health.retention_days))
        except Exception as exc:  # history is not worth a crashed monitor
            logger.error("health history not written: {}", exc)
        self.alerter.dispatch(config, snapshot)
        if now - self._last_run_record >= RUN_RECORD_EVERY:
            self._last_run_record = now
            self.record_round(snapshot)

    def record_round(self, snapshot: Snapshot) -> None:
        """A run record of this round (``weir status``; step ``round``)."""
        from weir.core.runs import record_run
        from weir.core.storage import Store

        try:
            with record_run(Store.from_settings(self.settings), "health", "round") as run:
                run.counts["processes"] = len(snapshot.processes)
                run.counts["failed"] = snapshot.counts.get(Status.FAILED.value, 0)
                run.counts["checks"] = sum(len(p.checks) for p in snapshot.processes)
        except Exception as exc:
            logger.error("health run record not written: {}", exc)

    def _redraw(self) -> None:
        if self.loaded is None:
            return
        text = self.generator.generate(self.loaded.config, self.snapshot)
        if text != self.diagram_text:
            self.diagram_text = text
            if self.render_svg:
                self.svgs.submit(text)

    # --- background loop ---------------------------------------------------------------------

    def start(self) -> None:
        """Run rounds every ``round_every`` seconds in a thread (and watch the config file)."""
        if self._thread is not None:
            return
        self.render_svg = True
        if self.diagram_text:
            self.svgs.submit(self.diagram_text)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="health-rounds", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        next_reload = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            if started >= next_reload:
                self.reload()
                next_reload = started + self.health.reload_every
            if self.loaded is not None:
                try:
                    self.run_round()
                except Exception as exc:
                    logger.opt(exception=exc).error("health round failed")
            self._stop.wait(max(0.0, self.health.round_every - (time.monotonic() - started)))

    def stop(self) -> None:
        """Stop the loop, the renderer and the check threads."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.svgs.close()
        self.alerter.close()
        self.runner.close()
        if self._engine is not None:
            self._engine.dispose()

    # --- reads ---------------------------------------------------------------------------------

    def engine(self) -> Engine:
        """The history database (migrated on first use)."""
        if self._engine is None:
            from weir.core.db import make_engine

            engine = make_engine(self.settings.database_url)
            history.ensure_migrated(engine)
            self._engine = engine
        return self._engine

    def status(self, process: str | None = None, status: str | None = None) -> dict[str, Any]:
        """The snapshot, optionally only one process or the processes in one status."""
        snapshot = self.snapshot
        processes = snapshot.processes
        if process is not None:
            processes = [p for p in processes if p.id == process]
            if not processes:
                raise NotFoundError(f"no process {process!r} in {snapshot.pipeline}")
        if status is not None:
            processes = [p for p in processes if p.status.value == status]
        data = snapshot.model_dump(mode="json")
        data["processes"] = [p.model_dump(mode="json") for p in processes]
        return data

    def summary(self) -> dict[str, Any]:
        """Overall status and counts."""
        snapshot = self.snapshot
        return {
            "pipeline": snapshot.pipeline,
            "status": snapshot.status.value,
            "checked_at": snapshot.checked_at.isoformat() if snapshot.checked_at else None,
            "counts": snapshot.counts,
            "processes": len(snapshot.processes),
            "config_error": snapshot.config_error,
            "round": snapshot.round,
        }

    def svg(self) -> tuple[str, str, bool]:
        """(svg, renderer, fresh) of the current diagram, never waiting on a render."""
        rows = [
            (p.name, p.status.value, f"caused by {p.root_cause}" if p.root_cause else "")
            for p in self.snapshot.processes
        ]
        return self.svgs.get(self.diagram_text, lambda: fallback_svg(rows))

    # --- writes ------------------------------------------------------------------------------

    def push(self, check_id: str, token: str | None, message: str | None = None) -> datetime:
        """Record a heartbeat push for `check_id`.

        Raises:
            NotFoundError: no heartbeat check has that id.
            UnauthorizedError: the token is missing or wrong.
        """
        loaded = self.loaded
        spec = next(
            (c for _, c in (loaded.config.checks() if loaded else []) if c.id == check_id), None
        )
        if spec is None or spec.type != "heartbeat" or loaded is None:
            raise NotFoundError(f"no heartbeat check {check_id!r}")
        params = loaded.params[check_id]
        expected = getattr(params, "token", None) or self.health.push_token
        if expected is not None and not hmac.compare_digest(
            (token or "").encode(), expected.get_secret_value().encode()
        ):
            raise UnauthorizedError("push token missing or wrong")
        now = datetime.now(UTC)
        self._pushes[check_id] = now
        if self.record:
            history.push(self.engine(), check_id, message, now)
        self.runner.cache.pop(check_id, None)  # the next round checks it again
        return now

    def _last_push(self, check_id: str) -> datetime | None:
        if check_id in self._pushes:
            return self._pushes[check_id]
        try:
            return history.last_push(self.engine(), check_id)
        except Exception as exc:
            logger.warning("heartbeat of {} not read: {}", check_id, exc)
            return None

    def check_api_key(self, key: str | None) -> None:
        """Raise UnauthorizedError when an API key is set and `key` is not it."""
        expected = self.health.api_key
        if expected is None:
            return
        if not hmac.compare_digest((key or "").encode(), expected.get_secret_value().encode()):
            raise UnauthorizedError("X-API-Key missing or wrong")

    def redacted_config(self) -> dict[str, Any]:
        """The running config as JSON, secrets (tokens, passwords, webhook paths) redacted."""
        from weir.health.pipeline.redact import redact

        redacted: dict[str, Any] = redact(self.config.model_dump(mode="json", by_alias=True))
        return redacted
