"""The `weir` command line: help, version, import weight, db upgrade, demo."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from weir import __version__
from weir.catalog import SYSTEMS
from weir.cli import app
from weir.core.cli import pause_collector
from weir.core.settings import Settings

runner = CliRunner()
HEAVY = ("pyspark", "streamlit", "shiny", "xarray", "zarr", "playwright")


def test_help_and_version() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "sample", "db"):
        assert command in result.output
    version = runner.invoke(app, ["--version"])
    assert (version.exit_code, version.output.strip()) == (0, f"weir {__version__}")


def test_import_loads_no_heavy_library() -> None:
    code = (
        "import sys, weir, weir.cli; "
        f"print([m for m in {HEAVY!r} "
        "if any(k == m or k.startswith(m + '.') for k in sys.modules)])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_available_system_has_a_sub_app_and_sample() -> None:
    result = runner.invoke(app, ["--help"])
    sample_help = runner.invoke(app, ["sample", "--help"]).output
    for system in SYSTEMS:
        listed = f"│ {system.name} "
        assert (listed in result.output) == system.available
        assert (listed in sample_help) == system.available


def test_db_upgrade_json(settings: Settings) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["database"] == settings.database_url
    assert (settings.home / "weir.db").exists()


def test_demo_runs_every_available_pipeline(settings: Settings) -> None:
    result = runner.invoke(app, ["demo", "--no-serve"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for system in SYSTEMS:
        row = next(line for line in result.output.splitlines() if f"│ {system.title}" in line)
        status = "ok" if system.available else "not yet available"
        assert row.split("│")[2].strip() == status
    assert (settings.home / "samples" / "mrv" / "lab" / "calcium.csv").exists()
    assert (settings.home / "weir.db").exists()


def _weir(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os
    from pathlib import Path

    weir = str(Path(sys.executable).parent / "weir")
    return subprocess.run(
        [weir, *args], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


def test_bad_configuration_is_reported_not_raised(settings: Settings) -> None:
    level = _weir({"WEIR_LOG_LEVEL": "loud"}, "db", "upgrade")
    assert (level.returncode, level.stdout) == (2, "")
    assert level.stderr == (
        "error: invalid configuration (Settings): log_level: Input should be 'TRACE', 'DEBUG', "
        "'INFO', 'SUCCESS', 'WARNING', 'ERROR' or 'CRITICAL'\n"
    )
    url = _weir({"WEIR_DATABASE_URL": "nonsense"}, "db", "upgrade")
    assert url.returncode == 2
    assert url.stderr.startswith("error: WEIR_DATABASE_URL is not a database URL: ")
    down = _weir(
        {"WEIR_DATABASE_URL": "postgresql+psycopg://u:secret@127.0.0.1:1/x"}, "db", "upgrade"
    )
    assert down.returncode == 1
    assert down.stderr.startswith("error: database unreachable: connection failed: ")
    assert "secret" not in down.stderr
    assert "Traceback" not in level.stderr + url.stderr + down.stderr


def test_help_shows_no_type_label_on_flags() -> None:
    weir = str(Path(sys.executable).with_name("weir"))
    env = {**os.environ, "COLUMNS": "120"}
    out = subprocess.run(
        [weir, "telemetry", "run", "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "<bool>" not in out
    assert "--json" in out
    assert "<int range>" in out  # options that take a value keep their label


def test_pause_collector_holds_for_the_command_and_ends_with_it() -> None:
    """A group whose callback pauses the collector: off inside its command, on again after,
    also when the command fails; left off when the caller had it off."""

    batch = typer.Typer()
    seen: list[bool] = []

    @batch.callback()
    def _paused(ctx: typer.Context) -> None:
        pause_collector(ctx)

    @batch.command()
    def work(fail: bool = False) -> None:
        seen.append(gc.isenabled())
        if fail:
            raise typer.Exit(1)

    @batch.command()
    def other() -> None:
        seen.append(gc.isenabled())

    assert CliRunner().invoke(batch, ["work"]).exit_code == 0
    assert CliRunner().invoke(batch, ["work", "--fail"]).exit_code == 1
    assert (seen, gc.isenabled()) == ([False, False], True)
    gc.disable()
    try:
        assert CliRunner().invoke(batch, ["other"]).exit_code == 0
        assert gc.isenabled() is False
    finally:
        gc.enable()


def test_pause_collector_freezes_what_a_one_command_process_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a process that ends with its command, the command's objects are frozen (no sweep
    when the collector resumes or at exit); the collector is on again."""
    from weir.core import cli as core_cli

    monkeypatch.setattr(core_cli, "_process_ends_with_command", False)
    core_cli.ends_with_command()
    batch = typer.Typer()

    @batch.callback()
    def _paused(ctx: typer.Context) -> None:
        pause_collector(ctx)

    @batch.command()
    def work() -> None:
        """Build something."""

    @batch.command()
    def other() -> None:
        """Build something else."""

    try:
        assert CliRunner().invoke(batch, ["work"]).exit_code == 0
        assert gc.get_freeze_count() > 0
        assert gc.isenabled()
    finally:
        gc.unfreeze()
