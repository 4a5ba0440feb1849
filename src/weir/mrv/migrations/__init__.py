"""Alembic revisions of the MRV tables (branch ``mrv``), applied by ``weir db upgrade``."""
