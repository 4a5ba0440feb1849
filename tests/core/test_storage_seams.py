"""Store additions the systems share: JSON, publish, prune, spec, presigned URLs, and store
errors a user can act on (one line naming the setting, never a traceback)."""

from __future__ import annotations

import hashlib
import hmac
import pickle
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlparse

import pytest

from tests.fixtures.net import free_port
from weir.core.errors import ConfigError, StoreUnavailableError
from weir.core.settings import Settings
from weir.core.storage import SigningNotSupportedError, Store


def test_json_round_trip(store: Store) -> None:
    store.put_json(
        "state/x.json", {"b": 1, "a": [1.5, None], "when": datetime(2025, 1, 1, tzinfo=UTC)}
    )
    assert store.get_json("state/x.json") == {
        "a": [1.5, None],
        "b": 1,
        "when": "2025-01-01T00:00:00+00:00",
    }


def test_publish_writes_the_pointer_last(store: Store) -> None:
    order: list[str] = []
    original = store.put

    def spy(path: str, data: bytes) -> None:
        order.append(path)
        original(path, data)

    store.put = spy  # type: ignore[method-assign]
    store.publish({"data/a.csv": b"a", "data/b.csv": b"b"}, ("data/metadata.csv", b"m"))
    assert order == ["data/a.csv", "data/b.csv", "data/metadata.csv"]


def test_prune_keeps_recent_and_protected(file_store: Store) -> None:
    for name in ("old.csv", "keep.json", "new.csv"):
        file_store.put(f"data/{name}", b"x")
    later = datetime.now(UTC) + timedelta(days=8)
    deleted = file_store.prune(
        "data", timedelta(days=7), now=later, protect=lambda p: p.endswith(".json")
    )
    assert deleted == ["data/new.csv", "data/old.csv"]
    assert [m.path for m in file_store.list("data")] == ["data/keep.json"]
    assert file_store.prune("data", timedelta(days=7)) == []


def test_spec_is_picklable_and_reopens_the_store(s3_store: Store, file_store: Store) -> None:
    for store in (s3_store, file_store):
        store.put("k", b"v")
        spec = pickle.loads(pickle.dumps(store.spec))
        assert spec.open().get("k") == b"v"
    assert "testing" not in repr(file_store.spec)
    with pytest.raises(ConfigError, match="cannot be shared"):
        _ = Store.from_url("memory://").spec


def test_local_stores_cannot_presign(file_store: Store) -> None:
    with pytest.raises(SigningNotSupportedError, match="a file:// store cannot presign URLs"):
        file_store.sign("data/x.csv")


def _sigv4_valid(url: str, secret: str) -> bool:
    """An independent SigV4 query-string check (AWS's published algorithm)."""
    parsed = urlparse(url)
    query = dict(parse_qsl(parsed.query, keep_blank_values=True))
    signature = query.pop("X-Amz-Signature")
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    canonical = "\n".join(
        [
            "GET",
            parsed.path,
            canonical_query,
            f"host:{parsed.netloc}\n",
            query["X-Amz-SignedHeaders"],
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = query["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            query["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def test_s3_presigned_url_is_real_sigv4(s3_store: Store) -> None:
    s3_store.put("data/current.csv", b"timestamp,metric\n")
    url = s3_store.sign("data/current.csv", expires=timedelta(minutes=5))
    query = dict(parse_qsl(urlparse(url).query))
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "300"
    assert urlparse(url).path.endswith("/weir/data/current.csv")
    assert _sigv4_valid(url, "testing")
    assert not _sigv4_valid(url.replace("current", "currenT"), "testing")
    assert not _sigv4_valid(url, "other-secret")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"timestamp,metric\n"


def _s3(settings: Settings, **env: str) -> Store:
    values = {
        "s3_access_key_id": "testing",
        "s3_secret_access_key": "testing",
        "s3_region": "us-east-1",
        **env,
    }
    return Store.from_url(values.pop("url"), settings=Settings(**values))


def test_http_endpoint_without_allow_http(settings: Settings, moto_endpoint: str) -> None:
    store = _s3(settings, url="s3://weir-x/p", s3_endpoint_url=moto_endpoint)
    with pytest.raises(ConfigError) as caught:
        store.put("k", b"v")
    assert caught.value.message == (
        "the S3 endpoint is plain HTTP: set WEIR_S3_ALLOW_HTTP=true to allow it, or use an "
        "https:// WEIR_S3_ENDPOINT_URL"
    )


def test_missing_bucket(settings: Settings, moto_endpoint: str) -> None:
    store = _s3(
        settings, url="s3://no-such-bucket/p", s3_endpoint_url=moto_endpoint, s3_allow_http="true"
    )
    for operation in (lambda: store.put("k", b"v"), lambda: list(store.list("x"))):
        with pytest.raises(ConfigError) as caught:
            operation()
        assert caught.value.message == (
            "the bucket 'no-such-bucket' does not exist: create it or fix WEIR_STORE_URL "
            "(s3://no-such-bucket/p)"
        )


def test_unreachable_endpoint(settings: Settings) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = _s3(settings, url="s3://weir-x/p", s3_endpoint_url=endpoint, s3_allow_http="true")
    with pytest.raises(StoreUnavailableError) as caught:
        store.get("k")
    assert caught.value.message == (
        f"cannot reach {endpoint}: is it running, and is WEIR_S3_ENDPOINT_URL right?"
    )


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        (
            {"WEIR_STORE_URL": "ftp://x"},
            2,
            "error: unsupported store URL 'ftp://x': use file://, memory:// or s3://",
        ),
        (
            {"WEIR_STORE_URL": "s3://no-such-bucket/p", "WEIR_S3_ALLOW_HTTP": "true"},
            2,
            "error: the bucket 'no-such-bucket' does not exist",
        ),
    ],
)
def test_cli_store_errors_are_one_line(
    settings: Settings, moto_endpoint: str, env: dict[str, str], code: int, message: str
) -> None:
    import os

    full = {
        **os.environ,
        "WEIR_S3_ENDPOINT_URL": moto_endpoint,
        "WEIR_S3_ACCESS_KEY_ID": "testing",
        "WEIR_S3_SECRET_ACCESS_KEY": "testing",
        **env,
    }
    weir = Path(sys.executable).with_name("weir")
    out = subprocess.run(
        [str(weir), "telemetry", "status"], env=full, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == code
    assert out.stderr.startswith(message), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_ids_in_error_texts_are_not_read_as_status_codes(file_store: Store) -> None:
    """A request id or a timing that happens to contain 403 is not a refused credential."""
    from weir.core.storage import _translate

    noise = (
        "Object at location weir/y not found: Error performing PUT http://127.0.0.1:1/b/y in "
        "403.1µs - Server returned non-2xx status code: 404 Not Found: <Error><Code>NoSuchKey"
        "</Code><RequestId>X403connectY</RequestId></Error>"
    )
    assert _translate(FileNotFoundError(noise), file_store) is None
    refused = "Server returned non-2xx status code: 403 Forbidden: <Code>AccessDenied</Code>"
    translated = _translate(OSError(refused), file_store)
    assert translated is not None
    assert translated.message.startswith("the store refused the credentials")
