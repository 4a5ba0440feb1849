"""MRV: expert reviews (level 5), versioned result rows, the seed's query indexes.

``mrv_reviews`` keeps every review of a plant and period (never deleted). ``mrv_results`` rows
get a ``version``, ``is_current`` and ``locked_by_review_id``: an approved row is never
overwritten; a recalculation that changes it inserts a new version and keeps the old one
(``is_current`` false, ``replaced_at`` set). Indexes the seed names: (plant_id, date) and
quality_flag.

Revision ID: mrv_0003
Revises: mrv_0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mrv_0003"
down_revision = "mrv_0002"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``mrv_reviews``, add the version columns and the indexes."""
    op.create_table(
        "mrv_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plant_id", sa.String(32), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("decision", sa.String(24), nullable=True),
        sa.Column("reviewer_name", sa.String(100), nullable=True),
        sa.Column("reviewer_role", sa.String(100), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("calc_version", sa.String(100), nullable=True),
        sa.Column("snapshot", JSON_TYPE, nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("previous_review_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_review_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mrv_reviews"),
    )
    op.create_index("ix_mrv_reviews_plant_id_period", "mrv_reviews", ["plant_id", "period"])
    with op.batch_alter_table("mrv_results") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("locked_by_review_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("replaced_at", sa.DateTime(), nullable=True))
    op.create_index("ix_mrv_results_quality_flag", "mrv_results", ["quality_flag"])
    op.create_index(
        "ix_lab_readings_plant_id_sample_date", "lab_readings", ["plant_id", "sample_date"]
    )
    op.create_index("ix_qa_findings_plant_id_date", "qa_findings", ["plant_id", "date"])


def downgrade() -> None:
    """Drop the indexes, the version columns and ``mrv_reviews``."""
    op.drop_index("ix_qa_findings_plant_id_date", "qa_findings")
    op.drop_index("ix_lab_readings_plant_id_sample_date", "lab_readings")
    op.drop_index("ix_mrv_results_quality_flag", "mrv_results")
    with op.batch_alter_table("mrv_results") as batch:
        for name in ("replaced_at", "locked_by_review_id", "is_current", "version"):
            batch.drop_column(name)
    op.drop_index("ix_mrv_reviews_plant_id_period", "mrv_reviews")
    op.drop_table("mrv_reviews")
