"""One object-store facade over obstore for ``file://``, ``memory://`` and ``s3://`` URLs.

Paths are always relative to the store's root (``telemetry/raw/2025/01/01/00/x.ndjson``).
Writes are atomic: obstore's local backend stages a temporary file and renames it into place, and
an S3 PUT replaces an object whole, so a concurrent reader sees the old or the new object, never a
partial one.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

import obstore
import orjson
from obstore.exceptions import BaseError as ObstoreError
from obstore.exceptions import NotFoundError as ObstoreNotFound
from obstore.store import LocalStore, MemoryStore, S3Store

from weir.core.errors import ConfigError, NotFoundError, StoreUnavailableError, WeirError
from weir.core.settings import Settings

T = TypeVar("T")
NOT_FOUND = (ObstoreNotFound, FileNotFoundError)
# Network settings of S3 clients: fail within seconds, not after obstore's 3-minute default.
S3_CLIENT_OPTIONS = {"connect_timeout": "5s", "timeout": "60s"}
S3_RETRY = {"max_retries": 3, "retry_timeout": timedelta(seconds=30)}


class SigningNotSupportedError(ConfigError):
    """The store cannot presign URLs (only ``s3://`` stores can)."""

    code = "signing_not_supported"


@dataclass(frozen=True)
class StoreSpec:
    """A picklable description of a store: its URL and the settings needed to reach it.

    Process pools and Spark executors receive this instead of a whole ``Settings`` object.
    """

    url: str
    s3: Mapping[str, Any] = field(default_factory=dict)

    def open(self) -> Store:
        """The store this spec describes."""
        return Store.from_url(self.url, settings=Settings(**self.s3) if self.s3 else None)


def _translate(exc: BaseException, store: Store) -> WeirError | None:
    """One line naming the setting to change, for store errors a user can fix."""
    text = str(exc)
    if "NoSuchBucket" in text:
        bucket = urlparse(store.url).netloc
        return ConfigError(
            f"the bucket {bucket!r} does not exist: create it or fix WEIR_STORE_URL ({store.url})"
        )
    if "builder error" in text and "http://" in text:
        return ConfigError(
            "the S3 endpoint is plain HTTP: set WEIR_S3_ALLOW_HTTP=true to allow it, or use "
            "an https:// WEIR_S3_ENDPOINT_URL"
        )
    if any(
        code in text for code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "status code: 403")
    ):
        return ConfigError(
            "the store refused the credentials: check WEIR_S3_ACCESS_KEY_ID and "
            "WEIR_S3_SECRET_ACCESS_KEY (or the AWS credential chain)"
        )
    if "error sending request" in text or "Connection refused" in text:
        endpoint = store.endpoint or "the AWS S3 endpoint"
        return StoreUnavailableError(
            f"cannot reach {endpoint}: is it running, and is WEIR_S3_ENDPOINT_URL right?"
        )
    return None


@dataclass(frozen=True)
class ObjectMeta:
    """What `Store.head` and `Store.list` report about an object."""

    path: str
    size: int
    modified: datetime


class Store:
    """An object store rooted at a URL.

    Build one with :meth:`from_settings` or :meth:`from_url`.

    Attributes:
        url: The root URL (``file:///abs/dir``, ``memory://``, ``s3://bucket/prefix``).
        scheme: ``file``, ``memory`` or ``s3``.
    """

    def __init__(
        self,
        url: str,
        backend: Any,
        options: dict[str, str],
        s3: Mapping[str, Any] | None = None,
    ) -> None:
        self.scheme = url.split("://", 1)[0]
        self.url = url.rstrip("/") if self.scheme != "memory" else url
        self._backend = backend
        self._options = options
        self._s3_settings = dict(s3 or {})

    @property
    def endpoint(self) -> str | None:
        """The custom S3 endpoint, if any."""
        return self._options.get("AWS_ENDPOINT_URL")

    @property
    def spec(self) -> StoreSpec:
        """A picklable spec that reopens this store (in another process)."""
        if self.scheme == "memory":
            raise ConfigError("a memory:// store lives in one process and cannot be shared")
        return StoreSpec(self.url, self._s3_settings)

    def _call(self, operation: Callable[[], T], path: str) -> T:
        """Run an obstore operation, turning its errors into weir's (one line, a setting)."""
        try:
            return operation()
        except (*NOT_FOUND, ObstoreError) as exc:
            translated = _translate(exc, self)
            if translated is not None:
                raise translated from exc
            if isinstance(exc, NOT_FOUND):
                raise NotFoundError(f"no object at {path!r}") from exc
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store named by ``WEIR_STORE_URL``."""
        return cls.from_url(settings.store_url, settings=settings)

    @classmethod
    def from_url(cls, url: str, *, settings: Settings | None = None) -> Store:
        """A store for ``file:///abs/dir``, ``memory://`` or ``s3://bucket/prefix``.

        Raises:
            ConfigError: the scheme is not one of those.
        """
        parsed = urlparse(url)
        if parsed.scheme == "file":
            root = Path(parsed.netloc + parsed.path).absolute()
            return cls(f"file://{root}", LocalStore(prefix=root, mkdir=True), {})
        if parsed.scheme == "memory":
            return cls("memory://", MemoryStore(), {})
        if parsed.scheme == "s3":
            return cls._s3(url, parsed.netloc, parsed.path.strip("/"), settings or Settings())
        raise ConfigError(f"unsupported store URL {url!r}: use file://, memory:// or s3://")

    @classmethod
    def _s3(cls, url: str, bucket: str, prefix: str, settings: Settings) -> Store:
        s3 = settings.model_dump(
            include={
                "s3_endpoint_url",
                "s3_region",
                "s3_access_key_id",
                "s3_secret_access_key",
                "s3_allow_http",
            }
        )
        s3 = {
            key: value.get_secret_value() if hasattr(value, "get_secret_value") else value
            for key, value in s3.items()
        }
        options = {"AWS_REGION": settings.s3_region}
        kwargs: dict[str, Any] = {"region": settings.s3_region, "retry_config": S3_RETRY}
        client_options: dict[str, Any] = dict(S3_CLIENT_OPTIONS)
        if settings.s3_endpoint_url:
            kwargs["endpoint"] = options["AWS_ENDPOINT_URL"] = settings.s3_endpoint_url
        if settings.s3_access_key_id and settings.s3_secret_access_key:
            kwargs["access_key_id"] = settings.s3_access_key_id.get_secret_value()
            kwargs["secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
            options["AWS_ACCESS_KEY_ID"] = kwargs["access_key_id"]
            options["AWS_SECRET_ACCESS_KEY"] = kwargs["secret_access_key"]
        if settings.s3_allow_http:
            client_options["allow_http"] = True
            options["AWS_ALLOW_HTTP"] = "true"
        kwargs["client_options"] = client_options
        backend = S3Store(bucket, prefix=prefix or None, **kwargs)
        return cls(url, backend, options, s3)

    def uri(self, path: str = "") -> str:
        """Absolute URL of `path`, for engines that open it themselves (deltalake, duckdb)."""
        return f"{self.url}/{path.strip('/')}" if path else self.url

    def storage_options(self) -> dict[str, str]:
        """Options for deltalake (and object_store-based readers) to reach this store."""
        return dict(self._options)

    def put(self, path: str, data: bytes) -> None:
        """Write `data` at `path`, replacing any object there, atomically."""
        self._call(lambda: obstore.put(self._backend, path, data, use_multipart=False), path)

    def get(self, path: str) -> bytes:
        """Read a whole object.

        Raises:
            NotFoundError: there is no object at `path`.
        """
        return self._call(lambda: bytes(obstore.get(self._backend, path).bytes()), path)

    def head(self, path: str) -> ObjectMeta:
        """Size and modification time of an object.

        Raises:
            NotFoundError: there is no object at `path`.
        """
        meta = self._call(lambda: obstore.head(self._backend, path), path)
        return ObjectMeta(meta["path"], meta["size"], meta["last_modified"])

    def exists(self, path: str) -> bool:
        """Whether an object exists at `path`."""
        try:
            self.head(path)
        except NotFoundError:
            return False
        return True

    def list(self, prefix: str = "", *, start_after: str | None = None) -> Iterator[ObjectMeta]:
        """Objects under `prefix` (a path-segment prefix), in path order.

        Args:
            prefix: Folder-like prefix such as ``telemetry/raw``.
            start_after: Only objects whose path sorts after this one (incremental listing).
        """
        found = self._call(
            lambda: [
                ObjectMeta(meta["path"], meta["size"], meta["last_modified"])
                for chunk in obstore.list(
                    self._backend, prefix.strip("/") or None, offset=start_after, chunk_size=1000
                )
                for meta in chunk
                if start_after is None or meta["path"] > start_after
            ],
            prefix,
        )
        found.sort(key=lambda meta: meta.path)
        return iter(found)

    def has_objects(self, prefix: str) -> bool:
        """Whether any object lies under `prefix`, from the first listing page only (cheap)."""

        def first() -> bool:
            for chunk in obstore.list(self._backend, prefix.strip("/") or None, chunk_size=1):
                if len(chunk):
                    return True
            return False

        return self._call(first, prefix)

    def copy(self, src: str, dst: str) -> None:
        """Copy an object, replacing `dst`."""
        self._call(lambda: obstore.copy(self._backend, src, dst, overwrite=True), src)

    def move(self, src: str, dst: str) -> None:
        """Move an object, replacing `dst` (a rename on disk, copy + delete on S3)."""
        self._call(lambda: obstore.rename(self._backend, src, dst, overwrite=True), src)

    def delete(self, path: str) -> None:
        """Delete an object; deleting a missing object is not an error."""
        try:
            self._call(lambda: obstore.delete(self._backend, path), path)
        except NotFoundError:
            return

    def get_json(self, path: str) -> Any:
        """Read a JSON object.

        Raises:
            NotFoundError: there is no object at `path`.
            BadInputError: it is not JSON.
        """
        from weir.core.errors import BadInputError

        data = self.get(path)
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise BadInputError(f"not JSON: {exc}", file=path) from exc

    def put_json(self, path: str, value: Any) -> None:
        """Write `value` as JSON (UTC datetimes in ISO 8601; NaN and Infinity as null)."""
        self.put(path, orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))

    def publish(self, files: Mapping[str, bytes], pointer: tuple[str, bytes]) -> None:
        """Write a set of files, then the pointer that names them, last.

        A reader that goes through the pointer never sees a half-published set: until the
        pointer is replaced it names the previous, complete set.
        """
        for path, data in files.items():
            self.put(path, data)
        self.put(*pointer)

    def prune(
        self,
        prefix: str,
        keep: timedelta,
        *,
        now: datetime | None = None,
        protect: Callable[[str], bool] = lambda _path: False,
    ) -> builtins.list[str]:
        """Delete the objects under `prefix` older than `keep` (retention); returns their paths.

        Args:
            prefix: Where to prune.
            keep: Objects modified within this window stay.
            now: The reference time (default: now, UTC).
            protect: Paths for which it returns True are never deleted (pointers, configs).
        """
        cutoff = (now or datetime.now(UTC)) - keep
        doomed = [
            meta.path
            for meta in self.list(prefix)
            if meta.modified < cutoff and not protect(meta.path)
        ]
        for path in doomed:
            self.delete(path)
        return doomed

    def sign(
        self,
        path: str,
        method: Literal["GET", "PUT"] = "GET",
        expires: timedelta = timedelta(minutes=5),
    ) -> str:
        """A presigned URL (SigV4) for `path`, valid for `expires`.

        Raises:
            SigningNotSupportedError: the store is not ``s3://`` (local folders and memory
                cannot presign; serve those through an API of weir instead).
        """
        if self.scheme != "s3":
            raise SigningNotSupportedError(
                f"a {self.scheme}:// store cannot presign URLs; only s3:// stores can"
            )
        return self._call(lambda: obstore.sign(self._backend, method, path, expires), path)
