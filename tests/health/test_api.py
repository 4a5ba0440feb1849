"""The API on a real server: envelope, request ids, filters, ETags, SVG, push tokens, API key,
CORS, redaction, hot reload, and a stage failure visible within 5 s."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI

from weir.core.http import RequestIdMiddleware, install_error_handlers
from weir.core.settings import Settings
from weir.health.api import create_router
from weir.health.pipeline.simulate import apply
from weir.health.sample import sample
from weir.health.settings import HealthSettings

ORIGIN = "http://127.0.0.1:8000"


def build_app(settings: Settings, health: HealthSettings) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(create_router(settings, health), prefix="/api/health")
    return app


@pytest.fixture
def heli(
    settings: Settings, tmp_path: Path, serve_app: Callable[[Any], str]
) -> Iterator[tuple[str, Path]]:
    """The helicopter sample served, with a heartbeat check and an alert added to its config."""
    root = tmp_path / "heli"
    sample(root, 7)
    config = yaml.safe_load((root / "helicopter.yaml").read_text())
    config["processes"][5]["checks"] = [
        {"id": "spark_job", "type": "heartbeat", "max_age": "1h", "token": "s3cret",
         "interval": "1s"}
    ]  # fmt: skip
    config["alerts"] = [{"type": "slack", "url": "http://127.0.0.1:9/services/T0/B0/XyZ"}]
    (root / "helicopter.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    health = HealthSettings(
        config=root / "helicopter.yaml",
        round_every=0.2,
        reload_every=0.2,
        api_key="k3y",
        svg_renderer="mmdr",
    )
    return serve_app(build_app(settings, health)), root


def wait_for(get: Callable[[], Any], predicate: Callable[[Any], bool], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if predicate(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {value}")
        time.sleep(0.05)


def test_status_health_and_failure_within_five_seconds(heli: tuple[str, Path]) -> None:
    base, root = heli
    api = f"{base}/api/health/v1"
    with httpx.Client() as client:
        summary = wait_for(
            lambda: client.get(f"{api}/health").json(), lambda b: b["data"]["round"] >= 1
        )
        assert summary["status"] == "ok"
        assert summary["error"] is None
        assert summary["data"]["processes"] == 8
        response = client.get(f"{api}/status", headers={"x-request-id": "req-42"})
        assert response.headers["x-request-id"] == "req-42"
        processes = {p["id"]: p["status"] for p in response.json()["data"]["processes"]}
        assert processes == {
            "download": "unknown", "extract": "unknown", "parse": "healthy",
            "compress": "healthy", "store_tsv": "healthy", "spark": "failed",
            "algorithms": "healthy", "sql": "healthy",
        }  # fmt: skip
        started = time.monotonic()
        apply(root, "compress")
        body = wait_for(
            lambda: client.get(f"{api}/status", params={"process": "compress"}).json(),
            lambda b: b["data"]["processes"][0]["status"] == "failed",
        )
        assert time.monotonic() - started < 5.0
        check = body["data"]["processes"][0]["checks"][0]
        assert check["message"] == "0 files match data/compressed/*.tsv.gz (need 1)"
        failed = client.get(f"{api}/status", params={"status": "failed"}).json()
        assert [p["id"] for p in failed["data"]["processes"]] == ["compress", "spark"]
        missing = client.get(f"{api}/status", params={"process": "nope"})
        assert missing.status_code == 404
        assert missing.json() == {
            "status": "error",
            "data": None,
            "error": {"code": "not_found", "message": "no process 'nope' in Helicopter data "
                      "ingestion"},
        }  # fmt: skip
        bad = client.get(f"{api}/status", params={"status": "purple"})
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "bad_request"


def test_diagram_svg_etag_push_run_config_cors(heli: tuple[str, Path]) -> None:
    base, _root = heli
    api = f"{base}/api/health/v1"
    with httpx.Client() as client:
        wait_for(lambda: client.get(f"{api}/health").json(), lambda b: b["data"]["round"] >= 1)
        diagram = client.get(f"{api}/diagram")
        assert diagram.json()["data"]["mermaid"].startswith("flowchart LR\n")
        etag = {"if-none-match": diagram.headers["etag"]}
        assert client.get(f"{api}/diagram", headers=etag).status_code == 304
        text = client.get(f"{api}/diagram", params={"format": "text"})
        assert text.headers["content-type"].startswith("text/plain")
        svg = wait_for(
            lambda: client.get(f"{api}/diagram/svg"), lambda r: r.headers["x-renderer"] == "mmdr"
        )
        assert svg.headers["content-type"] == "image/svg+xml"
        assert svg.text.startswith("<svg")
        # heartbeat push: wrong token, right token in a bearer header, then healthy
        assert client.post(f"{api}/push/spark_job", params={"token": "no"}).status_code == 401
        assert client.post(f"{api}/push/parsed_recent").status_code == 404
        pushed = client.post(f"{api}/push/spark_job", headers={"authorization": "Bearer s3cret"})
        assert pushed.status_code == 200
        wait_for(
            lambda: client.get(f"{api}/status", params={"process": "spark"}).json(),
            lambda b: b["data"]["processes"][0]["status"] == "healthy",
        )
        # writes need the API key
        denied = client.post(f"{api}/run")
        assert denied.status_code == 401
        assert denied.json()["error"] == {"code": "unauthorized",
                                          "message": "X-API-Key missing or wrong"}  # fmt: skip
        ran = client.post(f"{api}/run", headers={"x-api-key": "k3y"})
        assert ran.json()["data"]["status"] == "healthy"
        # config with secrets redacted
        config = client.get(f"{api}/config").json()["data"]
        assert config["config"]["alerts"][0]["url"] == "http://127.0.0.1:9/***"
        assert config["config"]["processes"][5]["checks"][0]["token"] == "***"
        # history and uptime
        history = client.get(f"{api}/history", params={"check_id": "compressed_present"}).json()
        assert history["data"][0]["ok"] is True
        uptime = client.get(f"{api}/uptime").json()["data"]
        assert uptime["parse"]["uptime"]["24h"] == 100.0
        # CORS: allowed origin gets headers, others none
        pre = client.options(f"{api}/status", headers={"origin": ORIGIN,
                             "access-control-request-method": "GET"})  # fmt: skip
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == ORIGIN
        other = client.get(f"{api}/health", headers={"origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        allowed = client.get(f"{api}/health", headers={"origin": ORIGIN})
        assert allowed.headers["access-control-allow-origin"] == ORIGIN


def test_hot_reload_keeps_the_last_valid_config(heli: tuple[str, Path]) -> None:
    base, root = heli
    api = f"{base}/api/health/v1"
    path = root / "helicopter.yaml"
    with httpx.Client() as client:
        wait_for(lambda: client.get(f"{api}/health").json(), lambda b: b["data"]["round"] >= 1)
        good = path.read_text()
        path.write_text(good.replace("max_age: 2h", "max_age: 2hours", 1))
        body = wait_for(
            lambda: client.get(f"{api}/status").json(), lambda b: b["data"]["config_error"]
        )
        assert "processes[2].checks[0].max_age: invalid duration \"2hours\"" in body["data"][
            "config_error"]  # fmt: skip
        assert len(body["data"]["processes"]) == 8  # the running config stays
        config = yaml.safe_load(good)
        config["processes"].append({"id": "report", "name": "Weekly report"})
        config["edges"].append({"from": "sql", "to": "report"})
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        body = wait_for(
            lambda: client.get(f"{api}/status").json(), lambda b: len(b["data"]["processes"]) == 9
        )
        assert body["data"]["config_error"] is None
        validated = client.post(f"{api}/config/validate", content="pipeline: {}\n",
                                headers={"content-type": "text/plain"}).json()  # fmt: skip
        assert validated["data"] == {"valid": False, "problems": [
            "pipeline.name: Field required", "processes: Field required"]}  # fmt: skip
        upload = "pipeline: {name: x}\ncheck_types: {evil: os:system}\nprocesses: [{id: a}]\n"
        refused = client.post(
            f"{api}/config/validate", content=upload, headers={"content-type": "text/plain"}
        ).json()["data"]
        assert refused["problems"] == [
            "check_types: custom check types are not imported from an upload"
        ]
        shipped = client.get(f"{api}/configs").json()["data"]
        assert [c["name"] for c in shipped] == ["helicopter", "weir"]


def test_typed_clients_sync_and_async(heli: tuple[str, Path]) -> None:
    import asyncio

    from weir.health.client import AsyncHealthClient, HealthApiError, HealthClient

    base, _root = heli
    with HealthClient(f"{base}/api/health", api_key="k3y") as client:
        wait_for(client.health, lambda h: h["round"] >= 1)
        snapshot = client.status(status="failed")
        assert [p.id for p in snapshot.processes] == ["spark"]
        assert client.diagram().startswith("flowchart LR")
        assert client.push("spark_job", token="s3cret").startswith("20")
        assert client.run().status == "healthy"
        assert client.validate("pipeline: {name: x}\nprocesses: [{id: a}]\n")["valid"] is True
        with pytest.raises(HealthApiError) as caught:
            client.status(process="nope")
        assert (caught.value.status, caught.value.code) == (404, "not_found")

    async def read() -> tuple[str, int]:
        async with AsyncHealthClient(f"{base}/api/health") as client:
            snapshot = await client.status()
            with pytest.raises(HealthApiError) as denied:
                await client.run()
            return snapshot.pipeline, denied.value.status

    assert asyncio.run(read()) == ("Helicopter data ingestion", 401)
    down = HealthClient("http://127.0.0.1:9/api/health", timeout=1)
    with pytest.raises(HealthApiError, match="health API unreachable"):
        down.health()
