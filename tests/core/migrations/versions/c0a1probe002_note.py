"""Add a column: migrations evolve tables, never drop and recreate them.

Revision ID: c0a1probe002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0a1probe002"
down_revision = "c0a1probe001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_probe") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("core_probe") as batch:
        batch.drop_column("note")
