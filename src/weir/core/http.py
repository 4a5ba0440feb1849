"""The one error-to-HTTP mapping and request-id middleware, for every FastAPI app of weir."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from weir.core.errors import WeirError


class ErrorDetail(BaseModel):
    """What went wrong, for a client (never a path, SQL or a traceback)."""

    code: str = Field(examples=["bad_input"])
    message: str = Field(examples=["unknown plant 'PLANT_Z' (field plant)"])


class ErrorBody(BaseModel):
    """weir's one error shape, ``{"error": {"code", "message"}}``: every router's responses."""

    error: ErrorDetail


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The error shape every weir API returns."""
    return {"error": {"code": code, "message": message}}


async def _weir_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WeirError)
    if exc.status >= 500:
        logger.opt(exception=exc).error("request {} failed", request.url.path)
    return JSONResponse(error_body(exc.code, exc.client_message), status_code=exc.status)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = [
        f"{'.'.join(str(loc) for loc in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return JSONResponse(error_body("bad_request", "; ".join(parts)), status_code=422)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.opt(exception=exc).error("unhandled error on {}", request.url.path)
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)


class RequestIdMiddleware(BaseHTTPMiddleware):
    """Give every request an id (or keep the caller's X-Request-ID) and log with it."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        with logger.contextualize(request_id=request_id):
            response = await call_next(request)
        response.headers["x-request-id"] = request_id
        return response


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to ``{"error": {"code", "message"}}`` without internals."""
    app.add_exception_handler(WeirError, _weir_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
