"""The engines by name: ``local`` (a process pool, here) and ``spark`` (:mod:`.spark`).

Both implement :class:`~weir.telemetry.pipeline.engine.Engine` with the same flattening and
return one :class:`~weir.telemetry.pipeline.flatten.FileResult` per batch, in path order.
:func:`make_engine` imports the Spark engine (and pyspark) only when it is asked for.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import ClassVar

from loguru import logger

from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.engine import Engine, batches, flatten_paths
from weir.telemetry.pipeline.flatten import FileResult, native_record
from weir.telemetry.settings import TelemetrySettings

ENGINES = ("local", "spark")


def _ready() -> None:
    """A task that does nothing: running it imports this module (the flattening) in a worker."""


def _context() -> BaseContext:
    """The fork server (it imports this module once) where there is one, else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # used when the fork server starts
    return context


def _worker(args: tuple[StoreSpec, list[str], int, dict[str, Kind], bool]) -> FileResult:
    spec, paths, processed_at, established, native = args
    return flatten_paths(spec.open(), paths, processed_at, established, native)


class LocalEngine(Engine):
    """In-process flattening, spread over ``settings.workers`` processes.

    One worker flattens in the calling process; so does a ``memory://`` store (other processes
    cannot see it) and a single file.

    Args:
        settings: The telemetry settings (``workers``); the defaults when omitted.
    """

    name: ClassVar[str] = "local"

    def __init__(self, settings: TelemetrySettings | None = None) -> None:
        settings = settings or TelemetrySettings()
        self.workers = max(1, settings.workers)
        self.native = settings.native
        self._pool: Executor | None = None
        self._starting: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker processes in the background; they import the flattening code.

        Where the platform has it, the workers are forked from multiprocessing's fork server,
        which imports this module once for all of them (a spawned worker imported it, and
        the ``weir`` script's command line, itself: ~0.6 s of CPU each while the job starts);
        a fork server is single-threaded, so forking from it is safe. Elsewhere they spawn.
        Starting the first worker waits for the fork server's imports, so a thread does it
        while the caller goes on.
        """
        if self.workers > 1 and self._pool is None and self._starting is None:
            self._starting = threading.Thread(target=self._start, name="weir-workers", daemon=True)
            self._starting.start()

    def _start(self) -> None:
        pool = ProcessPoolExecutor(self.workers, mp_context=_context())
        for _ in range(self.workers):  # each submit starts a worker while none is idle
            pool.submit(_ready)
        self._pool = pool

    def _started(self) -> Executor:
        """The pool, once started (here, if the background start failed: its error shows)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._pool is None:
            self._start()
        assert self._pool is not None
        return self._pool

    def close(self) -> None:
        """Stop the worker processes."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
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
                flatten_paths(store, batch, processed_at, established, self.native)
                for batch in batches(paths, 1)
            ]
        pool = self._started()
        spec, kinds = store.spec, dict(established)
        jobs = [
            (spec, batch, processed_at, kinds, self.native)
            for batch in batches(paths, 4 * self.workers)
        ]
        return list(pool.map(_worker, jobs))


def make_engine(settings: TelemetrySettings) -> Engine:
    """The engine ``settings.engine`` names, built from `settings`.

    Raises:
        ValueError: the name is no engine's (settings validate it; this guards other callers).
    """
    native = settings.native and native_record() is not None
    logger.debug("telemetry flatten: {} path", "native" if native else "Python")
    if settings.engine == "local":
        return LocalEngine(settings)
    if settings.engine == "spark":
        from weir.telemetry.pipeline.spark import SparkEngine

        return SparkEngine(settings)
    raise ValueError(f"unknown engine {settings.engine!r}: use local or spark")
