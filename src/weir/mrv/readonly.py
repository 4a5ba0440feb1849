"""Read-only database connections for exploration (the notebook, ad-hoc analysis).

SQLite opens the file with ``mode=ro``; PostgreSQL sets ``default_transaction_read_only`` for
the session, so any write fails in the database itself, not by convention.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from weir.core.db import normalize_url
from weir.core.errors import ConfigError


def read_only_engine(url: str) -> Engine:
    """An engine on `url` that cannot write.

    Raises:
        ConfigError: not a SQLite or PostgreSQL URL, or an in-memory SQLite database.
    """
    parsed = make_url(normalize_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ConfigError("a read-only connection needs a SQLite file, not :memory:")
        return create_engine(
            f"sqlite:///file:{parsed.database}?mode=ro&uri=true",
        )
    if backend == "postgresql":
        return create_engine(
            parsed, connect_args={"options": "-c default_transaction_read_only=on"}
        )
    raise ConfigError(f"unsupported database {backend!r}: use sqlite or postgresql")
