"""``delta_fresh`` (a Delta table's last commit), ``run_fresh`` (a weir run record) and ``sql``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from weir.core.durations import format_duration
from weir.health.models import Duration
from weir.health.pipeline.checks.base import Check, CheckParams, Outcome


def _age(when: datetime) -> timedelta:
    return max(datetime.now(UTC) - when, timedelta(0))


class DeltaFreshParams(CheckParams):
    """``table``: a path in weir's store (``tables/telemetry``) or a URL; ``max_age``."""

    table: str
    max_age: Duration


class DeltaFresh(Check):
    """The Delta table's last commit is younger than ``max_age``."""

    Params = DeltaFreshParams

    def execute(self) -> Outcome:
        """Open the table's log and compare its last commit time."""
        from weir.core.storage import Store
        from weir.core.tables import Table

        params = self.params
        assert isinstance(params, DeltaFreshParams)
        if "://" in params.table:
            root, _, path = params.table.rpartition("/")
            store = Store.from_url(root, settings=self.context.settings)
        else:
            store, path = Store.from_settings(self.context.settings), params.table
        info = Table(store, path).info()
        if info.last_commit is None:
            return Outcome(False, f"table {params.table} has no commit")
        age = _age(info.last_commit)
        text = f"version {info.version}, last commit {format_duration(age)} ago, {info.rows} rows"
        if age > params.max_age:
            return Outcome(False, f"{text} (max {format_duration(params.max_age)})")
        return Outcome(True, text)


class RunFreshParams(CheckParams):
    """``system`` and ``step`` of a weir run record, its ``max_age``; skipped runs count as ok
    unless ``allow_skipped`` is false."""

    system: str
    step: str
    max_age: Duration
    allow_skipped: bool = True


class RunFresh(Check):
    """The step's last run succeeded and ended within ``max_age`` (``weir.core.runs``)."""

    Params = RunFreshParams

    def execute(self) -> Outcome:
        """Read the step's last run record from the store."""
        from weir.core.runs import last_run
        from weir.core.storage import Store

        params = self.params
        assert isinstance(params, RunFreshParams)
        name = f"{params.system}/{params.step}"
        record = last_run(Store.from_settings(self.context.settings), params.system, params.step)
        if record is None:
            return Outcome(False, f"{name} never ran")
        age = _age(record.ended_at or record.started_at)
        text = f"{name} {record.status} {format_duration(age)} ago"
        if record.status == "failed":
            return Outcome(False, f"{text}: {record.error}")
        if record.status == "skipped" and not params.allow_skipped:
            return Outcome(False, f"{text}: {record.error or 'nothing to do'}")
        if age > params.max_age:
            return Outcome(False, f"{text} (max {format_duration(params.max_age)})")
        return Outcome(True, text)


class SqlParams(CheckParams):
    """``url`` (``weir`` for weir's own database), optional ``query`` and ``expect``."""

    url: str = "weir"
    query: str = "SELECT 1"
    expect: Any = None
    compare: Literal["eq", "ge", "le"] = "eq"


class Sql(Check):
    """The database answers; with ``expect``, the query's first value compares to it."""

    Params = SqlParams

    def execute(self) -> Outcome:
        """Run the query on a pooled engine."""
        from sqlalchemy import text

        from weir.core.db import make_engine

        params = self.params
        assert isinstance(params, SqlParams)
        url = self.context.settings.database_url if params.url == "weir" else params.url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{self.context.base_dir / url.removeprefix('sqlite:///')}"
        engines: dict[str, Any] = self.context.cache.setdefault("sql_engines", {})
        if url not in engines:
            postgres = {"pool_size": 2, "connect_args": {"connect_timeout": 5}}
            engines[url] = make_engine(url, **({} if url.startswith("sqlite") else postgres))
        try:
            with engines[url].connect() as connection:
                value = connection.execute(text(params.query)).scalar()
        except Exception as exc:  # the driver's first line only: no SQL, no password
            first = str(getattr(exc, "orig", exc)).strip().splitlines()
            return Outcome(False, f"database error: {first[0] if first else type(exc).__name__}")
        if params.expect is None:
            return Outcome(True, f"answered {value!r}")
        ok = _compare(value, params.expect, params.compare)
        symbol = {"eq": "=", "ge": "≥", "le": "≤"}[params.compare]
        return Outcome(ok, f"got {value!r}, expected {symbol} {params.expect!r}")


def _compare(value: Any, expect: Any, how: str) -> bool:
    if how == "eq":
        return bool(value == expect or str(value) == str(expect))
    try:
        number, bound = float(value), float(expect)
    except (TypeError, ValueError):
        return False
    return number >= bound if how == "ge" else number <= bound
