"""HMAC-SHA256 signatures of weir artifact URLs (the ``file://`` stand-in for S3 presigning)."""

from __future__ import annotations

import hashlib
import hmac
import time

from weir.dac.errors import SignatureError


def signature(secret: bytes, key: str, expires: int) -> str:
    """Hex HMAC-SHA256 of ``key`` and its expiry (epoch seconds)."""
    return hmac.new(secret, f"GET\n{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, key: str, expires: int, given: str, now: float | None = None) -> None:
    """Accept a signature made for `key` and `expires`, before it expires.

    Raises:
        SignatureError: wrong signature, or expired (403 either way).
    """
    if not hmac.compare_digest(signature(secret, key, expires), given):
        raise SignatureError("signature does not match")
    if (time.time() if now is None else now) > expires:
        raise SignatureError("signature expired")
