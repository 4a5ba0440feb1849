"""Structured MRV errors: every input error names where it happened (file, sheet, row, column)."""

from __future__ import annotations

from weir.core.errors import BadInputError, ConflictError, ForbiddenError, WeirError


class MrvError(WeirError):
    """Root of the MRV errors that are not about one input file."""

    code = "mrv_error"


class FileReadError(BadInputError):
    """A file that cannot be read or understood as a whole; nothing of it is loaded.

    Attributes:
        sheet: Worksheet name for Excel files.
        column: Column label or letter, when one column is at fault.
    """

    code = "unreadable_file"

    def __init__(
        self,
        message: str,
        *,
        file: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.sheet, self.column = sheet, column
        where = ", ".join(
            f"{name} {value}"
            for name, value in (("sheet", sheet), ("column", column))
            if value is not None
        )
        super().__init__(f"{message}; {where}" if where else message, file=file, row=row)

    def as_dict(self) -> dict[str, object]:
        """The error as a JSON-ready record for ``ingestion_runs.errors``."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ReviewStateError(ConflictError):
    """A review transition the state machine does not allow (exit 2, HTTP 409)."""

    exit_code = 2
    code = "review_state"


class ReviewerKeyError(ForbiddenError):
    """No reviewer keys configured, an unknown reviewer or a wrong key (exit 2, HTTP 403)."""


class StatementRefusedError(ConflictError):
    """A statement of a period without an approved review, not asked as a draft (exit 2)."""

    exit_code = 2
    code = "not_approved"
