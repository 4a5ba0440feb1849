"""The engine interface, and what every engine shares: reading landed files in batches.

An engine distributes :func:`weir.telemetry.pipeline.flatten.flatten_files` over landed files
and returns one :class:`~weir.telemetry.pipeline.flatten.FileResult` per batch of consecutive
files, in path order; the job unifies and merges them. The engines (``local`` in
:mod:`.engines`, ``spark`` in :mod:`.spark`) import this module, never each other; the
registry :func:`weir.telemetry.pipeline.engines.make_engine` imports the Spark one only when it
is asked for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar, Self

from weir.core.storage import Store
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.flatten import FileResult, flatten_files

MAX_BATCH = 32  # files per task: amortizes Arrow building, bounds a worker's row dicts


def flatten_paths(
    store: Store,
    paths: Sequence[str],
    processed_at: int,
    established: Mapping[str, Kind],
    native: bool = True,
) -> FileResult:
    """Read consecutive landed files and flatten them as one batch (`native`: the native fast
    path when it is built, ``TelemetrySettings.native``; False: the Python path)."""
    files = [(path, store.get(path)) for path in paths]
    return flatten_files(
        files, processed_at=processed_at, established=established, native=None if native else False
    )


def batches(paths: Sequence[str], parts: int) -> list[list[str]]:
    """Split `paths` into about `parts` runs of consecutive paths (at most MAX_BATCH each)."""
    size = max(1, min(MAX_BATCH, -(-len(paths) // max(parts, 1))))
    return [list(paths[start : start + size]) for start in range(0, len(paths), size)]


class Engine(ABC):
    """Flattens landed files; a context manager that releases its workers on exit.

    Engines are built from :class:`weir.telemetry.settings.TelemetrySettings` by
    :func:`weir.telemetry.pipeline.engines.make_engine`; workers reopen the store from its
    picklable :class:`weir.core.storage.StoreSpec` (``store.spec``).
    """

    name: ClassVar[str]

    @abstractmethod
    def flatten(
        self,
        store: Store,
        paths: Sequence[str],
        *,
        processed_at: int,
        established: Mapping[str, Kind],
    ) -> list[FileResult]:
        """Flatten `paths` (landed files, in path order) in batches of consecutive files.

        Args:
            store: Holds the files; workers reopen it from ``store.spec``.
            paths: The files to flatten.
            processed_at: The run's ``pipeline_processed_at`` (epoch microseconds).
            established: Column → kind of the columns the table already has.

        Returns:
            One result per batch, in the order of `paths`.
        """

    @abstractmethod
    def start(self) -> None:
        """Start the workers ahead of the first flatten, so they boot while the caller works.

        Optional for callers: :meth:`flatten` starts them when needed.
        """

    @abstractmethod
    def close(self) -> None:
        """Release what the engine started (worker processes)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
