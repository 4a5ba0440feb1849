"""The artifact API: presigned URLs, signed artifacts, rate limits, CORS, reports, Lambda."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.dac import signing
from weir.dac.api import create_api_app
from weir.dac.settings import DacSettings

PREFIX = "/api/dac"
ALLOWED = "https://www.deepskyclimate.com"


def client_for(settings: Settings, **options: Any) -> TestClient:
    dac = DacSettings(cors_origins=[ALLOWED], **options)
    return TestClient(create_api_app(settings, dac, prefix=PREFIX))


def presign(client: TestClient, key: str, **headers: str) -> Any:
    return client.get(f"{PREFIX}/presigned-url", params={"key": key}, headers=headers)


def lines(store: Store, prefix: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(line)
        for meta in store.list(prefix)
        for line in store.get(meta.path).splitlines()
    ]


def test_wildcard_resolves_to_latest_and_the_url_serves_the_file(
    settings: Settings, published: Store
) -> None:
    with client_for(settings) as client:
        started = time.time()
        response = presign(client, "data/current_snapshot_*.csv")
        assert response.status_code == 200
        body = response.json()
        assert body["key"] == "data/current_snapshot_20250625.csv"
        assert response.headers["cache-control"] == "no-store"
        expires = int(body["url"].split("expires=")[1].split("&")[0])
        assert started + 299 <= expires <= time.time() + 301
        assert body["url"].startswith(
            "http://testserver/api/dac/artifact/data/current_snapshot_20250625.csv?expires="
        )
        file = client.get(body["url"])
        assert file.status_code == 200
        assert file.content == published.get("data/current_snapshot_20250625.csv")
        assert file.headers["content-type"] == "text/csv; charset=utf-8"
        assert file.headers["cache-control"] == "public, max-age=60"
        etag = file.headers["etag"]
        again = client.get(body["url"], headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        config = client.get(presign(client, "config/dac_dashboard_config.json").json()["url"])
        assert config.headers["content-type"] == "application/json"
        script = client.get(f"{PREFIX}/presigned-url?key=js/dac_dashboard.js&redirect=true")
        assert script.status_code == 200  # followed the 307 to the artifact
        assert script.headers["content-type"] == "application/javascript; charset=utf-8"


def test_tampered_and_expired_signatures_get_403(settings: Settings, published: Store) -> None:
    with client_for(settings) as client:
        url = presign(client, "data/metadata.csv").json()["url"]
        last = url[-1]
        tampered = url[:-1] + ("0" if last != "0" else "1")
        response = client.get(tampered)
        assert response.status_code == 403
        assert response.json() == {
            "error": {"code": "forbidden", "message": "signature does not match"}
        }
        other_file = url.replace("data/metadata.csv", "data/hourly_trends_20250625.csv")
        assert client.get(other_file).status_code == 403
        later = url.replace("expires=", "expires=9")
        assert client.get(later).status_code == 403
        secret = DacSettings().secret(settings)
        past = int(time.time()) - 1
        signed = signing.signature(secret, "data/metadata.csv", past)
        expired = client.get(
            f"{PREFIX}/artifact/data/metadata.csv?expires={past}&signature={signed}"
        )
        assert expired.status_code == 403
        assert expired.json()["error"]["message"] == "signature expired"


@pytest.mark.parametrize(
    ("key", "status", "message"),
    [
        ("", 400, "missing key parameter (field key)"),
        ("data/nothing_*.csv", 404, "no matching files found"),
        ("data/absent.csv", 404, "no such file"),
        ("../../../etc/passwd", 400, "invalid key: path traversal (field key)"),
        ("logs/api/access.csv", 400, "invalid key: must start with one of data/, js/, config/"),
    ],
)
def test_key_errors(
    settings: Settings, published: Store, key: str, status: int, message: str
) -> None:
    with client_for(settings) as client:
        response = presign(client, key)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)


def test_exact_count_before_429_and_retry_after(settings: Settings, published: Store) -> None:
    with client_for(settings, rate_limit="5/minute") as client:
        codes = [presign(client, "data/metadata.csv").status_code for _ in range(6)]
        assert codes == [200, 200, 200, 200, 200, 429]
        limited = presign(client, "data/metadata.csv", Origin=ALLOWED)
    assert limited.json() == {"error": {"code": "rate_limited", "message": "too many requests"}}
    assert 55 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["access-control-allow-origin"] == ALLOWED


def test_redis_limit_is_shared_by_instances(
    settings: Settings, published: Store, redis_url: str
) -> None:
    options = {"rate_limit": "4/minute", "rate_limit_storage": redis_url}
    one, two = client_for(settings, **options), client_for(settings, **options)
    one.app.state.dac.limiter.reset()  # type: ignore[attr-defined]
    codes = [presign(client, "data/metadata.csv").status_code for client in (one, two) * 3]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_cors_allowed_disallowed_and_preflight(settings: Settings, published: Store) -> None:
    with client_for(settings) as client:
        allowed = presign(client, "data/metadata.csv", Origin=ALLOWED)
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        assert allowed.headers["vary"] == "Origin"
        other = presign(client, "data/metadata.csv", Origin="https://evil.example")
        assert other.status_code == 200
        assert not [h for h in other.headers if h.lower().startswith("access-control-")]
        bad_key = presign(client, "../x.csv", Origin=ALLOWED)
        assert bad_key.status_code == 400
        assert bad_key.headers["access-control-allow-origin"] == ALLOWED
        preflight = client.options(
            f"{PREFIX}/log-error",
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        assert preflight.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
        assert preflight.headers["access-control-allow-headers"] == "Content-Type"
        refused = client.options(
            f"{PREFIX}/presigned-url",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert refused.status_code == 204
        assert not [h for h in refused.headers if h.lower().startswith("access-control-")]


def test_log_error_schema_size_and_limit(settings: Settings, public: Store) -> None:
    report = {"type": "javascript_error", "message": "boom", "line": 3, "url": "http://x/"}
    with client_for(settings, log_error_rate_limit="4/minute") as client:
        url = f"{PREFIX}/log-error"
        assert client.post(url, json=report).status_code == 202
        perf = {"type": "performance_metrics", "metrics": {"avgLoadTime": 12.5}}
        assert client.post(url, json=perf).status_code == 202
        bad = client.post(url, json={"type": "javascript_error"})
        assert bad.status_code == 400
        assert bad.json()["error"]["message"] == "Field required (field javascript_error.message)"
        big = {"type": "data_load_failure", "message": "x" * 1900, "stack": "y" * 7000}
        too_big = client.post(url, content=orjson.dumps(big))
        assert too_big.status_code == 413
        assert client.post(url, json=report).status_code == 429
    entries = lines(public, "logs/frontend")
    assert [e["type"] for e in entries] == ["javascript_error", "performance_metrics"]
    assert entries[0]["message"] == "boom"
    assert entries[0]["source_ip"] == "testclient"
    assert entries[1]["metrics"] == {"avgLoadTime": 12.5}


def test_access_log_is_buffered_and_written_at_shutdown(
    settings: Settings, published: Store
) -> None:
    with client_for(settings, access_log_flush_seconds=3600) as client:
        presign(client, "data/current_snapshot_*.csv", **{"User-Agent": "probe/1"})
        presign(client, "../secret.csv")
        assert list(published.list("logs/api")) == []  # not yet written: buffered
    entries = lines(published, "logs/api")
    assert [(e["requested_key"], e["status_code"]) for e in entries] == [
        ("data/current_snapshot_*.csv", 200),
        ("../secret.csv", 400),
    ]
    assert entries[0]["user_agent"] == "probe/1"
    assert set(entries[0]) >= {"timestamp", "source_ip", "requested_key", "status_code"}


def test_s3_store_hands_out_a_sigv4_url(s3_settings: Settings) -> None:
    import httpx

    public = DacSettings().public_store(s3_settings)
    public.put("data/current_snapshot_20250625.csv", b"timestamp,metric,value,unit\n")
    with client_for(s3_settings) as client:
        body = presign(client, "data/current_snapshot_*.csv").json()
    assert "X-Amz-Signature=" in body["url"]
    assert "X-Amz-Expires=300" in body["url"]
    assert httpx.get(body["url"]).content == b"timestamp,metric,value,unit\n"


def test_lambda_handler_with_the_seed_event(
    settings: Settings, published: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weir.dac import lambda_handler

    monkeypatch.setenv("WEIR_DAC_CORS_ORIGINS", ALLOWED)
    lambda_handler.reset()
    event = {
        "resource": "/presigned-url",
        "path": "/presigned-url",
        "httpMethod": "GET",
        "queryStringParameters": {"key": "data/hourly_trends_*.csv"},
        "multiValueQueryStringParameters": {"key": ["data/hourly_trends_*.csv"]},
        "headers": {"origin": ALLOWED, "User-Agent": "Mozilla/5.0", "Host": "api.example"},
        "multiValueHeaders": {},
        "requestContext": {
            "identity": {"sourceIp": "203.0.113.9"},
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        },
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }
    try:
        result = lambda_handler.handler(event, None)
    finally:
        lambda_handler.reset()
    assert result["statusCode"] == 200
    body = orjson.loads(result["body"])
    assert body["key"] == "data/hourly_trends_20250625.csv"
    headers = {k.lower(): v for k, v in result["headers"].items()}
    assert headers["access-control-allow-origin"] == ALLOWED
    (entry,) = lines(published, "logs/api")
    assert entry["source_ip"] == "203.0.113.9"
    assert entry["status_code"] == 200


def test_a_new_publication_is_resolved_within_two_seconds(
    settings: Settings, published: Store
) -> None:
    from datetime import timedelta

    from tests.dac.gold import AS_OF
    from weir.dac.pipeline.publish import publish

    with client_for(settings) as client:
        first = presign(client, "data/hourly_trends_*.csv").json()["key"]
        assert first == "data/hourly_trends_20250625.csv"
        publish(settings, DacSettings(), as_of=AS_OF + timedelta(days=1))
        time.sleep(2.1)
        later = presign(client, "data/hourly_trends_*.csv").json()["key"]
    assert later == "data/hourly_trends_20250626.csv"
