"""Structured errors of the DAC system; client-facing ones carry their HTTP status."""

from __future__ import annotations

from weir.core.errors import BadInputError, ForbiddenError, WeirError


class InvalidKeyError(BadInputError):
    """A requested artifact key is outside the allowlist or tries to traverse."""

    code = "invalid_key"


class SignatureError(ForbiddenError):
    """An artifact URL whose signature is wrong or expired."""


class RateLimitedError(WeirError):
    """Too many requests from one client; carries the seconds to wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many requests")
        self.retry_after = retry_after


class FileTooLargeError(WeirError):
    """A file to publish is bigger than the limit (nothing was published)."""

    code = "file_too_large"


class NoDataError(WeirError):
    """The gold layer has no readings in the window to publish."""

    exit_code = 2
    code = "no_data"
