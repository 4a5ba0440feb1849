"""Alembic environment shared by every system's migrations (online mode only)."""

from __future__ import annotations

from alembic import context

from weir.core.db import make_engine

config = context.config
engine = make_engine(config.attributes["url"])
try:
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()
finally:
    engine.dispose()
