"""``/api/telemetry``: read-only HTTP API over the telemetry tables and the pipeline's state.

Routes: ``GET /status`` (the figures of ``weir telemetry status``), ``GET /columns`` (names and
kinds), ``GET /vehicles/latest`` (latest values of every vehicle, paged), ``GET
/vehicles/{vehicle_id}/latest``, ``GET /vehicles/{vehicle_id}/history`` (chosen columns over a
time range, paged). There is no SQL over HTTP: column names are checked against the table, and
bad parameters answer 400/422 in weir's one error shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from weir.core.http import ErrorBody
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.api_models import (
    ColumnsOut,
    HistoryPage,
    LatestPage,
    TelemetryStatus,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameter (unknown column, bad range …)"},
    404: {"model": ErrorBody, "description": "No such vehicle, or no tables yet"},
    422: {"model": ErrorBody, "description": "A parameter of the wrong type or out of range"},
}
Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (1–1000).")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip.")]
Columns = Annotated[
    list[str] | None,
    Query(
        alias="column",
        description="A column to return (repeatable; at most 50). See GET /columns.",
        max_length=50,
    ),
]
VehicleId = Annotated[str, Path(min_length=1, max_length=200, description="The vehicle's id.")]


def create_router(settings: Settings) -> APIRouter:
    """The telemetry router, reading the store named by `settings` (mounted at /api/telemetry)."""
    from weir.telemetry import reads, service

    router = APIRouter(responses=ERRORS)
    stores: list[Store] = []

    def store() -> Store:
        """One store (and its connection pool) for every request, opened at the first."""
        if not stores:
            stores.append(Store.from_settings(settings))
        return stores[0]

    @router.get("/status", response_model=TelemetryStatus)
    def status() -> dict[str, Any]:
        """Table version, rows, columns, vehicles, files pending and processed, rescued rows,
        dead letters and the last run (the figures of ``weir telemetry status``)."""
        return service.status(store())

    @router.get("/columns", response_model=ColumnsOut)
    def columns(
        table: Annotated[
            str, Query(description="car_telemetry_flattened or vehicle_latest.", max_length=64)
        ] = "car_telemetry_flattened",
    ) -> dict[str, Any]:
        """Every column of a table with its kind (bool, int64, float64, string, timestamp)."""
        return {"table": table, "columns": reads.columns(store(), table)}

    @router.get("/vehicles/latest", response_model=LatestPage)
    def latest_all(
        column: Columns = None, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        """The latest known value of each column for every vehicle, ordered by vehicle id."""
        return _page(reads.latest(store(), wanted=column, limit=limit, offset=offset))

    @router.get("/vehicles/{vehicle_id}/latest", response_model=LatestPage)
    def latest_one(vehicle_id: VehicleId, column: Columns = None) -> dict[str, Any]:
        """The latest known value of each column for one vehicle."""
        return _page(reads.latest(store(), vehicle=vehicle_id, wanted=column))

    @router.get("/vehicles/{vehicle_id}/history", response_model=HistoryPage)
    def history(
        vehicle_id: VehicleId,
        column: Annotated[
            list[str],
            Query(
                description="A column to return (repeatable, 1–50). See GET /columns.",
                min_length=1,
                max_length=50,
            ),
        ],
        start: Annotated[
            datetime | None, Query(description="From this time (ISO 8601; naive is UTC).")
        ] = None,
        end: Annotated[datetime | None, Query(description="Until before this time.")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """One vehicle's rows, oldest first by ``recorded_at``: event id, time and the chosen
        columns over ``[start, end)``."""
        page = reads.history(
            store(), vehicle_id, column, start=start, end=end, limit=limit, offset=offset
        )
        return {
            "vehicle_id": vehicle_id,
            "start": reads.utc(start),
            "end": reads.utc(end),
            **_page(page),
        }

    return router


def _page(page: Any) -> dict[str, Any]:
    return {
        "items": page.items,
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": page.next_offset,
    }
