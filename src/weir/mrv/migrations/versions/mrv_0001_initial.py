"""MRV: ingestion_runs, lab_readings, plant_operations, qa_findings, mrv_results.

Revision ID: mrv_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mrv_0001"
down_revision = None
branch_labels = ("mrv",)
depends_on = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def _lineage() -> list[sa.Column[object]]:
    return [
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("ingestion_run_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by_run_id", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    """Create the MRV tables and their indexes."""
    op.create_table(
        "ingestion_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("rows_skipped", sa.Integer(), nullable=False),
        sa.Column("errors", JSON_TYPE, nullable=False),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.Column("superseded_by_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingestion_runs"),
    )
    op.create_index("ix_ingestion_runs_batch_id", "ingestion_runs", ["batch_id"])
    op.create_index("ix_ingestion_runs_file", "ingestion_runs", ["file"])
    op.create_index("ix_ingestion_runs_sha256", "ingestion_runs", ["sha256"])
    op.create_table(
        "lab_readings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plant_id", sa.String(32), nullable=True),
        sa.Column("location", sa.String(32), nullable=True),
        sa.Column("parameter", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(16), nullable=True),
        sa.Column("sampled_at", sa.DateTime(), nullable=True),
        sa.Column("sample_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("flags", JSON_TYPE, nullable=False),
        sa.Column("metadata", JSON_TYPE, nullable=False),
        *_lineage(),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_runs.id"],
            name="fk_lab_readings_ingestion_run_id_ingestion_runs",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lab_readings"),
    )
    op.create_index(
        "ix_lab_readings_lookup", "lab_readings", ["plant_id", "parameter", "sample_date"]
    )
    op.create_index("ix_lab_readings_ingestion_run_id", "lab_readings", ["ingestion_run_id"])
    op.create_table(
        "plant_operations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plant_id", sa.String(32), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("eff_flow_actual_mgd", sa.Float(), nullable=True),
        sa.Column("eff_flow_max_mgd", sa.Float(), nullable=True),
        sa.Column("eff_flow_min_mgd", sa.Float(), nullable=True),
        sa.Column("influent_flow_mgd", sa.Float(), nullable=True),
        sa.Column("bypass_volume_mg", sa.Float(), nullable=True),
        sa.Column("bypass_hours", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("flags", JSON_TYPE, nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("revision_key", sa.String(64), nullable=True),
        sa.Column("source_sheet", sa.String(100), nullable=True),
        *_lineage(),
        sa.ForeignKeyConstraint(
            ["ingestion_run_id"],
            ["ingestion_runs.id"],
            name="fk_plant_operations_ingestion_run_id_ingestion_runs",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plant_operations"),
    )
    op.create_index("ix_plant_operations_lookup", "plant_operations", ["plant_id", "date"])
    op.create_index(
        "ix_plant_operations_ingestion_run_id", "plant_operations", ["ingestion_run_id"]
    )
    op.create_table(
        "qa_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("plant_id", sa.String(32), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("file", sa.String(500), nullable=True),
        sa.Column("sheet", sa.String(100), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(100), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_qa_findings"),
    )
    op.create_index("ix_qa_findings_level", "qa_findings", ["level"])
    op.create_table(
        "mrv_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plant_id", sa.String(32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("ca_upstream_mg_l", sa.Float(), nullable=True),
        sa.Column("ca_downstream_mg_l", sa.Float(), nullable=True),
        sa.Column("ca_delta_mg_l", sa.Float(), nullable=True),
        sa.Column("flow_mgd", sa.Float(), nullable=True),
        sa.Column("co2_t_per_day", sa.Float(), nullable=True),
        sa.Column("quality_flag", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("calc_version", sa.String(32), nullable=False),
        sa.Column("mol_co2_per_mol_ca", sa.Float(), nullable=False),
        sa.Column("lineage", JSON_TYPE, nullable=False),
        sa.Column("calculated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mrv_results"),
    )
    op.create_index("ix_mrv_results_lookup", "mrv_results", ["plant_id", "date", "quality_flag"])


def downgrade() -> None:
    """Drop the MRV tables."""
    for table in ("mrv_results", "qa_findings", "plant_operations", "lab_readings"):
        op.drop_table(table)
    op.drop_table("ingestion_runs")
