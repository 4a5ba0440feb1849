"""One object-store facade over obstore for ``file://``, ``memory://`` and ``s3://`` URLs.

Paths are always relative to the store's root (``telemetry/raw/2025/01/01/00/x.ndjson``).
Writes are atomic: obstore's local backend stages a temporary file and renames it into place, and
an S3 PUT replaces an object whole, so a concurrent reader sees the old or the new object, never a
partial one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import obstore
from obstore.exceptions import NotFoundError as ObstoreNotFound
from obstore.store import LocalStore, MemoryStore, S3Store

from weir.core.errors import ConfigError, NotFoundError
from weir.core.settings import Settings


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

    def __init__(self, url: str, backend: Any, options: dict[str, str]) -> None:
        self.scheme = url.split("://", 1)[0]
        self.url = url.rstrip("/") if self.scheme != "memory" else url
        self._backend = backend
        self._options = options

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
        options = {"AWS_REGION": settings.s3_region}
        kwargs: dict[str, Any] = {"region": settings.s3_region}
        if settings.s3_endpoint_url:
            kwargs["endpoint"] = options["AWS_ENDPOINT_URL"] = settings.s3_endpoint_url
        if settings.s3_access_key_id and settings.s3_secret_access_key:
            kwargs["access_key_id"] = settings.s3_access_key_id.get_secret_value()
            kwargs["secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
            options["AWS_ACCESS_KEY_ID"] = kwargs["access_key_id"]
            options["AWS_SECRET_ACCESS_KEY"] = kwargs["secret_access_key"]
        if settings.s3_allow_http:
            kwargs["client_options"] = {"allow_http": True}
            options["AWS_ALLOW_HTTP"] = "true"
        backend = S3Store(bucket, prefix=prefix or None, **kwargs)
        return cls(url, backend, options)

    def uri(self, path: str = "") -> str:
        """Absolute URL of `path`, for engines that open it themselves (deltalake, duckdb)."""
        return f"{self.url}/{path.strip('/')}" if path else self.url

    def storage_options(self) -> dict[str, str]:
        """Options for deltalake (and object_store-based readers) to reach this store."""
        return dict(self._options)

    def put(self, path: str, data: bytes) -> None:
        """Write `data` at `path`, replacing any object there, atomically."""
        obstore.put(self._backend, path, data, use_multipart=False)

    def get(self, path: str) -> bytes:
        """Read a whole object.

        Raises:
            NotFoundError: there is no object at `path`.
        """
        try:
            return bytes(obstore.get(self._backend, path).bytes())
        except (ObstoreNotFound, FileNotFoundError) as exc:
            raise NotFoundError(f"no object at {path!r}") from exc

    def head(self, path: str) -> ObjectMeta:
        """Size and modification time of an object.

        Raises:
            NotFoundError: there is no object at `path`.
        """
        try:
            meta = obstore.head(self._backend, path)
        except (ObstoreNotFound, FileNotFoundError) as exc:
            raise NotFoundError(f"no object at {path!r}") from exc
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
        found = [
            ObjectMeta(meta["path"], meta["size"], meta["last_modified"])
            for chunk in obstore.list(
                self._backend, prefix.strip("/") or None, offset=start_after, chunk_size=1000
            )
            for meta in chunk
            if start_after is None or meta["path"] > start_after
        ]
        found.sort(key=lambda meta: meta.path)
        return iter(found)

    def copy(self, src: str, dst: str) -> None:
        """Copy an object, replacing `dst`."""
        try:
            obstore.copy(self._backend, src, dst, overwrite=True)
        except (ObstoreNotFound, FileNotFoundError) as exc:
            raise NotFoundError(f"no object at {src!r}") from exc

    def move(self, src: str, dst: str) -> None:
        """Move an object, replacing `dst` (a rename on disk, copy + delete on S3)."""
        try:
            obstore.rename(self._backend, src, dst, overwrite=True)
        except (ObstoreNotFound, FileNotFoundError) as exc:
            raise NotFoundError(f"no object at {src!r}") from exc

    def delete(self, path: str) -> None:
        """Delete an object; deleting a missing object is not an error."""
        try:
            obstore.delete(self._backend, path)
        except (ObstoreNotFound, FileNotFoundError):
            return
