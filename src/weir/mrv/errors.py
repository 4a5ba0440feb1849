"""Structured MRV errors: every input error names where it happened (file, sheet, row, column)."""

from __future__ import annotations

from weir.core.errors import BadInputError, WeirError


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
