"""The engines by name: ``local`` (a process pool, here) and ``spark`` (:mod:`.spark`).

Both implement :class:`~weir.telemetry.pipeline.engine.Engine` with the same flattening and
return one :class:`~weir.telemetry.pipeline.flatten.FileResult` per batch, in path order.
:func:`make_engine` imports the Spark engine (and pyspark) only when it is asked for.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import ClassVar

from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.engine import Engine, batches, flatten_paths
from weir.telemetry.pipeline.flatten import FileResult
from weir.telemetry.settings import TelemetrySettings

ENGINES = ("local", "spark")


def _ready() -> None:
    """A task that does nothing: running it imports this module (the flattening) in a worker."""


def _worker(args: tuple[StoreSpec, list[str], int, dict[str, Kind]]) -> FileResult:
    spec, paths, processed_at, established = args
    return flatten_paths(spec.open(), paths, processed_at, established)


class LocalEngine(Engine):
    """In-process flattening, spread over ``settings.workers`` processes.

    One worker flattens in the calling process; so does a ``memory://`` store (other processes
    cannot see it) and a single file.

    Args:
        settings: The telemetry settings (``workers``); the defaults when omitted.
    """

    name: ClassVar[str] = "local"

    def __init__(self, settings: TelemetrySettings | None = None) -> None:
        self.workers = max(1, (settings or TelemetrySettings()).workers)
        self._pool: Executor | None = None

    def start(self) -> None:
        """Spawn the worker processes now and let them import the flattening code."""
        if self.workers > 1 and self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
            for _ in range(self.workers):  # each submit spawns a worker while none is idle
                self._pool.submit(_ready)

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def flatten(
        self,
        store: Store,
        paths: Sequence[str],
        *,
        processed_at: int,
        established: Mapping[str, Kind],
    ) -> list[FileResult]:
        """Flatten `paths` in batches; results come back in the order of `paths`."""
        if self.workers == 1 or store.scheme == "memory" or len(paths) < 2:
            return [
                flatten_paths(store, batch, processed_at, established)
                for batch in batches(paths, 1)
            ]
        self.start()
        assert self._pool is not None
        spec, kinds = store.spec, dict(established)
        jobs = [(spec, batch, processed_at, kinds) for batch in batches(paths, 4 * self.workers)]
        return list(self._pool.map(_worker, jobs))


def make_engine(settings: TelemetrySettings) -> Engine:
    """The engine ``settings.engine`` names, built from `settings`.

    Raises:
        ValueError: the name is no engine's (settings validate it; this guards other callers).
    """
    if settings.engine == "local":
        return LocalEngine(settings)
    if settings.engine == "spark":
        from weir.telemetry.pipeline.spark import SparkEngine

        return SparkEngine(settings)
    raise ValueError(f"unknown engine {settings.engine!r}: use local or spark")
