"""A probe table for the migration wiring tests.

Revision ID: c0a1probe001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0a1probe001"
down_revision = None
branch_labels = ("core_probe",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_probe",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("core_probe")
