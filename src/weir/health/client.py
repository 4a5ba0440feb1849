"""A typed Python client of the health API, sync and async (httpx).

Example::

    from weir.health.client import HealthClient

    with HealthClient("http://127.0.0.1:8000/api/health") as client:
        status = client.status()
        print(status.status, [p.id for p in status.processes if p.status == "failed"])
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from weir.health.models import Snapshot


class HealthApiError(Exception):
    """The API answered with an error envelope (or not at all).

    Attributes:
        status: HTTP status (0 when the API could not be reached).
        code: The envelope's error code.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message


def _data(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        raise HealthApiError(response.status_code, "bad_response", response.text[:200]) from None
    if response.status_code >= 400 or body.get("status") != "ok":
        error = body.get("error") or {}
        raise HealthApiError(
            response.status_code, error.get("code", "http_error"), error.get("message", "")
        )
    return body["data"]


def _status_params(process: str | None, status: str | None) -> dict[str, str]:
    return {k: v for k, v in (("process", process), ("status", status)) if v is not None}


class HealthClient:
    """Sync client.

    Args:
        base_url: The API root, e.g. ``http://127.0.0.1:8000/api/health``.
        api_key: Sent as ``X-API-Key`` (writes need it when the server sets one).
        timeout: Seconds per request.
    """

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 5.0) -> None:
        headers = {"x-api-key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> HealthClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _get(self, path: str, **params: Any) -> Any:
        try:
            return _data(self._http.get(path, params=params))
        except httpx.HTTPError as exc:
            raise HealthApiError(0, "unreachable", f"health API unreachable: {exc}") from exc

    def _post(self, path: str, **kwargs: Any) -> Any:
        try:
            return _data(self._http.post(path, **kwargs))
        except httpx.HTTPError as exc:
            raise HealthApiError(0, "unreachable", f"health API unreachable: {exc}") from exc

    def health(self) -> dict[str, Any]:
        """Overall status and counts."""
        return dict(self._get("/v1/health"))

    def status(self, process: str | None = None, status: str | None = None) -> Snapshot:
        """Every process (or the filtered ones) with its checks."""
        return Snapshot.model_validate(self._get("/v1/status", **_status_params(process, status)))

    def diagram(self) -> str:
        """The Mermaid text."""
        return str(self._get("/v1/diagram")["mermaid"])

    def diagram_svg(self) -> str:
        """The rendered SVG (from the server's cache)."""
        try:
            response = self._http.get("/v1/diagram/svg")
        except httpx.HTTPError as exc:
            raise HealthApiError(0, "unreachable", f"health API unreachable: {exc}") from exc
        if response.status_code != 200:
            _data(response)
        return response.text

    def history(self, check_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Latest results, newest first."""
        params: dict[str, Any] = {"limit": limit}
        if check_id:
            params["check_id"] = check_id
        return list(self._get("/v1/history", **params))

    def uptime(self) -> dict[str, Any]:
        """Uptime % per process over 24 h, 7 d, 30 d."""
        return dict(self._get("/v1/uptime"))

    def config(self) -> dict[str, Any]:
        """The running config (secrets redacted) and the newer file's error, if any."""
        return dict(self._get("/v1/config"))

    def configs(self) -> list[dict[str, str]]:
        """The shipped configs (name, text)."""
        return list(self._get("/v1/configs"))

    def validate(self, text: str) -> dict[str, Any]:
        """Validate a config text (valid, problems, and its diagram when valid)."""
        headers = {"content-type": "text/plain"}
        return dict(self._post("/v1/config/validate", content=text, headers=headers))

    def run(self) -> Snapshot:
        """Run every check now (needs the API key when the server sets one)."""
        return Snapshot.model_validate(self._post("/v1/run"))

    def push(self, check_id: str, token: str | None = None, message: str | None = None) -> str:
        """Heartbeat push; returns the server's time of the push."""
        params = {k: v for k, v in (("token", token), ("message", message)) if v}
        return str(self._post(f"/v1/push/{check_id}", params=params)["pushed_at"])


class AsyncHealthClient:
    """Async client with the same methods as :class:`HealthClient` (the reads and ``run``)."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 5.0) -> None:
        headers = {"x-api-key": api_key} if api_key else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout
        )

    async def __aenter__(self) -> AsyncHealthClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _get(self, path: str, **params: Any) -> Any:
        try:
            return _data(await self._http.get(path, params=params))
        except httpx.HTTPError as exc:
            raise HealthApiError(0, "unreachable", f"health API unreachable: {exc}") from exc

    async def health(self) -> dict[str, Any]:
        """Overall status and counts."""
        return dict(await self._get("/v1/health"))

    async def status(self, process: str | None = None, status: str | None = None) -> Snapshot:
        """Every process (or the filtered ones) with its checks."""
        data = await self._get("/v1/status", **_status_params(process, status))
        return Snapshot.model_validate(data)

    async def diagram(self) -> str:
        """The Mermaid text."""
        return str((await self._get("/v1/diagram"))["mermaid"])

    async def uptime(self) -> dict[str, Any]:
        """Uptime % per process over 24 h, 7 d, 30 d."""
        return dict(await self._get("/v1/uptime"))

    async def run(self) -> Snapshot:
        """Run every check now (needs the API key when the server sets one)."""
        try:
            data = _data(await self._http.post("/v1/run"))
        except httpx.HTTPError as exc:
            raise HealthApiError(0, "unreachable", f"health API unreachable: {exc}") from exc
        return Snapshot.model_validate(data)
