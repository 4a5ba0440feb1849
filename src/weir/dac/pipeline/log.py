"""The pipeline's own JSON-lines log in the public store (the seed's ``DACPipelineLogger``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from loguru import logger

from weir.core.storage import Store

LOG_PREFIX = "logs/pipeline"


class PipelineLog:
    """Entries collected during a run, written as one JSON-lines object at its end."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.entries: list[dict[str, Any]] = []

    def log(self, level: str, message: str, **metadata: Any) -> None:
        """Record an entry (and pass it to loguru)."""
        self.entries.append(
            {
                "timestamp": datetime.now(UTC).isoformat(),
                "level": level,
                "message": message,
                "run_id": self.run_id,
                "metadata": metadata,
            }
        )
        logger.log(level, "{} {}", message, metadata or "")

    def write(self, store: Store) -> str | None:
        """Write the entries to ``logs/pipeline/pipeline_<time>_<run>.log``; returns its key."""
        if not self.entries:
            return None
        key = f"{LOG_PREFIX}/pipeline_{datetime.now(UTC):%Y%m%d_%H%M%S_%f}_{self.run_id}.log"
        body = b"\n".join(orjson.dumps(entry, default=str) for entry in self.entries) + b"\n"
        try:
            store.put(key, body)
        except Exception as exc:  # the run's own outcome matters more than its log
            logger.warning("could not write the pipeline log {}: {}", key, exc)
            return None
        return key
