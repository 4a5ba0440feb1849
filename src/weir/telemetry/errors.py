"""Structured errors of the telemetry system."""

from __future__ import annotations

from weir.core.errors import BadInputError, WeirError


class ConversionError(BadInputError):
    """A DynamoDB attribute value that cannot be turned into plain JSON.

    Attributes:
        path: Where in the item the bad value sits, for example ``NewImage.signals[3].body``.
    """

    code = "conversion_error"

    def __init__(self, message: str, *, path: str = "") -> None:
        self.reason, self.path = message, path
        super().__init__(message, field=path or None)

    def under(self, step: str) -> ConversionError:
        """The same error seen from the container at `step` (a key or ``[index]``)."""
        if not step:
            return self
        inner = self.path
        path = step if not inner else step + inner if inner[0] == "[" else f"{step}.{inner}"
        return ConversionError(self.reason, path=path)


class CrashInjected(WeirError):
    """Raised by a test's crash hook to simulate a process dying at a pipeline boundary."""

    code = "crash_injected"
