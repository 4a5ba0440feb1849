"""The three configuration files: validated at the edge, active copies kept in the store.

Resolution order for each file: a path given on the command line (or ``WEIR_FORECAST_*``), which
then becomes the active copy in ``dashboard/config/``; else the active copy in the store; else the
copy shipped in ``weir/forecast/config``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from weir.core.errors import BadInputError, NotFoundError
from weir.core.storage import Store
from weir.forecast.models import (
    CONFIG,
    POINTS_FILE,
    REGISTRY_FILE,
    VARIABLES_FILE,
    Points,
    Registry,
    Source,
    Variables,
)

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: bytes, file: str) -> M:
    """Validate JSON `data` as `model`.

    Raises:
        BadInputError: not JSON, or not the contract; names the file, row (list index) and field.
    """
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadInputError(f"not JSON: {exc}", file=file) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"]]
        row = next((int(part) for part in loc if part.isdigit()), None)
        field = ".".join(part for part in loc if not part.isdigit()) or None
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise BadInputError(f"{error['msg']}{more}", file=file, row=row, field=field) from exc


def shipped(name: str) -> bytes:
    """A configuration file shipped with weir."""
    return (files("weir.forecast.config") / name).read_bytes()


def _resolve_urls(registry: Registry, base: Path) -> Registry:
    """Make relative local store paths absolute (relative to the registry file's folder)."""
    sources = []
    for source in registry.sources:
        url = source.url
        if "://" not in url and not Path(url).is_absolute():
            url = str((base / url).resolve())
        sources.append(source.model_copy(update={"url": url}))
    return Registry(sources=sources)


def _load(store: Store, name: str, model: type[M], override: Path | None) -> M:
    if override is not None:
        if not override.is_file():
            raise BadInputError("no such file", file=str(override))
        parsed = parse(model, override.read_bytes(), str(override))
        if isinstance(parsed, Registry):
            parsed = _resolve_urls(parsed, override.parent)  # type: ignore[assignment]
        store.put_json(f"{CONFIG}/{name}", parsed.model_dump(mode="json"))
        return parsed
    try:
        return parse(model, store.get(f"{CONFIG}/{name}"), f"{CONFIG}/{name}")
    except NotFoundError:
        return parse(model, shipped(name), f"weir/forecast/config/{name}")


def load_registry(store: Store, override: Path | None = None) -> Registry:
    """The source registry (see the module docstring for which copy)."""
    return _load(store, REGISTRY_FILE, Registry, override)


def load_variables(store: Store, override: Path | None = None) -> Variables:
    """The canonical variables."""
    variables = _load(store, VARIABLES_FILE, Variables, override)
    return variables


def load_points(store: Store, override: Path | None = None) -> Points:
    """The pre-canned points."""
    return _load(store, POINTS_FILE, Points, override)


def save_points(store: Store, points: Points) -> None:
    """Replace the active ``pre_canned_points.json``."""
    store.put_json(f"{CONFIG}/{POINTS_FILE}", points.model_dump(mode="json"))


def check_sources(registry: Registry, variables: Variables) -> None:
    """Every variable a source maps must be a canonical variable.

    Raises:
        BadInputError: a source maps an unknown variable.
    """
    known = {variable.id for variable in variables.variables}
    for row, source in enumerate(registry.sources):
        for variable_id in source.variables:
            if variable_id not in known:
                raise BadInputError(
                    f"unknown canonical variable {variable_id!r}",
                    file=REGISTRY_FILE,
                    row=row,
                    field=f"variables.{variable_id}",
                )


def source_by_id(registry: Registry, source_id: str) -> Source:
    """The source with that id.

    Raises:
        NotFoundError: none.
    """
    for source in registry.sources:
        if source.source_id == source_id:
            return source
    raise NotFoundError(f"no source {source_id!r} in the registry")
