"""MRV: row flags stored as codes with their column, not as names parsed back by prefix.

``lab_readings.flags`` and ``plant_operations.flags`` held names such as ``unparseable_value``,
``missing_effluent_flow`` or ``spike``; they now hold ``[{"code": ..., "column": ...}]``
(``{"code": "unparseable", "column": "value"}``, see :mod:`weir.mrv.rules`). The pH readings the
cross-file overlap pass rejected (reason ``cross-file ...``) get their own codes,
``cross_file_duplicate`` and ``conflicting_cross_file_duplicate``, so they are found by code.
Downgrading writes the names back. The conversion is written out here, not imported, so this
revision keeps meaning what it meant when later code changes.

Revision ID: mrv_0004
Revises: mrv_0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mrv_0004"
down_revision = "mrv_0003"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")
TABLES = ("lab_readings", "plant_operations")
BATCH = 1000
#: Codes whose column is written into the old name (``unparseable_<column>``).
PER_COLUMN = ("unparseable", "missing", "out_of_range", "invalid")
#: Old names that are the code itself → the column the QA findings named.
WHOLE_ROW = {
    "duplicate": "value",
    "conflicting_duplicate": "value",
    "short_row": None,
    "spike": "ph",
    "unknown_sensor": None,
    "converted_from_g_per_l": "unit",
    "flow_outside_min_max": None,
    "below_detection": "value",
}
#: Old names that are neither the code nor ``<code>_<column>``.
SPECIAL = {"missing_effluent_flow": ("missing", "eff_flow_actual_mgd")}
CROSS_FILE = {
    "duplicate": "cross_file_duplicate",
    "conflicting_duplicate": "conflicting_cross_file_duplicate",
}


def code_of(name: str, reject_reason: str | None) -> dict[str, str | None]:
    """The stored flag of an old flag name (the reject reason tells cross-file duplicates).

    Raises:
        ValueError: the name is none the code ever wrote.
    """
    column: str | None
    if name in SPECIAL:
        code, column = SPECIAL[name]
    elif name in WHOLE_ROW:
        code, column = name, WHOLE_ROW[name]
        if name in CROSS_FILE and (reject_reason or "").startswith("cross-file "):
            code = CROSS_FILE[name]
    else:
        prefix = next((p for p in PER_COLUMN if name.startswith(f"{p}_")), None)
        if prefix is None:
            raise ValueError(f"unknown flag {name!r}")
        code, column = prefix, name.removeprefix(f"{prefix}_")
    return {"code": code, "column": column}


def name_of(flag: dict[str, Any], _reject_reason: str | None) -> str:
    """The old flag name of a stored flag."""
    code, column = str(flag["code"]), flag.get("column")
    for old, (special_code, special_column) in SPECIAL.items():
        if (code, column) == (special_code, special_column):
            return old
    if code in PER_COLUMN:
        return f"{code}_{column}"
    return next((old for old, new in CROSS_FILE.items() if new == code), code)


def _convert(convert: Callable[[Any, str | None], Any]) -> None:
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(
            name,
            sa.column("id", sa.Integer()),
            sa.column("flags", JSON_TYPE),
            sa.column("reject_reason", sa.Text()),
        )
        change = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(flags=sa.bindparam("new_flags", type_=JSON_TYPE))
        )
        rows = connection.execute(
            sa.select(table.c.id, table.c.flags, table.c.reject_reason).order_by(table.c.id)
        )
        updates: list[dict[str, Any]] = []
        for row_id, flags, reason in rows:
            if not flags:
                continue
            try:
                new = [convert(f, reason) for f in flags]
            except ValueError as exc:
                raise ValueError(f"{name} row id {row_id}: {exc}") from None
            updates.append({"row_id": row_id, "new_flags": new})
        for start in range(0, len(updates), BATCH):
            connection.execute(change, updates[start : start + BATCH])


def upgrade() -> None:
    """Old flag names → ``{"code", "column"}``."""
    _convert(code_of)


def downgrade() -> None:
    """``{"code", "column"}`` → the old flag names."""
    _convert(name_of)
