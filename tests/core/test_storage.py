"""Every storage operation on file://, memory:// and s3:// (moto's server over HTTP)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from weir.core.errors import ConfigError, NotFoundError
from weir.core.settings import Settings
from weir.core.storage import Store


def test_put_get_head(store: Store) -> None:
    store.put("a/b/one.json", b'{"x": 1}')
    assert store.get("a/b/one.json") == b'{"x": 1}'
    meta = store.head("a/b/one.json")
    assert (meta.path, meta.size) == ("a/b/one.json", 8)
    assert abs(meta.modified - datetime.now(UTC)) < timedelta(minutes=1)
    assert store.exists("a/b/one.json")
    assert not store.exists("a/b/two.json")


def test_put_replaces(store: Store) -> None:
    store.put("k", b"old")
    store.put("k", b"new!")
    assert store.get("k") == b"new!"
    assert store.head("k").size == 4


def test_missing_objects_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no object at 'nope/x'"):
        store.get("nope/x")
    with pytest.raises(NotFoundError):
        store.head("nope/x")
    with pytest.raises(NotFoundError):
        store.copy("nope/x", "y")
    with pytest.raises(NotFoundError):
        store.move("nope/x", "y")
    store.delete("nope/x")  # deleting what is absent is not an error


def test_list_by_prefix_sorted_with_start_after(store: Store) -> None:
    for name in ["raw/2025/01/02/b", "raw/2025/01/01/a", "raw/2025/01/01/c", "rawx/z", "other"]:
        store.put(name, name.encode())
    assert [m.path for m in store.list("raw")] == [
        "raw/2025/01/01/a",
        "raw/2025/01/01/c",
        "raw/2025/01/02/b",
    ]
    assert [m.path for m in store.list("raw/", start_after="raw/2025/01/01/a")] == [
        "raw/2025/01/01/c",
        "raw/2025/01/02/b",
    ]
    assert [m.size for m in store.list("raw/2025/01/02")] == [16]
    assert len(list(store.list())) == 5
    assert list(store.list("empty")) == []


def test_copy_move_delete(store: Store) -> None:
    store.put("raw/x.ndjson", b"1\n2\n")
    store.copy("raw/x.ndjson", "copy/x.ndjson")
    assert store.get("copy/x.ndjson") == b"1\n2\n"
    assert store.exists("raw/x.ndjson")
    store.move("raw/x.ndjson", "archive/x.ndjson")
    assert not store.exists("raw/x.ndjson")
    assert store.get("archive/x.ndjson") == b"1\n2\n"
    store.put("archive/y", b"y")
    store.move("archive/y", "archive/x.ndjson")  # move replaces the destination
    assert store.get("archive/x.ndjson") == b"y"
    store.delete("archive/x.ndjson")
    assert [m.path for m in store.list()] == ["copy/x.ndjson"]


def test_atomic_put_under_a_concurrent_reader(store: Store) -> None:
    """A reader polling while a writer replaces a 2 MiB object sees only whole versions."""
    size = 2 * 1024 * 1024
    versions = {bytes([n]) * size for n in range(6)}
    store.put("big.bin", bytes([0]) * size)
    seen: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(store.get("big.bin"))

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(1, 6):
        store.put("big.bin", bytes([n]) * size)
    done.set()
    reader.join()
    assert seen, "the reader read nothing"
    assert all(data in versions for data in seen)
    assert store.get("big.bin") == bytes([5]) * size


def test_file_store_leaves_no_temporary_files(file_store: Store, settings: Settings) -> None:
    for n in range(20):
        file_store.put("t/obj", str(n).encode())
    assert sorted(p.name for p in (settings.home / "store" / "t").iterdir()) == ["obj"]


def test_urls() -> None:
    assert Store.from_url("file:///tmp/weir-url-test").uri("x/y") == "file:///tmp/weir-url-test/x/y"
    s3 = Store.from_url("s3://bucket/pre", settings=Settings(s3_region="eu-west-1"))
    assert s3.uri("t/tbl") == "s3://bucket/pre/t/tbl"
    assert s3.storage_options() == {"AWS_REGION": "eu-west-1"}
    with pytest.raises(ConfigError, match="unsupported store URL 'ftp://x'"):
        Store.from_url("ftp://x")


def test_s3_store_is_reached_over_http(s3_store: Store, s3_settings: Settings) -> None:
    assert s3_store.url == s3_settings.store_url
    assert s3_store.storage_options()["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    s3_store.put("p/q", b"v")
    import boto3

    bucket, prefix = s3_settings.store_url.removeprefix("s3://").split("/", 1)
    client = boto3.client(
        "s3",
        endpoint_url=s3_settings.s3_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    body = client.get_object(Bucket=bucket, Key=f"{prefix}/p/q")["Body"].read()
    assert body == b"v"
