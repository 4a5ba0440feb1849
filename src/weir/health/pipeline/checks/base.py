"""What a check kind is, and the registry of kinds (built-in, by dotted path, by entry point).

A kind is a :class:`Check` subclass with a ``Params`` model (its own config fields) and either
``execute()`` (blocking: run in a worker thread) or ``run()`` (async: cancelled on timeout)::

    class RowCount(Check):
        class Params(CheckParams):
            table: str
            minimum: int = 1

        def execute(self) -> Outcome:
            ...
            return Outcome(True, "1,204 rows")

Custom kinds are named in the config (``check_types: {row_count: "mypkg.checks:RowCount"}``)
or registered by an entry point in the ``weir.health.checks`` group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from weir.core.settings import Settings
from weir.health.models import CheckSpec

ENTRY_POINT_GROUP = "weir.health.checks"


class CheckParams(BaseModel):
    """Base of a kind's parameters: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Outcome:
    """What a check found: ok or not, and one line saying why."""

    ok: bool
    message: str


@dataclass
class CheckContext:
    """What checks may use.

    Attributes:
        settings: weir's settings (store, database).
        base_dir: Folder relative paths are resolved against (the config file's folder).
        heartbeat: check id → time of its last push (None when never pushed).
        executor: Threads for blocking checks.
        cache: Shared objects (database engines …) keyed by the kind.
    """

    settings: Settings
    base_dir: Path
    heartbeat: Callable[[str], datetime | None]
    executor: Executor | None = None
    cache: dict[str, Any] = field(default_factory=dict)


class Check:
    """A check kind (HealthCheckBase of the seed). Subclasses set ``Params`` and override
    :meth:`execute` (blocking) or :meth:`run` (async)."""

    Params: ClassVar[type[CheckParams]] = CheckParams

    def __init__(self, spec: CheckSpec, params: CheckParams, context: CheckContext) -> None:
        self.spec = spec
        self.params = params
        self.context = context

    def execute(self) -> Outcome:
        """Run the check, blocking; raise or return a failed outcome on failure."""
        raise NotImplementedError

    async def run(self) -> Outcome:
        """Run the check; the default runs :meth:`execute` in the context's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.context.executor, self.execute)


def builtin_kinds() -> dict[str, str]:
    """The built-in kinds: name → dotted path."""
    base = "weir.health.pipeline.checks"
    return {
        "file_exists": f"{base}.files:FileExists",
        "file_fresh": f"{base}.files:FileFresh",
        "json_value": f"{base}.files:JsonValue",
        "delta_fresh": f"{base}.data:DeltaFresh",
        "run_fresh": f"{base}.data:RunFresh",
        "sql": f"{base}.data:Sql",
        "http": f"{base}.net:Http",
        "tcp": f"{base}.net:Tcp",
        "process": f"{base}.system:ProcessRunning",
        "command": f"{base}.system:Command",
        "heartbeat": f"{base}.system:Heartbeat",
    }


class Registry:
    """Check kinds by name (HealthCheckRegistry of the seed): built-ins, entry points, then the
    config's own ``check_types``; a later one replaces an earlier one of the same name."""

    def __init__(self, custom: dict[str, str] | None = None) -> None:
        self.paths: dict[str, str] = builtin_kinds()
        for point in entry_points(group=ENTRY_POINT_GROUP):
            self.paths[point.name] = point.value
        self.paths.update(custom or {})
        self._loaded: dict[str, type[Check]] = {}

    @property
    def names(self) -> list[str]:
        """Every known kind, sorted."""
        return sorted(self.paths)

    def register(self, name: str, kind: type[Check]) -> None:
        """Register a kind in code."""
        self.paths[name] = f"{kind.__module__}:{kind.__qualname__}"
        self._loaded[name] = kind

    def get(self, name: str) -> type[Check]:
        """The kind called `name`.

        Raises:
            KeyError: no such kind (the message lists the known ones).
            ValueError: its dotted path does not name a Check subclass.
        """
        if name in self._loaded:
            return self._loaded[name]
        if name not in self.paths:
            raise KeyError(f"unknown check type {name!r}; known: {', '.join(self.names)}")
        path = self.paths[name]
        module, _, attribute = path.partition(":")
        try:
            kind = getattr(import_module(module), attribute)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f"check type {name!r}: cannot import {path!r} ({exc})") from None
        if not (isinstance(kind, type) and issubclass(kind, Check)):
            raise ValueError(f"check type {name!r}: {path!r} is not a Check subclass")
        self._loaded[name] = kind
        return kind
