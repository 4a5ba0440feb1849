"""The read side of the public store, used by the API and the demo page.

Resolves wildcard keys to the latest dated file, hands out presigned URLs (SigV4 on ``s3://``,
HMAC-signed weir artifact URLs otherwise) and reads artifacts and the published CSVs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from weir.core.errors import NotFoundError
from weir.core.settings import Settings
from weir.dac import keys, signing
from weir.dac.models import CONFIG_KEY, DATED, METADATA_KEY, parse_config
from weir.dac.settings import DacSettings

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
}


@dataclass(frozen=True)
class Artifact:
    """A public file as served: body, content type, ETag, modification time."""

    key: str
    body: bytes
    content_type: str
    etag: str
    modified: datetime


def content_type(key: str) -> str:
    """The content type of an allowed key, from its extension."""
    return CONTENT_TYPES["." + key.rsplit(".", 1)[-1]]


WILDCARD_TTL_SECONDS = 2.0


class DacService:
    """Public-store operations for one settings pair.

    A wildcard's resolution is remembered for two seconds (one listing serves a burst of
    requests; a new publication is seen within two seconds).
    """

    def __init__(self, settings: Settings, dac: DacSettings) -> None:
        self.settings, self.dac = settings, dac
        self.public = dac.public_store(settings)
        self._secret: bytes | None = None
        self._resolved: dict[str, tuple[float, str]] = {}

    @property
    def secret(self) -> bytes:
        """The HMAC key of artifact URLs (read or generated once)."""
        if self._secret is None:
            self._secret = self.dac.secret(self.settings)
        return self._secret

    def resolve(self, key: str) -> str:
        """A validated key; ``*`` becomes the existing file with the latest YYYYMMDD.

        Raises:
            InvalidKeyError: the key is not allowed.
            NotFoundError: a wildcard matches no file.
        """
        keys.validate_key(key)
        if "*" not in key:
            return key
        remembered = self._resolved.get(key)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        folder = key.rsplit("/", 1)[0]
        wanted = keys.pattern(key)
        best: tuple[str, str] | None = None
        for meta in self.public.list(folder):
            if not wanted.fullmatch(meta.path):
                continue
            found = DATED.search(meta.path.rsplit("/", 1)[-1])
            rank = (found.group(1) if found else "", meta.path)
            if best is None or rank > best:
                best = rank
        if best is None:
            raise NotFoundError("no matching files found")
        self._resolved[key] = (time.monotonic() + WILDCARD_TTL_SECONDS, best[1])
        return best[1]

    def presign(self, key: str, artifact_url: Any) -> dict[str, Any]:
        """``{"url", "expires_at", "key"}`` for a key (resolved).

        Args:
            key: The requested key (may hold one ``*``).
            artifact_url: Builds the weir artifact URL of a key (``file://`` and ``memory://``).
        """
        resolved = self.resolve(key)
        seconds = self.dac.url_expiry_seconds
        expires = int(time.time()) + seconds
        if "*" not in key and not self.public.exists(resolved):  # a wildcard was just listed
            raise NotFoundError("no such file")
        if self.public.scheme == "s3":
            url = self.public.sign(resolved, "GET", timedelta(seconds=seconds))
        else:
            query = (
                f"expires={expires}&signature={signing.signature(self.secret, resolved, expires)}"
            )
            url = f"{artifact_url(resolved)}?{query}"
        return {
            "url": url,
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
            "key": resolved,
        }

    def artifact(self, key: str, expires: int, signature: str) -> Artifact:
        """The file behind a signed artifact URL.

        Raises:
            SignatureError: tampered or expired (403).
            InvalidKeyError: not an allowed key.
            NotFoundError: no such file.
        """
        signing.verify(self.secret, key, expires, signature)
        keys.validate_key(key)
        if "*" in key:
            raise NotFoundError("no such file")
        body = self.public.get(key)
        return Artifact(
            key=key,
            body=body,
            content_type=content_type(key),
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            modified=self.public.head(key).modified,
        )

    def csv_rows(self, key: str) -> list[dict[str, str]]:
        """Rows of a published CSV (wildcards resolved)."""
        return list(csv.DictReader(io.StringIO(self.public.get(self.resolve(key)).decode())))

    def metadata(self) -> dict[str, str]:
        """``metadata.csv`` as key → value."""
        return {row["key"]: row["value"] for row in self.csv_rows(METADATA_KEY)}

    def config(self) -> dict[str, Any]:
        """The published dashboard config, validated."""
        parsed = parse_config(self.public.get(CONFIG_KEY))
        return {name: metric.model_dump() for name, metric in parsed.metrics.items()}
