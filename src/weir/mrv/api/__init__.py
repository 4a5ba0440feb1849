"""``/api/mrv``: read-only HTTP API over the MRV results, totals, QA findings and ingestion runs.

Routes: ``GET /results`` (the report's filters, paged), ``GET /totals`` (per plant or month,
with the Monte Carlo conservative estimate), ``GET /qa/findings`` (paged), ``GET /qa/counts``,
``GET /runs`` (ingestion runs, paged). Bad parameters answer 400/422 in weir's one error shape;
an unreachable database 503; nothing internal (paths, SQL, tracebacks) reaches a client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from weir.core.errors import BadInputError, NotFoundError, WeirError
from weir.core.http import ErrorBody
from weir.core.settings import Settings
from weir.mrv.api.models import (
    FindingCount,
    FindingsPage,
    ResultsPage,
    RunsPage,
    TotalsOut,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (unknown plant or flag, bad range)"},
    404: {"model": ErrorBody, "description": "No MRV tables yet"},
    422: {"model": ErrorBody, "description": "A parameter of the wrong type or out of range"},
    503: {"model": ErrorBody, "description": "The database cannot be reached"},
}
Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (1–1000).")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
Plant = Annotated[str | None, Query(max_length=32, description="PLANT_A, PLANT_B …")]
Start = Annotated[dt.date | None, Query(alias="from", description="From this day (YYYY-MM-DD).")]
End = Annotated[dt.date | None, Query(alias="to", description="Until this day, included.")]
Flags = Annotated[
    list[str] | None,
    Query(alias="flag", max_length=10, description="Quality flag (repeatable): VALID, INVALID …"),
]


class DatabaseUnavailableError(WeirError):
    """The database cannot be reached right now."""

    status = 503
    code = "database_unavailable"

    @property
    def client_message(self) -> str:
        """The message (fixed text, nothing from the driver), though the status is 5xx."""
        return self.message


def create_router(settings: Settings) -> APIRouter:
    """The MRV router, reading the database named by `settings` (mounted at /api/mrv)."""
    from weir.mrv import service
    from weir.mrv.settings import MrvSettings

    router = APIRouter(responses=ERRORS)
    engines: list[Engine] = []
    migrated: list[bool] = []  # the tables exist (checked until they do, then never again)

    def engine() -> Engine:
        if not engines:
            from weir.core.db import make_engine

            engines.append(make_engine(settings.database_url))
        return engines[0]

    def read(call: Callable[[Engine], T]) -> T:
        """Run a read; a database without the MRV tables is 404, an unreachable one 503."""
        from sqlalchemy import inspect
        from sqlalchemy.exc import DBAPIError

        try:
            if not migrated:
                if not inspect(engine()).has_table("mrv_results"):
                    raise NotFoundError(
                        "no MRV tables yet: run `weir db upgrade` or `weir mrv ingest DIR` first"
                    )
                migrated.append(True)
            return call(engine())
        except DBAPIError as exc:  # the driver's text may hold SQL: never sent
            raise DatabaseUnavailableError("database unreachable") from exc

    def filters(
        plant: str | None, start: dt.date | None, end: dt.date | None, flags: list[str] | None
    ) -> service.Filters:
        if start and end and start > end:
            raise BadInputError(f"from {start} is later than to {end}", field="from")
        wanted = tuple(f.upper() for f in flags or [])
        unknown = [f for f in wanted if f not in service.QUALITY_FLAGS]
        if unknown:
            raise BadInputError(
                f"unknown quality flag {unknown[0][:40]!r}; use one of "
                + ", ".join(service.QUALITY_FLAGS),
                field="flag",
            )
        plant = plant.upper() if plant else None
        if plant is not None:
            known = read(service.plants)
            if plant not in known:
                raise BadInputError(
                    f"unknown plant {plant!r}; known plants: {', '.join(known) or 'none'}",
                    field="plant",
                )
        return service.Filters(plant, start, end, wanted)

    @router.get("/results", response_model=ResultsPage)
    def results(
        plant: Plant = None,
        start: Start = None,
        end: End = None,
        flag: Flags = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Daily results (``mrv_results``) with the filters of ``weir mrv report``."""
        chosen = filters(plant, start, end, flag)
        rows = read(lambda e: service.results(e, chosen))
        return _page(rows, limit, offset)

    @router.get("/totals", response_model=TotalsOut)
    def totals(
        plant: Plant = None,
        start: Start = None,
        end: End = None,
        flag: Flags = None,
        by_month: Annotated[bool, Query(description="One total per plant and month.")] = False,
    ) -> dict[str, Any]:
        """Per plant (or plant and month): credited t CO₂ of VALID days, day counts, and the
        Monte Carlo conservative estimate, as ``weir mrv report --totals``."""
        chosen = filters(plant, start, end, flag)
        rows = read(lambda e: service.results(e, chosen))
        return {"items": service.totals(rows, MrvSettings(), by_month=by_month)}

    @router.get("/qa/findings", response_model=FindingsPage)
    def findings(
        plant: Plant = None,
        start: Start = None,
        end: End = None,
        level: Annotated[int | None, Query(ge=1, le=4, description="Only this level.")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """QA/QC findings of levels 1–4; plant and date filters keep findings without either."""
        chosen = filters(plant, start, end, None)
        rows = read(lambda e: service.findings(e, chosen, level))
        return _page(rows, limit, offset)

    @router.get("/qa/counts", response_model=list[FindingCount])
    def counts() -> list[dict[str, Any]]:
        """Finding counts by level, check and severity (as ``weir mrv qa``)."""
        return read(service.qa_counts)

    @router.get("/runs", response_model=RunsPage)
    def runs(limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """Ingestion runs (one per file attempt), newest first."""
        rows = read(lambda e: service.runs(e, limit=offset + limit + 1))
        total = read(_run_count)
        return {
            **_page(rows, limit, offset),
            "total": total,
            "next_offset": _next(offset, limit, total),
        }

    return router


def _run_count(engine: Engine) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from weir.mrv.models import IngestionRun

    with Session(engine) as session:
        return int(session.scalar(select(func.count(IngestionRun.id))) or 0)


def _next(offset: int, limit: int, total: int) -> int | None:
    return offset + limit if offset + limit < total else None


def _page(rows: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {
        "items": rows[offset : offset + limit],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "next_offset": _next(offset, limit, len(rows)),
    }
