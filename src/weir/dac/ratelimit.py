"""Per-client rate limits with ``limits`` (moving window), in memory or in Redis.

The seed's limiter lived in one Lambda instance's memory; with ``redis://`` every worker and
instance shares one count.
"""

from __future__ import annotations

import math
import time
from typing import Any

from weir.dac.errors import RateLimitedError


class RateLimiter:
    """Named limits over one storage.

    Args:
        storage_uri: ``memory://`` or ``redis://host:port``.
        limits: Name → limit in ``limits`` notation (``100/minute``).
    """

    def __init__(self, storage_uri: str, limits: dict[str, str]) -> None:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.storage: Any = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._limits = {name: parse(text) for name, text in limits.items()}

    def hit(self, name: str, client: str) -> None:
        """Count one request of `client` against limit `name`.

        Raises:
            RateLimitedError: over the limit; carries the seconds until a slot frees.
        """
        item = self._limits[name]
        if self._limiter.hit(item, name, client):
            return
        stats = self._limiter.get_window_stats(item, name, client)
        raise RateLimitedError(max(1, math.ceil(stats.reset_time - time.time())))

    def reset(self) -> None:
        """Forget every count (tests, and an operator clearing a block)."""
        self.storage.reset()
