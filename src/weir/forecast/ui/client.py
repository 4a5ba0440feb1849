"""The dashboard's client of the points API: over HTTP (``WEIR_FORECAST_API_URL``) or, by
default, in-process through the same router (same validation, same key, same audit)."""

from __future__ import annotations

from typing import Any

from weir.core.settings import Settings
from weir.forecast.settings import ForecastSettings


class PointsClient:
    """Async calls to ``/api/forecast``; errors come back as the API's message."""

    def __init__(self, settings: Settings, options: ForecastSettings) -> None:
        self.settings, self.options = settings, options
        self._app: Any = None

    def _client(self) -> Any:
        import httpx

        headers = {}
        if self.options.api_key is not None:
            headers["X-API-Key"] = self.options.api_key.get_secret_value()
        if self.options.api_url:
            return httpx.AsyncClient(base_url=self.options.api_url, headers=headers, timeout=10)
        if self._app is None:
            from fastapi import FastAPI

            from weir.core.http import install_error_handlers
            from weir.forecast.api import create_router

            app = FastAPI()
            install_error_handlers(app)
            app.include_router(create_router(self.settings, self.options), prefix="/api/forecast")
            self._app = app
        transport = httpx.ASGITransport(app=self._app)
        return httpx.AsyncClient(transport=transport, base_url="http://weir", headers=headers)

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """(status, JSON body) of one call to ``/api/forecast<path>``."""
        async with self._client() as client:
            response = await client.request(method, f"/api/forecast{path}", **kwargs)
        body = response.json() if response.content else None
        return response.status_code, body

    @staticmethod
    def message(body: Any) -> str:
        """The error message of an API error body."""
        if isinstance(body, dict) and "error" in body:
            return str(body["error"]["message"])
        return str(body)
