"""Engines distribute :func:`weir.telemetry.pipeline.flatten.flatten_lines` over landed files.

Both engines flatten whole files with the same function and return one
:class:`~weir.telemetry.pipeline.flatten.FileResult` per file, in path order; the job unifies
and merges them. ``local`` uses a process pool; ``spark`` lives in :mod:`.spark`.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from weir.core.settings import Settings
from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.flatten import FileResult, flatten_files

MAX_BATCH = 32  # files per task: amortizes Arrow building, bounds a worker's row dicts


def flatten_paths(
    store: Store, paths: Sequence[str], processed_at: int, established: Mapping[str, Kind]
) -> FileResult:
    """Read consecutive landed files and flatten them as one batch."""
    files = [(path, store.get(path)) for path in paths]
    return flatten_files(files, processed_at=processed_at, established=established)


def batches(paths: Sequence[str], parts: int) -> list[list[str]]:
    """Split `paths` into about `parts` runs of consecutive paths (at most MAX_BATCH each)."""
    size = max(1, min(MAX_BATCH, -(-len(paths) // max(parts, 1))))
    return [list(paths[start : start + size]) for start in range(0, len(paths), size)]


def _worker(args: tuple[StoreSpec, list[str], int, dict[str, Kind]]) -> FileResult:
    spec, paths, processed_at, established = args
    return flatten_paths(spec.open(), paths, processed_at, established)


class LocalEngine:
    """In-process flattening, spread over `workers` processes.

    Args:
        workers: Processes; 1 flattens in the calling process. A ``memory://`` store is always
            flattened in-process (other processes cannot see it).
    """

    name = "local"

    def __init__(self, workers: int = 2) -> None:
        self.workers = max(1, workers)
        self._pool: Executor | None = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def flatten(
        self,
        store: Store,
        settings: Settings,
        paths: Sequence[str],
        processed_at: int,
        established: Mapping[str, Kind],
    ) -> list[FileResult]:
        """Flatten `paths` in batches; results come back in the order of `paths`."""
        if self.workers == 1 or store.scheme == "memory" or len(paths) < 2:
            return [
                flatten_paths(store, batch, processed_at, established)
                for batch in batches(paths, 1)
            ]
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        kinds = dict(established)
        jobs = [
            (store.spec, batch, processed_at, kinds) for batch in batches(paths, 4 * self.workers)
        ]
        return list(self._pool.map(_worker, jobs))


def make_engine(name: str, workers: int) -> Any:
    """The engine called `name` (``local`` or ``spark``)."""
    if name == "local":
        return LocalEngine(workers)
    if name == "spark":
        from weir.telemetry.pipeline.spark import SparkEngine

        return SparkEngine()
    raise ValueError(f"unknown engine {name!r}: use local or spark")
