"""Health: health_check_results, health_process_states, health_heartbeats.

Revision ID: health_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "health_0001"
down_revision = None
branch_labels = ("health",)
depends_on = None


def upgrade() -> None:
    """Create the health history tables and their indexes."""
    op.create_table(
        "health_check_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("check_id", sa.String(200), nullable=False),
        sa.Column("check_type", sa.String(100), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(1000), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pipeline", "check_id", "checked_at", name="uq_health_result"),
    )
    op.create_index(
        "ix_health_results_check_time",
        "health_check_results",
        ["pipeline", "check_id", "checked_at"],
    )
    op.create_index("ix_health_results_time", "health_check_results", ["checked_at"])
    op.create_table(
        "health_process_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("process_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("root_cause", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_health_states_process_time",
        "health_process_states",
        ["pipeline", "process_id", "recorded_at"],
    )
    op.create_table(
        "health_heartbeats",
        sa.Column("check_id", sa.String(200), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("check_id"),
    )


def downgrade() -> None:
    """Drop the health tables."""
    op.drop_table("health_heartbeats")
    op.drop_index("ix_health_states_process_time", table_name="health_process_states")
    op.drop_table("health_process_states")
    op.drop_index("ix_health_results_time", table_name="health_check_results")
    op.drop_index("ix_health_results_check_time", table_name="health_check_results")
    op.drop_table("health_check_results")
