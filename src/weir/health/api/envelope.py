"""The seed's response envelope (``status``, ``data``, ``error``), request logging with
duration, and CORS for the health routes.

Every route of the router uses :class:`EnvelopeRoute`: a weir error or a request validation
error becomes ``{"status": "error", "data": null, "error": {"code", "message"}}`` with its HTTP
status, nothing internal leaks, and each request is logged with method, path, status, duration
and request id. CORS is answered here because a router cannot add middleware to the root app:
allowed origins get ``Access-Control-Allow-Origin`` and preflights are answered by the router.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from loguru import logger

from weir.core.errors import WeirError

ALLOW_HEADERS = "content-type, x-api-key, x-request-id, authorization"
ALLOW_METHODS = "GET, POST, OPTIONS"


def ok(data: Any) -> dict[str, Any]:
    """A success envelope."""
    return {"status": "ok", "data": data, "error": None}


def failure(code: str, message: str, status: int) -> JSONResponse:
    """An error envelope."""
    body = {"status": "error", "data": None, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status)


def cors_headers(request: Request, origins: list[str]) -> dict[str, str]:
    """The CORS headers for this request's origin (none when it is not allowed)."""
    origin = request.headers.get("origin")
    if origin is None or (origin not in origins and "*" not in origins):
        return {}
    return {
        "access-control-allow-origin": origin,
        "access-control-expose-headers": "x-request-id, x-renderer, x-diagram-fresh, etag",
        "vary": "Origin",
    }


def make_route_class(origins: list[str]) -> type[APIRoute]:
    """An APIRoute class wrapping handlers with the envelope, logging and CORS."""

    class EnvelopeRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def wrapped(request: Request) -> Response:
                started = time.perf_counter()
                try:
                    response = await handler(request)
                except WeirError as exc:
                    if exc.status >= 500:
                        logger.opt(exception=exc).error("request {} failed", request.url.path)
                    response = failure(exc.code, exc.client_message, exc.status)
                except RequestValidationError as exc:
                    parts = [
                        f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
                    ]
                    response = failure("bad_request", "; ".join(parts), 422)
                response.headers.update(cors_headers(request, origins))
                elapsed = (time.perf_counter() - started) * 1000
                logger.bind(duration_ms=round(elapsed, 2), status=response.status_code).info(
                    "{} {} {} {:.1f} ms",
                    request.method,
                    request.url.path,
                    response.status_code,
                    elapsed,
                )
                return response

            return wrapped

    return EnvelopeRoute
