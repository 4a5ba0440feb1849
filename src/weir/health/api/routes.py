"""The health routes (``/v1/...``). Reads of the last snapshot are ``async`` (no thread hop: they
only read memory); routes that touch the database or run checks are plain functions (FastAPI
runs them in its thread pool)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse

from weir.health.api.envelope import ALLOW_HEADERS, ALLOW_METHODS, cors_headers, ok
from weir.health.errors import InvalidConfigError
from weir.health.service import HealthService
from weir.health.settings import CONFIGS

Envelope = dict[str, Any]
STATUS_EXAMPLE = {
    "status": "ok",
    "data": {
        "pipeline": "Helicopter data ingestion",
        "status": "failed",
        "checked_at": "2026-11-26T10:00:02Z",
        "processes": [
            {
                "id": "compress",
                "name": "Compress parametric data",
                "group": "ingest",
                "status": "failed",
                "root_cause": None,
                "checks": [
                    {
                        "id": "compressed_present",
                        "type": "file_exists",
                        "status": "failed",
                        "message": "0 files match data/compressed/*.tsv.gz (need 1)",
                        "duration_ms": 0.8,
                        "checked_at": "2026-11-26T10:00:02Z",
                    }
                ],
            }
        ],
        "counts": {"healthy": 4, "failed": 1, "unknown": 3},
        "config_error": None,
    },
    "error": None,
}


def _etag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:20] + '"'


def add_routes(router: APIRouter, service: HealthService) -> None:
    """Add every route to `router`."""
    cached: list[Any] = [None, b""]  # the last snapshot and its /v1/status body

    @router.get("/v1/health", summary="Overall status and counts")
    async def health() -> Envelope:
        """The pipeline's overall status, counts per status, the config error if any."""
        return ok(service.summary())

    @router.get(
        "/v1/status",
        summary="Every process with its checks' last results",
        response_model=None,
        responses={200: {"content": {"application/json": {"example": STATUS_EXAMPLE}}}},
    )
    async def status(
        process: Annotated[str | None, Query(description="Only this process id")] = None,
        state: Annotated[
            Literal["healthy", "failed", "degraded", "pending", "unknown", "maintenance"] | None,
            Query(alias="status", description="Only processes in this status"),
        ] = None,
    ) -> Response | Envelope:
        """Processes, their status (with root cause), and their checks' last results."""
        if process is None and state is None:  # the common poll: serialized once per round
            snapshot = service.snapshot
            if cached[0] is not snapshot:
                cached[:] = [snapshot, orjson.dumps(ok(service.status()))]
            return Response(cached[1], media_type="application/json")
        return ok(service.status(process, state))

    @router.get("/v1/diagram", summary="The Mermaid diagram")
    async def diagram(
        request: Request,
        format: Annotated[Literal["json", "text"], Query()] = "json",
    ) -> Response:
        """The Mermaid text (JSON envelope, or ``?format=text``); ETag for conditional GETs."""
        text = service.diagram_text
        tag = _etag(text)
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"etag": tag})
        headers = {"etag": tag, "cache-control": "no-cache"}
        if format == "text":
            return PlainTextResponse(text, headers=headers)
        snapshot = service.snapshot
        body = ok({"pipeline": snapshot.pipeline, "status": snapshot.status, "mermaid": text})
        return Response(orjson.dumps(body), media_type="application/json", headers=headers)

    @router.get(
        "/v1/diagram/svg",
        summary="The diagram as SVG (from the render cache)",
        responses={200: {"content": {"image/svg+xml": {}}}},
    )
    async def diagram_svg(request: Request) -> Response:
        """The cached SVG; ``X-Diagram-Fresh: false`` while the latest status is rendering,
        ``X-Renderer: fallback`` before any renderer drew."""
        svg, renderer, fresh = service.svg()
        tag = _etag(svg)
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"etag": tag})
        headers = {
            "etag": tag,
            "cache-control": "no-cache",
            "x-renderer": renderer,
            "x-diagram-fresh": str(fresh).lower(),
        }
        return Response(svg, media_type="image/svg+xml", headers=headers)

    @router.get("/v1/history", summary="Latest check results, newest first")
    def history(
        check_id: str | None = None,
        process_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Envelope:
        """Results from the history database."""
        from weir.health.pipeline import history as store

        rows = store.check_history(
            service.engine(),
            service.config.pipeline.name,
            check_id=check_id,
            process_id=process_id,
            limit=limit,
        )
        return ok(rows)

    @router.get("/v1/uptime", summary="Uptime % per process over 24 h, 7 d, 30 d")
    def uptime() -> Envelope:
        """Uptime and response times per process."""
        from weir.health.pipeline import history as store

        return ok(store.uptime(service.engine(), service.config.pipeline.name))

    @router.post("/v1/push/{check_id}", summary="Heartbeat push of a job")
    def push(
        check_id: str,
        token: Annotated[str | None, Query(description="The check's push token")] = None,
        message: Annotated[str | None, Query(max_length=1000)] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Envelope:
        """Record that the job behind a ``heartbeat`` check is alive (token in ``?token=`` or
        ``Authorization: Bearer``)."""
        if token is None and authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:]
        at = service.push(check_id, token, message)
        return ok({"check_id": check_id, "pushed_at": at.isoformat()})

    @router.post("/v1/run", summary="Run every check now")
    def run(x_api_key: Annotated[str | None, Header()] = None) -> Envelope:
        """Run a round now (all checks, ignoring their cache); needs ``X-API-Key`` when set."""
        service.check_api_key(x_api_key)
        service.run_round(force=True)
        return ok(service.status())

    @router.get("/v1/config", summary="The running config, secrets redacted")
    def config() -> Envelope:
        """The validated config; ``config_error`` names a newer file that failed validation."""
        return ok(
            {
                "source": str(service.path),
                "config": service.redacted_config(),
                "config_error": service.config_error,
            }
        )

    @router.get("/v1/configs", summary="Shipped configs")
    def configs() -> Envelope:
        """The configs weir ships (names and text), for a frontend's config panel."""
        return ok(
            [
                {"name": path.stem, "text": path.read_text(encoding="utf-8")}
                for path in sorted(CONFIGS.glob("*.yaml"))
            ]
        )

    @router.post("/v1/config/validate", summary="Validate a config (nothing is changed)")
    def validate(
        text: Annotated[str, Body(media_type="text/plain", max_length=2_000_000)],
    ) -> Envelope:
        """Every problem of a config text, or its summary and Mermaid diagram."""
        from weir.health.pipeline.config import parse_config
        from weir.health.pipeline.diagram import MermaidGenerator

        try:
            loaded = parse_config(text, "<upload>", Path.cwd(), import_custom=False)
        except InvalidConfigError as exc:
            return ok({"valid": False, "problems": exc.problems})
        return ok(
            {
                "valid": True,
                "problems": [],
                "pipeline": loaded.config.pipeline.name,
                "processes": len(loaded.config.processes),
                "checks": len(loaded.config.checks()),
                "mermaid": MermaidGenerator(service.health.collapse_over).generate(loaded.config),
            }
        )

    @router.options("/v1/{path:path}", include_in_schema=False)
    def preflight(request: Request, path: str) -> Response:
        """CORS preflight: allowed origins get the methods and headers."""
        headers = cors_headers(request, service.health.cors_origins)
        if headers:
            headers["access-control-allow-methods"] = ALLOW_METHODS
            headers["access-control-allow-headers"] = ALLOW_HEADERS
            headers["access-control-max-age"] = "600"
        return Response(status_code=204 if headers else 400, headers=headers)
