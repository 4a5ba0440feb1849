"""``http`` (status, body, latency) and ``tcp`` (a port accepts connections); async, so a
timeout cancels them outright."""

from __future__ import annotations

import asyncio
import time

from pydantic import Field

from weir.health.models import Duration
from weir.health.pipeline.checks.base import Check, CheckParams, Outcome


class HttpParams(CheckParams):
    """``url``; expected ``status`` codes, text the body ``contains``, ``max_latency``."""

    url: str
    method: str = "GET"
    status: list[int] = Field(default_factory=lambda: [200])
    contains: str | None = None
    max_latency: Duration | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    verify_tls: bool = True


class Http(Check):
    """An HTTP endpoint answers as expected."""

    Params = HttpParams

    async def run(self) -> Outcome:
        """One request with httpx (no redirects followed beyond 5)."""
        import httpx

        params = self.params
        assert isinstance(params, HttpParams)
        started = time.perf_counter()
        try:
            async with httpx.AsyncClient(
                verify=params.verify_tls, follow_redirects=True, max_redirects=5
            ) as client:
                response = await client.request(params.method, params.url, headers=params.headers)
        except httpx.HTTPError as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}".rstrip(": "))
        latency = time.perf_counter() - started
        text = f"HTTP {response.status_code} in {latency * 1000:.0f} ms"
        if response.status_code not in params.status:
            wanted = ", ".join(str(code) for code in params.status)
            return Outcome(False, f"{text} (expected {wanted})")
        if params.contains is not None and params.contains not in response.text:
            return Outcome(False, f"{text}: body lacks {params.contains!r}")
        if params.max_latency is not None and latency > params.max_latency.total_seconds():
            limit = params.max_latency.total_seconds() * 1000
            return Outcome(False, f"{text} (max {limit:.0f} ms)")
        return Outcome(True, text)


class TcpParams(CheckParams):
    """``host`` and ``port``."""

    host: str
    port: int


class Tcp(Check):
    """A TCP port accepts a connection."""

    Params = TcpParams

    async def run(self) -> Outcome:
        """Open and close one connection."""
        params = self.params
        assert isinstance(params, TcpParams)
        started = time.perf_counter()
        try:
            _reader, writer = await asyncio.open_connection(params.host, params.port)
        except OSError as exc:
            return Outcome(False, f"{params.host}:{params.port}: {exc.strerror or exc}")
        writer.close()
        await writer.wait_closed()
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(True, f"{params.host}:{params.port} accepted in {elapsed:.0f} ms")
