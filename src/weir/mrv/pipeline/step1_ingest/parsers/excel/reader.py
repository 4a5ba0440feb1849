"""Read Excel workbooks with calamine (Rust): every sheet as a grid of Python values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weir.mrv.errors import FileReadError


@dataclass
class Sheet:
    """One worksheet: its name, the 1-based Excel row of ``rows[0]`` and the cell values."""

    name: str
    first_row: int
    rows: list[list[Any]]

    def excel_row(self, index: int) -> int:
        """The 1-based Excel row number of ``rows[index]``."""
        return self.first_row + index


def read_workbook(path: Path, display_name: str) -> list[Sheet]:
    """All sheets of an ``.xlsx``/``.xls``/``.ods`` file, read with python-calamine.

    Raises:
        FileReadError: the file is not a readable workbook (corrupt, encrypted, wrong format).
    """
    from python_calamine import CalamineError, CalamineWorkbook

    errors = (CalamineError, OSError, ValueError)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except errors as exc:
        raise FileReadError(
            f"cannot read workbook: {type(exc).__name__}: {exc}", file=display_name
        ) from exc
    sheets: list[Sheet] = []
    try:
        for name in workbook.sheet_names:
            try:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except errors as exc:
                raise FileReadError(
                    f"cannot read worksheet: {type(exc).__name__}: {exc}",
                    file=display_name,
                    sheet=name,
                ) from exc
            sheets.append(Sheet(name=name, first_row=1, rows=rows))
    finally:
        workbook.close()
    return sheets
