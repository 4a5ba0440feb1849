"""The catalog is a contract: every declared import path loads and has the declared shape."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import pytest
import typer
from fastapi import APIRouter
from pydantic_settings import BaseSettings

from weir.catalog import SYSTEMS, SystemSpec, available, load
from weir.core.cli import SampleSummary
from weir.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [system for system in SYSTEMS if system.available]


def _params(path: str) -> list[str]:
    """The parameters a caller must pass (those without a default)."""
    return [
        name
        for name, param in inspect.signature(load(path)).parameters.items()
        if param.default is inspect.Parameter.empty
    ]


@pytest.mark.parametrize("system", SHIPPED, ids=lambda s: s.name)
def test_every_declared_path_loads_with_its_signature(system: SystemSpec) -> None:
    assert isinstance(load(system.cli or ""), typer.Typer)
    if system.sample:
        params = inspect.signature(load(system.sample)).parameters
        assert list(params)[:2] == ["out", "seed"]
        assert inspect.signature(load(system.sample)).return_annotation in (
            "SampleSummary",
            "CoreSampleSummary",
            SampleSummary,
        )
    if system.demo:
        assert _params(system.demo) == ["settings", "sample_dir"]
    for factory in (system.api, system.asgi_ui, system.pages):
        if factory:
            assert _params(factory) == ["settings"]
    if system.settings:
        cls = load(system.settings)
        assert issubclass(cls, BaseSettings)
        assert cls.model_config["env_prefix"] == f"WEIR_{system.name.upper()}_"
        assert cls.model_config["env_file"] == ".env"
        assert cls.model_config["extra"] == "ignore"


@pytest.mark.parametrize("system", [s for s in SHIPPED if s.api], ids=lambda s: s.name)
def test_api_factories_build_routers(system: SystemSpec, settings: Settings) -> None:
    assert isinstance(load(system.api or "")(settings), APIRouter)


def test_mount_paths_follow_the_name() -> None:
    mrv = next(s for s in SYSTEMS if s.name == "mrv")
    dac = next(s for s in SYSTEMS if s.name == "dac")
    assert (mrv.api_path, mrv.ui_path) == ("/api/mrv", "/ui/mrv")
    assert (dac.api_path, dac.ui_path) == ("/api/dac", "/dac/")


def test_import_contracts_name_every_shipped_system() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {c["name"]: c for c in config["contracts"]}
    names = {f"weir.{s.name}" for s in available()}
    forbidden = set(contracts["core imports no system"]["forbidden_modules"])
    assert names <= forbidden
    assert set(contracts["systems do not import each other"]["modules"]) == names
    layers = contracts["inside a system: entry points → service → pipeline → models"]
    assert set(layers["containers"]) == names


def test_help_imports_no_system_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from weir.cli import main; sys.argv = ['weir', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('weir.')"
        " and m.split('.')[1] in {'dac','telemetry','forecast','health','mrv'}}), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"
    assert "telemetry" in out.stdout
