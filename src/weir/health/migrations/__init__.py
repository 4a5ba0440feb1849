"""Alembic revisions of the health tables (branch ``health``), applied by ``weir db upgrade``."""
