"""Settings from WEIR_* variables and structured logging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loguru import logger

from weir.core.logging import configure_logging
from weir.core.settings import Settings


def test_defaults_derive_from_home(settings: Settings, tmp_path: Path) -> None:
    home = tmp_path / "weir-home"
    assert settings.home == home
    assert settings.store_url == f"file://{home}/store"
    assert settings.database_url == f"sqlite:///{home}/weir.db"
    assert (settings.log_level, settings.log_json, settings.s3_region) == (
        "INFO",
        False,
        "us-east-1",
    )


def test_environment_overrides(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_STORE_URL", "s3://bucket/prefix")
    monkeypatch.setenv("WEIR_DATABASE_URL", "postgresql://u:p@db/weir")
    monkeypatch.setenv("WEIR_LOG_JSON", "true")
    monkeypatch.setenv("WEIR_S3_SECRET_ACCESS_KEY", "hunter2")
    current = Settings()
    assert current.store_url == "s3://bucket/prefix"
    assert current.database_url == "postgresql://u:p@db/weir"
    assert current.log_json is True
    assert current.s3_secret_access_key is not None
    assert "hunter2" not in repr(current)
    assert current.s3_secret_access_key.get_secret_value() == "hunter2"


def test_json_lines_sink_carries_context(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "logs" / "run.jsonl"
    configure_logging(settings, json_path=path)
    with logger.contextualize(run_id="r-1"):
        logger.bind(system="telemetry", step="flatten").info("flattened {} rows", 12)
    logger.bind(request_id="q-9").warning("slow")
    records = [json.loads(line)["record"] for line in path.read_text().splitlines()]
    assert [r["message"] for r in records] == ["flattened 12 rows", "slow"]
    assert {k: records[0]["extra"][k] for k in ("run_id", "system", "step")} == {
        "run_id": "r-1",
        "system": "telemetry",
        "step": "flatten",
    }
    assert records[1]["extra"]["request_id"] == "q-9"
    assert records[1]["extra"]["system"] == "weir"
    assert records[1]["level"]["name"] == "WARNING"
