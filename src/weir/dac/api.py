"""The artifact API, mounted at ``/api/dac`` (and served to API Gateway by the Lambda handler).

- ``GET /presigned-url?key=K`` → ``{"url", "expires_at", "key"}`` (``&redirect=true``: a 307 to
  it, so ``<script src=…>`` works), rate-limited per client IP.
- ``GET /artifact/{key}?expires=…&signature=…`` → the file (``file://`` stores), 403 when the
  signature is tampered or expired.
- ``POST /log-error`` → the widget's reports, schema-checked, at most 8 KB, rate-limited.
- ``OPTIONS`` anything → CORS preflight.

CORS lives in this router (a route class), so it applies to ``/api/dac`` only: an allowed origin
is echoed with ``Vary: Origin``; any other origin gets no CORS header at all. Each request is
added to a buffered access log under ``logs/api/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from loguru import logger
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from weir.core.errors import BadInputError, WeirError
from weir.core.http import error_body
from weir.core.settings import Settings
from weir.dac.applog import BufferedLog
from weir.dac.errors import RateLimitedError
from weir.dac.ratelimit import RateLimiter
from weir.dac.reports import MAX_REPORT_BYTES, REPORT
from weir.dac.service import DacService
from weir.dac.settings import DacSettings

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
PREFLIGHT_MAX_AGE = "600"


class PayloadTooLargeError(WeirError):
    """A report over 8 KB."""

    status = 413
    exit_code = 2
    code = "payload_too_large"


def error_response(exc: Exception) -> Response:
    """The one weir error shape for anything a DAC route raises (nothing internal leaks)."""
    if isinstance(exc, WeirError):
        if exc.status >= 500:
            logger.opt(exception=exc).error("dac request failed")
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else {}
        return JSONResponse(
            error_body(exc.code, exc.client_message), status_code=exc.status, headers=headers
        )
    if isinstance(exc, RequestValidationError):
        parts = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return JSONResponse(error_body("bad_request", "; ".join(parts)), status_code=422)
    if isinstance(exc, HTTPException):
        return JSONResponse(error_body("http_error", str(exc.detail)), status_code=exc.status_code)
    logger.opt(exception=exc).error("unhandled error in the dac API")
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)


def client_ip(request: Request) -> str:
    """The client's address as the server sees it (Mangum sets it from API Gateway's)."""
    return request.client.host if request.client else "unknown"


class DacApi:
    """The router's shared parts: service, rate limiter, logs and the CORS allowlist."""

    def __init__(self, settings: Settings, dac: DacSettings) -> None:
        self.dac = dac
        self.service = DacService(settings, dac)
        self.limiter = RateLimiter(
            dac.rate_limit_storage, {"api": dac.rate_limit, "log_error": dac.log_error_rate_limit}
        )
        every = dac.access_log_flush_seconds
        self.access_log = BufferedLog(self.service.public, "logs/api", "access", every)
        self.frontend_log = BufferedLog(self.service.public, "logs/frontend", "errors", every)
        self.origins = frozenset(dac.cors_origins)

    def cors(self, response: Response, origin: str | None) -> None:
        """Echo an allowed origin; add nothing else for any other."""
        response.headers.append("Vary", "Origin")
        if origin is not None and origin in self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin

    def access(self, request: Request, status: int) -> None:
        """Queue one access-log entry (the seed's fields)."""
        self.access_log.add(
            {
                "timestamp": datetime.now(UTC).isoformat(),
                "source_ip": client_ip(request),
                "requested_key": request.query_params.get("key") or request.path_params.get("key"),
                "status_code": status,
                "user_agent": request.headers.get("user-agent", "unknown"),
                "path": request.url.path,
                "origin": request.headers.get("origin"),
            }
        )

    def route_class(self) -> type[APIRoute]:
        """A route class adding errors-as-responses, CORS and the access log to each route."""
        api = self

        class DacRoute(APIRoute):
            def get_route_handler(self) -> Handler:
                original = super().get_route_handler()

                async def handler(request: Request) -> Response:
                    try:
                        response = await original(request)
                    except Exception as exc:
                        response = error_response(exc)
                    api.cors(response, request.headers.get("origin"))
                    api.access(request, response.status_code)
                    return response

                return handler

        return DacRoute

    def close(self) -> None:
        """Write the buffered logs."""
        self.access_log.close()
        self.frontend_log.close()


def create_router(settings: Settings, dac: DacSettings | None = None) -> APIRouter:
    """The DAC artifact API (see the module docstring)."""
    api = DacApi(settings, dac or DacSettings())

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        api.close()

    router = APIRouter(route_class=api.route_class(), lifespan=lifespan)
    router.state = api  # type: ignore[attr-defined]  # tests and the page reach the parts

    @router.get("/presigned-url")
    def presigned_url(
        request: Request,
        key: Annotated[str | None, Query(max_length=1000)] = None,
        redirect: bool = False,
    ) -> Response:
        """A short-lived URL of a public file; ``*`` in the key means the latest dated one."""
        api.limiter.hit("api", client_ip(request))
        if not key:
            raise BadInputError("missing key parameter", field="key")
        result = api.service.presign(key, lambda k: str(request.url_for("dac_artifact", key=k)))
        if redirect:
            return RedirectResponse(result["url"], status_code=307)
        return JSONResponse(result, headers={"Cache-Control": "no-store"})

    @router.get("/artifact/{key:path}", name="dac_artifact")
    def artifact(
        request: Request,
        key: str,
        expires: int,
        signature: Annotated[str, Query(max_length=64)],
    ) -> Response:
        """A public file behind a signed, expiring weir URL (``file://`` stores)."""
        found = api.service.artifact(key, expires, signature)
        headers = {
            "ETag": found.etag,
            "Cache-Control": "public, max-age=60",
            "Last-Modified": found.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "X-Content-Type-Options": "nosniff",
        }
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.content_type, headers=headers)

    @router.post("/log-error", status_code=202)
    async def log_error(request: Request) -> dict[str, bool]:
        """Store one widget report (javascript_error, data_load_failure, performance_metrics)."""
        ip = client_ip(request)
        api.limiter.hit("log_error", ip)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
            raise PayloadTooLargeError(f"a report is at most {MAX_REPORT_BYTES} bytes")
        body = await request.body()
        if len(body) > MAX_REPORT_BYTES:
            raise PayloadTooLargeError(f"a report is at most {MAX_REPORT_BYTES} bytes")
        try:
            report = REPORT.validate_json(body)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "body"
            raise BadInputError(error["msg"], field=where) from None
        api.frontend_log.add(
            {
                "received_at": datetime.now(UTC).isoformat(),
                "source_ip": ip,
                "origin": request.headers.get("origin"),
                **report.model_dump(exclude_none=True),
            }
        )
        return {"accepted": True}

    @router.options("/{path:path}", include_in_schema=False)
    def preflight(request: Request, path: str) -> Response:
        """CORS preflight: allowed origins get the methods and headers; others get nothing."""
        origin = request.headers.get("origin")
        if origin is None or origin not in api.origins:
            return Response(status_code=204)
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            },
        )

    return router


def create_api_app(settings: Settings, dac: DacSettings | None = None, prefix: str = "") -> FastAPI:
    """A FastAPI app serving only this router (the Lambda handler, benchmarks)."""
    from weir.core.http import install_error_handlers

    router = create_router(settings, dac)
    app = FastAPI(title="weir dac", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    app.include_router(router, prefix=prefix)
    app.state.dac = router.state  # type: ignore[attr-defined]
    return app
