"""``file_exists`` and ``file_fresh``: local paths and globs, weir's store, or store URLs.

A ``path`` is one of: a local path or glob (relative paths resolve against the config file's
folder; ``**`` matches folders), ``store:<glob>`` (weir's own store, ``WEIR_STORE_URL``) or a
store URL with a glob (``s3://bucket/landing/*.json``, ``file:///data/*.tsv``).
"""

from __future__ import annotations

import fnmatch
import glob as globbing
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from weir.core.durations import format_duration
from weir.health.models import Duration
from weir.health.pipeline.checks.base import Check, CheckContext, CheckParams, Outcome

GLOB_CHARS = "*?["


@dataclass(frozen=True)
class FoundFile:
    """A file a check found."""

    path: str
    size: int
    modified: datetime


def _split(pattern: str) -> tuple[str, str]:
    """(root URL, key glob) of a store URL: ``s3://b/x/*.json`` → (``s3://b``, ``x/*.json``)."""
    scheme, _, rest = pattern.partition("://")
    if scheme == "file":
        parts = rest.split("/")
        index = next((i for i, p in enumerate(parts) if any(c in p for c in GLOB_CHARS)), None)
        root = "/".join(parts[:index] if index is not None else parts[:-1]) or "/"
        key = "/".join(parts[index:] if index is not None else parts[-1:])
        return f"file://{root}", key
    bucket, _, key = rest.partition("/")
    return f"{scheme}://{bucket}", key


def _from_store(root_url: str | None, pattern: str, context: CheckContext) -> list[FoundFile]:
    from weir.core.storage import Store

    store = (
        Store.from_settings(context.settings)
        if root_url is None
        else Store.from_url(root_url, settings=context.settings)
    )
    prefix = pattern
    for char in GLOB_CHARS:
        prefix = prefix.split(char)[0]
    prefix = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
    found = []
    for meta in store.list(prefix):
        if fnmatch.fnmatchcase(meta.path, pattern):
            found.append(FoundFile(meta.path, meta.size, meta.modified.astimezone(UTC)))
    return found


def find_files(path: str, context: CheckContext) -> list[FoundFile]:
    """Every file `path` names (see the module docstring)."""
    if path.startswith("store:"):
        return _from_store(None, path.removeprefix("store:").lstrip("/"), context)
    if "://" in path:
        root, key = _split(path)
        return _from_store(root, key, context)
    full = os.path.join(context.base_dir, os.path.expanduser(path))
    found = []
    for name in globbing.glob(full, recursive=True):
        try:
            stat = os.stat(name)
        except OSError:  # removed while listing
            continue
        if os.path.isfile(name):
            found.append(FoundFile(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return found


def _count(found: list[FoundFile], path: str, bound: str) -> str:
    return f"{len(found)} files match {path} ({bound})"


class FileExistsParams(CheckParams):
    """``path``; optional bounds on how many files match and how big one may be."""

    path: str
    min_count: int = 1
    max_count: int | None = None
    max_bytes: int | None = None


class FileExists(Check):
    """At least ``min_count`` files match (at most ``max_count``; none over ``max_bytes``)."""

    Params = FileExistsParams

    def execute(self) -> Outcome:
        """Count the matching files and check their sizes."""
        params = self.params
        assert isinstance(params, FileExistsParams)
        found = find_files(params.path, self.context)
        if len(found) < params.min_count:
            return Outcome(
                False, f"{len(found)} files match {params.path} (need {params.min_count})"
            )
        if params.max_count is not None and len(found) > params.max_count:
            return Outcome(
                False, f"{len(found)} files match {params.path} (max {params.max_count})"
            )
        if params.max_bytes is not None:
            big = max(found, key=lambda f: f.size, default=None)
            if big is not None and big.size > params.max_bytes:
                name = os.path.basename(big.path)
                return Outcome(False, f"{name} is {big.size:,} bytes (max {params.max_bytes:,})")
        return Outcome(True, f"{len(found)} files match {params.path}")


class FileFreshParams(CheckParams):
    """``path`` and ``max_age`` of the newest matching file."""

    path: str
    max_age: Duration
    min_count: int = 1


class FileFresh(Check):
    """The newest file matching ``path`` was modified within ``max_age``."""

    Params = FileFreshParams

    def execute(self) -> Outcome:
        """Find the newest matching file and compare its age."""
        params = self.params
        assert isinstance(params, FileFreshParams)
        found = find_files(params.path, self.context)
        if len(found) < params.min_count:
            return Outcome(
                False, f"{len(found)} files match {params.path} (need {params.min_count})"
            )
        newest = max(found, key=lambda f: f.modified)
        age = max(datetime.now(UTC) - newest.modified, timedelta(0))
        text = f"newest {os.path.basename(newest.path)} is {format_duration(age)} old"
        if age > params.max_age:
            return Outcome(False, f"{text} (max {format_duration(params.max_age)})")
        return Outcome(True, text)


class JsonValueParams(CheckParams):
    """``path`` of one JSON file, the ``field`` to read (dots for nesting) and its bounds."""

    path: str
    field: str
    min: float | None = None
    max: float | None = None
    equals: str | int | float | bool | None = None


class JsonValue(Check):
    """A value in a JSON status file is within bounds (a forecast inventory's cost …)."""

    Params = JsonValueParams

    def execute(self) -> Outcome:
        """Read the newest matching file and compare the field."""
        import orjson

        params = self.params
        assert isinstance(params, JsonValueParams)
        found = find_files(params.path, self.context)
        if not found:
            return Outcome(False, f"no file matches {params.path}")
        newest = max(found, key=lambda f: f.modified)
        value: object = orjson.loads(_read(params.path, newest, self.context))
        for part in params.field.split("."):
            if not isinstance(value, dict) or part not in value:
                return Outcome(False, f"{params.field} missing in {os.path.basename(newest.path)}")
            value = value[part]
        text = f"{params.field} = {value!r}"
        if params.equals is not None and value != params.equals:
            return Outcome(False, f"{text} (expected {params.equals!r})")
        if params.min is not None or params.max is not None:
            if not isinstance(value, int | float) or isinstance(value, bool):
                return Outcome(False, f"{text} is not a number")
            if params.min is not None and value < params.min:
                return Outcome(False, f"{text} (min {params.min:g})")
            if params.max is not None and value > params.max:
                return Outcome(False, f"{text} (max {params.max:g})")
        return Outcome(True, text)


def _read(pattern: str, found: FoundFile, context: CheckContext) -> bytes:
    from weir.core.storage import Store

    if pattern.startswith("store:"):
        return Store.from_settings(context.settings).get(found.path)
    if "://" in pattern:
        root, _ = _split(pattern)
        return Store.from_url(root, settings=context.settings).get(found.path)
    with open(found.path, "rb") as handle:
        return handle.read()
