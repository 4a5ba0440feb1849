"""Telemetry job options, read from ``WEIR_TELEMETRY_*`` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings

from weir.core.settings import system_config


class TelemetrySettings(BaseSettings):
    """Options of ``weir telemetry run`` (each but `native` also a CLI option).

    Attributes:
        engine: ``local`` (process pool) or ``spark``.
        workers: Processes of the local engine.
        chunk_files: At most this many landed files per Delta commit.
        chunk_bytes: At most this many landed bytes per Delta commit: bounds memory.
        native: Flatten with the native (Cython) fast path when it is built; off forces the
            Python path (same rows, slower). Environment only (``WEIR_TELEMETRY_NATIVE``); the
            engine built from these settings hands it to its workers.
    """

    model_config = system_config("telemetry")

    engine: Literal["local", "spark"] = "local"
    workers: int = 2
    chunk_files: int = 2000
    chunk_bytes: int = 256 * 1024 * 1024
    native: bool = True
