"""Errors of the forecast system."""

from __future__ import annotations

from weir.core.errors import (
    BadInputError,
    ConflictError,
    WeirError,
)


class SourceError(WeirError):
    """A source store cannot be read (unreachable, or not the declared layout)."""

    status = 502
    code = "source_error"


class LayoutError(BadInputError):
    """A source store does not have the dimensions or variables its registry entry declares."""

    code = "bad_layout"


class DuplicatePointError(ConflictError):
    """A point with the same name, or on the same grid cells, exists already."""

    code = "duplicate_point"
