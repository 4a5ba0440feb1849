"""Logging: loguru, configured once by each entry point.

Human-readable lines (or JSON lines with ``WEIR_LOG_JSON=true``) go to stderr; pipelines add a
JSON-lines file sink. Context fields (run_id, request_id, system, step) travel with
``logger.bind(...)`` or ``logger.contextualize(...)`` and appear in every record's ``extra``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from loguru import logger

from weir.core.settings import Settings

CONTEXT_FIELDS = ("run_id", "request_id", "system", "step")
_HUMAN = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
    "<cyan>{extra[system]}</cyan>{extra[_step]} {message}"
)


def _patch(record: dict) -> None:  # type: ignore[type-arg]
    extra = record["extra"]
    extra.setdefault("system", "weir")
    extra["_step"] = f".{extra['step']}" if extra.get("step") else ""


def configure_logging(settings: Settings, *, json_path: Path | None = None) -> None:
    """Replace loguru's handlers with weir's: stderr and, given `json_path`, a JSON-lines file.

    Args:
        settings: Supplies the level and whether stderr gets JSON.
        json_path: File receiving every record as one JSON object per line.
    """
    logger.remove()
    logger.configure(patcher=_patch)  # type: ignore[arg-type]
    level = settings.log_level.upper()
    if settings.log_json:
        logger.add(sys.stderr, level=level, serialize=True)
    else:
        logger.add(sys.stderr, level=level, format=_HUMAN, colorize=None)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        logger.add(json_path, level="DEBUG", serialize=True, enqueue=False)
