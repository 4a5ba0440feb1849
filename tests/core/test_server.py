"""The root app: landing page, health, OpenAPI and the one error handler."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from weir.catalog import SYSTEMS
from weir.core.errors import BadInputError, NotFoundError
from weir.core.settings import Settings
from weir.server import create_app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, with_ui=False)
    _add_failing_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _add_failing_routes(app: FastAPI) -> None:
    @app.get("/boom/bad")
    def bad() -> None:
        raise BadInputError("flow must be ≥ 0", file="ops.xlsx", row=7, field="flow")

    @app.get("/boom/missing")
    def missing() -> None:
        raise NotFoundError("no plant 'X'")

    @app.get("/boom/crash")
    def crash() -> None:
        raise RuntimeError("password=secret at /srv/weir/app.py line 3 SELECT * FROM t")

    @app.get("/boom/typed")
    def typed(n: int) -> int:
        return n


def test_landing_lists_every_system(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    for system in SYSTEMS:
        assert system.title in page
    unavailable = [s for s in SYSTEMS if not s.available]
    assert page.count("not yet available") == len(unavailable)
    assert '<a href="/docs">' in page or "<a href=/docs>" in page


def test_healthz_and_openapi(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["systems"] == {s.name: s.available for s in SYSTEMS}
    assert client.get("/docs").status_code == 200
    assert "/healthz" in client.get("/openapi.json").json()["paths"]


def test_client_errors_keep_their_message_and_status(client: TestClient) -> None:
    response = client.get("/boom/bad")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "bad_input",
            "message": "flow must be ≥ 0 (file ops.xlsx, row 7, field flow)",
        }
    }
    assert client.get("/boom/missing").json() == {
        "error": {"code": "not_found", "message": "no plant 'X'"}
    }
    assert client.get("/no/such/route").json() == {
        "error": {"code": "not_found", "message": "Not Found"}
    }
    typed = client.get("/boom/typed", params={"n": "x"})
    assert typed.status_code == 422
    assert typed.json()["error"]["code"] == "bad_request"
    assert typed.json()["error"]["message"].startswith("query.n: ")


def test_internal_errors_leak_nothing(client: TestClient) -> None:
    response = client.get("/boom/crash")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "internal error"}}
    for leak in ("secret", "Traceback", "/srv", "SELECT", "RuntimeError"):
        assert leak not in response.text


def test_request_id_is_echoed(client: TestClient) -> None:
    assert client.get("/healthz", headers={"x-request-id": "abc"}).headers["x-request-id"] == "abc"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
