"""Alembic revisions of the forecast tables (branch ``forecast``), for ``weir db upgrade``."""
