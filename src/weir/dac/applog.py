"""Buffered JSON-lines logs in the public store: requests never wait on a write.

Entries go to an in-memory buffer; a daemon thread writes each batch as one new object
(``<prefix>/<name>_YYYYMMDD_HHMMSS_<id>.log``: object stores cannot append) every few seconds,
and :meth:`BufferedLog.flush` writes what is left at shutdown.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from loguru import logger

from weir.core.storage import Store


class BufferedLog:
    """A JSON-lines log written in batches by a background thread.

    Args:
        store: Where batches are written.
        prefix: Folder of the log (``logs/api``).
        name: File name stem (``access``).
        every: Seconds between writes.
    """

    def __init__(self, store: Store, prefix: str, name: str, every: float) -> None:
        self.store, self.prefix, self.name, self.every = store, prefix, name, every
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, entry: dict[str, Any]) -> None:
        """Queue one entry (returns at once)."""
        with self._lock:
            self._entries.append(entry)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name=f"dac-{self.name}-log")
                self._thread.daemon = True
                self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.every)
            self.flush()

    def flush(self) -> str | None:
        """Write the queued entries as one object now; returns its key (None when empty)."""
        with self._lock:
            entries, self._entries = self._entries, []
        if not entries:
            return None
        now = datetime.now(UTC)
        key = f"{self.prefix}/{self.name}_{now:%Y%m%d_%H%M%S}_{uuid.uuid4().hex[:8]}.log"
        body = b"".join(orjson.dumps(entry, default=str) + b"\n" for entry in entries)
        try:
            self.store.put(key, body)
        except Exception as exc:  # a log write must never break serving
            logger.warning("could not write {} ({} entries): {}", key, len(entries), exc)
            return None
        return key

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
