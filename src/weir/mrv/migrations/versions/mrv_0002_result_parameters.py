"""MRV: the Monte Carlo parameters each mrv_results row was calculated with.

``mol_co2_per_mol_ca`` is already stored (mrv_0001); these columns complete what is needed to
reproduce a conservative total from the stored rows alone. Rows calculated before this revision
have NULL here (totals then use the current settings, see ``service.totals``).

Revision ID: mrv_0002
Revises: mrv_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mrv_0002"
down_revision = "mrv_0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("ca_rel_uncertainty", sa.Float()),
    ("flow_rel_uncertainty", sa.Float()),
    ("mc_draws", sa.Integer()),
    ("mc_seed", sa.BigInteger()),
    ("conservative_percentile", sa.Float()),
)


def upgrade() -> None:
    """Add the Monte Carlo parameter columns (nullable: earlier rows did not record them)."""
    with op.batch_alter_table("mrv_results") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Drop the Monte Carlo parameter columns."""
    with op.batch_alter_table("mrv_results") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
