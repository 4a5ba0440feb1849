"""AWS Lambda entry point: the points API behind API Gateway, through Mangum.

``weir.forecast.lambda_handler.handler`` is the function to configure; settings come from the
function's environment (``WEIR_DATABASE_URL``, ``WEIR_STORE_URL``, ``WEIR_FORECAST_API_KEY`` …).
The app is built on the first invocation and reused while the container is warm.
"""

from __future__ import annotations

from typing import Any

_handler: Any = None


def build_app() -> Any:
    """A FastAPI app serving the forecast router at ``/api/forecast``."""
    from fastapi import FastAPI

    from weir.core.http import RequestIdMiddleware, install_error_handlers
    from weir.core.settings import Settings
    from weir.forecast.api import create_router

    app = FastAPI(title="weir forecast points")
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(create_router(Settings()), prefix="/api/forecast")
    return app


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle one API Gateway (REST or HTTP API) event."""
    global _handler
    if _handler is None:
        from mangum import Mangum

        _handler = Mangum(build_app(), lifespan="off")
    response: dict[str, Any] = _handler(event, context)
    return response
