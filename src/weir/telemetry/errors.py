"""Structured errors of the telemetry system."""

from __future__ import annotations

from weir.core.errors import BadInputError, WeirError


class ConversionError(BadInputError):
    """A DynamoDB attribute value that cannot be turned into plain JSON.

    Attributes:
        path: Where in the item the bad value sits, for example ``NewImage.signals[3].body``.
    """

    code = "conversion_error"

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(message, field=path or None)


class CrashInjected(WeirError):
    """Raised by a test's crash hook to simulate a process dying at a pipeline boundary."""

    code = "crash_injected"
