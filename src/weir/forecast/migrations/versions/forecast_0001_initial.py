"""Forecast: forecast_points and forecast_point_audit.

Revision ID: forecast_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "forecast_0001"
down_revision = None
branch_labels = ("forecast",)
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create the points and audit tables."""
    op.create_table(
        "forecast_points",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("tags", JSON_TYPE, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forecast_points"),
        sa.UniqueConstraint("name_key", name="uq_forecast_points_name_key"),
    )
    op.create_table(
        "forecast_point_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("point_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", JSON_TYPE, nullable=True),
        sa.Column("after", JSON_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_forecast_point_audit"),
    )
    op.create_index("ix_forecast_point_audit_point_id", "forecast_point_audit", ["point_id"])


def downgrade() -> None:
    """Drop the forecast tables."""
    op.drop_index("ix_forecast_point_audit_point_id", table_name="forecast_point_audit")
    op.drop_table("forecast_point_audit")
    op.drop_table("forecast_points")
