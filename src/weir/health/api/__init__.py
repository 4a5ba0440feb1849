"""The health API: ``create_router(settings)``, mounted by ``weir serve`` at ``/api/health``.

Routes live under ``/v1``: health, status, diagram, diagram/svg, history, uptime, push, run,
config. The router's lifespan starts the round loop (and the config watcher) and stops it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter

from weir.core.settings import Settings
from weir.health.api.envelope import make_route_class
from weir.health.settings import HealthSettings


def create_router(settings: Settings, health: HealthSettings | None = None) -> APIRouter:
    """The health router; its lifespan runs the checks in the background.

    Args:
        settings: weir's settings (store, database).
        health: Health settings (read from ``WEIR_HEALTH_*`` when omitted).
    """
    from weir.health.api.routes import add_routes
    from weir.health.service import HealthService

    health = health or HealthSettings()
    service = HealthService(settings, health)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    router = APIRouter(lifespan=lifespan, route_class=make_route_class(health.cors_origins))
    router.state = service  # type: ignore[attr-defined]  # tests and benchmarks reach it
    add_routes(router, service)
    return router
