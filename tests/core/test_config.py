"""Settings that compose: each system reads WEIR_<SYSTEM>_* from the environment and the core's
.env; `weir config` shows every setting with its variable, secrets redacted; every field is
documented under its WEIR_… name; a missing optional extra is one line naming the extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.catalog import available, load
from weir.cli import app
from weir.core.config import redact_url
from weir.core.errors import MissingExtraError
from weir.core.optional import require
from weir.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_SETTINGS = [s for s in available() if s.settings]


@pytest.mark.parametrize("system", SYSTEM_SETTINGS, ids=lambda s: s.name)
def test_dotenv_reaches_every_system(system: object, settings: Settings, tmp_path: Path) -> None:
    cls = load(system.settings)  # type: ignore[attr-defined]
    name, field = next(
        (n, f) for n, f in cls.model_fields.items() if f.annotation in (int, float, str)
    )
    value = {int: "500", float: "0.5", str: "from-dotenv"}[field.annotation]
    prefix = f"WEIR_{system.name.upper()}_"  # type: ignore[attr-defined]
    (tmp_path / ".env").write_text(f"{prefix}{name.upper()}={value}\nWEIR_UNKNOWN_KEY=1\n")
    assert str(getattr(cls(), name)) == value


def test_mrv_mc_draws_from_dotenv(settings: Settings, tmp_path: Path) -> None:
    from weir.mrv.settings import MrvSettings

    (tmp_path / ".env").write_text("WEIR_MRV_MC_DRAWS=500\n")
    assert MrvSettings().mc_draws == 500


def test_weir_config_redacts_secrets(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_DATABASE_URL", "postgresql://weir:hunter2@db.example/weir")
    monkeypatch.setenv("WEIR_S3_SECRET_ACCESS_KEY", "s3cr3t")
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.stdout
    assert "s3cr3t" not in result.stdout
    rows = {row["env"]: row for row in json.loads(result.stdout)}
    assert rows["WEIR_DATABASE_URL"]["value"] == "postgresql://weir:***@db.example/weir"
    assert rows["WEIR_DATABASE_URL"]["source"] == "environment"
    assert rows["WEIR_S3_SECRET_ACCESS_KEY"]["value"] == "**********"
    assert rows["WEIR_MRV_MC_DRAWS"] == {
        "system": "mrv",
        "env": "WEIR_MRV_MC_DRAWS",
        "value": 10000,
        "source": "default or .env",
    }
    systems = {row["system"] for row in rows.values()}
    assert systems == {"core"} | {s.name for s in SYSTEM_SETTINGS}


def test_redact_url() -> None:
    assert redact_url("postgresql+psycopg://u:p@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert redact_url("sqlite:////tmp/weir.db") == "sqlite:////tmp/weir.db"
    assert redact_url("s3://bucket/prefix") == "s3://bucket/prefix"


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, cls, doc in [("core", Settings, "")] + [
        (s.name, load(s.settings), f"docs/{s.name}.md") for s in SYSTEM_SETTINGS
    ]:
        text = readme + ((ROOT / doc).read_text(encoding="utf-8") if doc else "")
        prefix = str(cls.model_config["env_prefix"]).upper()
        missing += [
            f"{prefix}{field.upper()} ({name})"
            for field in cls.model_fields
            if f"{prefix}{field.upper()}" not in text
        ]
    assert missing == []


def test_missing_extra_names_it() -> None:
    with pytest.raises(MissingExtraError) as caught:
        require("pyspark_not_installed_here", extra="spark")
    assert caught.value.message == (
        "pyspark_not_installed_here is not installed: pip install 'weir[spark]'"
    )
    assert caught.value.exit_code == 2
    assert require("json").dumps([1]) == "[1]"
