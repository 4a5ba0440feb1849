"""The points API, mounted at ``/api/forecast`` (the seed's API Gateway + Lambda write-back).

Reads are open; writes need ``X-API-Key`` equal to ``WEIR_FORECAST_API_KEY`` (401 without a key,
403 with a wrong one or while no key is configured). The schema is migrated on first use.
"""

import secrets
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from weir.core.errors import ForbiddenError, UnauthorizedError
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.forecast.points import GridCache, PointCreate, PointService, PointUpdate
from weir.forecast.settings import ForecastSettings


class _Lazy:
    """The engine, store and service, built on the first request (nothing at import time)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._service: PointService | None = None
        self._lock = threading.Lock()

    def __call__(self) -> PointService:
        with self._lock:
            if self._service is None:
                from weir.core.db import discover_version_locations, make_engine, upgrade

                upgrade(self.settings.database_url, discover_version_locations())
                store = Store.from_settings(self.settings)
                service = PointService(
                    make_engine(self.settings.database_url), store, GridCache(store)
                )
                service.seed()
                self._service = service
            return self._service


def create_router(settings: Settings, options: ForecastSettings | None = None) -> APIRouter:
    """The forecast router: points (list, get, create, update, delete), audit, nearest, status."""
    options = options or ForecastSettings()
    lazy = _Lazy(settings)
    router = APIRouter()

    def writer(x_api_key: Annotated[str | None, Header()] = None) -> str:
        if options.api_key is None:
            raise ForbiddenError("writes are disabled: set WEIR_FORECAST_API_KEY")
        if not x_api_key:
            raise UnauthorizedError("an X-API-Key header is required for writes")
        if not secrets.compare_digest(x_api_key, options.api_key.get_secret_value()):
            raise ForbiddenError("wrong API key")
        return x_api_key

    Service = Annotated[PointService, Depends(lazy)]
    Writer = Annotated[str, Depends(writer)]

    @router.get("/points")
    def list_points(service: Service) -> list[dict[str, Any]]:
        """Every point, with its nearest grid point in each source."""
        return service.all()

    @router.get("/points/{point_id}")
    def get_point(point_id: str, service: Service) -> dict[str, Any]:
        """One point."""
        return service.get(point_id)

    @router.post("/points", status_code=201)
    def create_point(payload: PointCreate, service: Service, _key: Writer) -> dict[str, Any]:
        """Add a point (validated; 409 on a duplicate name or grid cell)."""
        return service.create(payload)

    @router.patch("/points/{point_id}")
    def update_point(
        point_id: str,
        change: PointUpdate,
        service: Service,
        _key: Writer,
        actor: Annotated[str, Query(min_length=1, max_length=80)] = "api",
    ) -> dict[str, Any]:
        """Change a point's name, tags, enabled flag or time zone."""
        return service.update(point_id, change, actor)

    @router.delete("/points/{point_id}", status_code=204)
    def delete_point(
        point_id: str,
        service: Service,
        _key: Writer,
        actor: Annotated[str, Query(min_length=1, max_length=80)] = "api",
    ) -> Response:
        """Delete a point."""
        service.delete(point_id, actor)
        return Response(status_code=204)

    @router.get("/audit")
    def audit(
        service: Service,
        point_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """Audit of point writes, newest first."""
        return service.audit(point_id, limit)

    @router.get("/nearest")
    def nearest(
        service: Service,
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=360)],
    ) -> dict[str, Any]:
        """The nearest grid point of each source containing (lat, lon), with the distance."""
        return {"lat": lat, "lon": lon, "sources": service.grids.nearest(lat, lon)}

    @router.get("/status")
    def status(service: Service) -> dict[str, Any]:
        """Last extraction, inventory, cost, freshness and errors."""
        from weir.forecast.service import status_summary

        return status_summary(service.store)

    return router
