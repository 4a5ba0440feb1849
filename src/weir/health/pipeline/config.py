"""Load a pipeline config file and report every problem in one pass, each with its path.

Problems look like ``processes[3].checks[0].max_age: invalid duration "2hours": …``. A valid
file gives a :class:`LoadedConfig`: the model, each check's validated kind parameters, and the
registry that knows the kinds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from weir.health.errors import InvalidConfigError
from weir.health.models import CheckSpec, PipelineConfig
from weir.health.pipeline.checks.base import CheckParams, Registry


@dataclass
class LoadedConfig:
    """A validated config.

    Attributes:
        config: The pipeline model.
        params: check id → the kind's validated parameters.
        registry: The kinds this config may use.
        source: Where it came from (a path, or ``<upload>``).
        base_dir: Folder relative paths in checks resolve against.
    """

    config: PipelineConfig
    params: dict[str, CheckParams]
    registry: Registry
    source: str
    base_dir: Path


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _message(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "unknown field"
    return message


def _problems(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    return [f"{_path(prefix + tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _semantic(data: dict[str, Any], registry: Registry) -> tuple[list[str], dict[str, Any]]:
    """Duplicate ids, unknown edge ends, unknown kinds and each kind's own parameters."""
    problems: list[str] = []
    params: dict[str, Any] = {}
    processes = [p for p in _as_list(data.get("processes")) if isinstance(p, dict)]
    ids = [str(p.get("id")) for p in processes if p.get("id") is not None]
    for process_id, count in Counter(ids).items():
        if count > 1:
            problems.append(f"processes: duplicate process id {process_id!r} ({count} times)")
    known = set(ids)
    check_ids: Counter[str] = Counter()
    for index, process in enumerate(_as_list(data.get("processes"))):
        if not isinstance(process, dict):
            continue
        for number, check in enumerate(_as_list(process.get("checks"))):
            if not isinstance(check, dict) or "type" not in check:
                continue
            where = f"processes[{index}].checks[{number}]"
            check_ids[str(check.get("id"))] += 1
            try:
                kind = registry.get(str(check["type"]))
            except KeyError as exc:
                problems.append(f"{where}.type: {exc.args[0]}")
                continue
            except ValueError as exc:
                problems.append(f"{where}.type: {exc}")
                continue
            own = {k: v for k, v in check.items() if k not in CheckSpec.model_fields}
            try:
                params[str(check.get("id"))] = kind.Params.model_validate(own)
            except ValidationError as exc:
                problems.extend(_problems(exc, (f"{where}",)))
    for check_id, count in check_ids.items():
        if count > 1 and check_id != "None":
            problems.append(f"processes: duplicate check id {check_id!r} ({count} times)")
    for index, edge in enumerate(_as_list(data.get("edges"))):
        if not isinstance(edge, dict):
            continue
        for end in ("from", "to"):
            if end in edge and str(edge[end]) not in known:
                problems.append(f"edges[{index}].{end}: unknown process {str(edge[end])!r}")
    for index, window in enumerate(_as_list(data.get("maintenance"))):
        if isinstance(window, dict):
            for name in _as_list(window.get("processes")):
                if str(name) not in known:
                    problems.append(f"maintenance[{index}].processes: unknown process {name!r}")
            if not (("start" in window and "end" in window) or "daily" in window):
                problems.append(f"maintenance[{index}]: needs start and end, or daily")
            if "daily" in window and "duration" not in window:
                problems.append(f"maintenance[{index}].duration: required with daily")
    return problems, params


def parse_config(
    text: str, source: str, base_dir: Path, *, import_custom: bool = True
) -> LoadedConfig:
    """Validate config text (YAML or JSON).

    Args:
        text: The config.
        source: Where it came from (named in the problems).
        base_dir: Folder relative check paths resolve against.
        import_custom: Import the modules ``check_types`` names; False for text from a
            client (an upload must not make the server import arbitrary modules).

    Raises:
        InvalidConfigError: with every problem found.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top)"
        raise InvalidConfigError(source, [f"{where}: not valid YAML ({exc})"]) from None
    if not isinstance(data, dict):
        raise InvalidConfigError(source, ["(top): a mapping with pipeline and processes needed"])
    problems: list[str] = []
    config: PipelineConfig | None = None
    try:
        config = PipelineConfig.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problems(exc))
    custom = data.get("check_types") if isinstance(data.get("check_types"), dict) else {}
    if custom and not import_custom:
        problems.append("check_types: custom check types are not imported from an upload")
        custom = {}
    registry = Registry({str(k): str(v) for k, v in (custom or {}).items()})
    semantic, params = _semantic(data, registry)
    problems.extend(semantic)
    if problems or config is None:
        raise InvalidConfigError(source, problems)
    return LoadedConfig(config, params, registry, source, base_dir)


def load_config(path: Path) -> LoadedConfig:
    """Validate the config file at `path` (relative check paths resolve against its folder).

    Raises:
        InvalidConfigError: unreadable, or with every problem found.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidConfigError(str(path), [f"(file): cannot read ({exc.strerror})"]) from None
    return parse_config(text, str(path), path.parent.absolute())
