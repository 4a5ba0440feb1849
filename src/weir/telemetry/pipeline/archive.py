"""Archiving: processed files move from ``telemetry/raw/`` to ``telemetry/archive/``.

The partition path is kept (``raw/2025/01/15/10/x.ndjson`` → ``archive/2025/01/15/10/x.ndjson``).
A move replaces an existing archive copy, so repeating it after a crash is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from weir.core.errors import NotFoundError
from weir.core.storage import Store
from weir.telemetry.models import ARCHIVE_PREFIX, RAW_PREFIX


def archive_path(raw_path: str) -> str:
    """Where a landed file goes once processed."""
    if not raw_path.startswith(RAW_PREFIX + "/"):
        raise ValueError(f"{raw_path!r} is not under {RAW_PREFIX}/")
    return ARCHIVE_PREFIX + raw_path[len(RAW_PREFIX) :]


def archive(
    store: Store, paths: Sequence[str], after_each: Callable[[int], None] | None = None
) -> int:
    """Move `paths` to the archive; returns how many were moved.

    Args:
        store: The store.
        paths: Landed files already recorded in the ledger.
        after_each: Called with the count moved so far after every move (crash tests).
    """
    moved = 0
    for path in paths:
        try:
            store.move(path, archive_path(path))
        except NotFoundError:
            continue  # already archived by an earlier, interrupted run
        moved += 1
        if after_each is not None:
            after_each(moved)
    return moved
