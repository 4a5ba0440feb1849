"""The root Dockerfile and docker-compose.yml, checked without Docker (it cannot run here).

What can be checked is: the compose file parses; it has the seed's four services; every
``WEIR_*`` variable it sets is a field weir's settings classes read, with a value they accept;
the database URL points at the postgres service with its credentials; published ports match
the ports the commands listen on; every command the image and the compose services run, and
every step of ``make run-all-pipelines``, exists as a weir (or streamlit/jupyter) command.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).parents[2]


def _pipeline() -> list[list[str]]:
    """The weir commands `make run-all-pipelines` runs in the app container, from the Makefile."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = text.split("\nrun-all-pipelines:", 1)[1].split("\n\n", 1)[0]
    default = re.search(r"^MRV_DATA \?= (\S+)", text, re.M)
    assert default is not None
    return [
        line.split("exec app weir ", 1)[1].replace("$(MRV_DATA)", default.group(1)).split()
        for line in block.splitlines()
        if "exec app weir " in line
    ]


PIPELINE = _pipeline()


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` with VAR unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def known_env() -> dict[str, type]:
    """Every WEIR_* variable weir's settings classes read → its class."""
    from weir.catalog import available, load
    from weir.core.settings import Settings

    known: dict[str, type] = {f"WEIR_{name.upper()}": Settings for name in Settings.model_fields}
    for system in available():
        if system.settings:
            cls = load(system.settings)
            prefix = cls.model_config.get("env_prefix", "")
            known.update({f"{prefix}{name}".upper(): cls for name in cls.model_fields})
    return known


def test_services_and_environment(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    services = compose["services"]
    assert set(services) == {"app", "postgres", "dashboard", "jupyter"}
    known = known_env()
    for name in ("app", "dashboard", "jupyter"):
        env = {k: interpolate(str(v)) for k, v in services[name]["environment"].items()}
        assert sorted(k for k in env if k.startswith("WEIR_") and k not in known) == []
        for key in list(known):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for cls in set(known.values()):
            cls()  # every value is one the settings accept
        from weir.core.settings import Settings

        url = make_url(Settings().database_url)
        pg = services["postgres"]["environment"]
        assert (url.host, url.port, url.username, url.password, url.database) == (
            "postgres",
            5432,
            pg["POSTGRES_USER"],
            pg["POSTGRES_PASSWORD"],
            pg["POSTGRES_DB"],
        )
        assert str(Settings().home) == "/data/weir"
    assert services["postgres"]["ports"] == ["5432:5432"]
    assert set(compose["volumes"]) == {"pgdata", "weirdata"}


def option(command: list[str], name: str) -> str:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in a command."""
    for i, part in enumerate(command):
        if part == name:
            return command[i + 1]
        if part.startswith(name + "="):
            return part.split("=", 1)[1]
    raise AssertionError(f"{name} not in {command}")


def test_ports_match_the_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    listens = {
        "app": option(services["app"]["command"], "--port"),
        "dashboard": option(services["dashboard"]["command"], "--server.port"),
        "jupyter": option(services["jupyter"]["command"], "--port"),
    }
    for name, port in listens.items():
        assert services[name]["ports"] == [f"{port}:{port}"]
    assert option(services["app"]["command"], "--host") == "0.0.0.0"
    assert option(services["dashboard"]["command"], "--server.address") == "0.0.0.0"


def test_commands_exist(compose: dict[str, Any], dockerfile: str) -> None:
    from streamlit import config

    from weir.cli import app

    runner = CliRunner()
    serve = compose["services"]["app"]["command"]
    assert serve[:2] == ["weir", "serve"]
    help_text = runner.invoke(app, ["serve", "--help"]).stdout
    assert "--host" in help_text
    assert "--port" in help_text
    for step in PIPELINE:
        words = [w for w in step if not w.startswith("/")]
        command = [w for w in words if not w.startswith("--")]
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (step, result.output)
        assert all(w in result.stdout for w in words if w.startswith("--"))
    dashboard = compose["services"]["dashboard"]["command"]
    assert dashboard[:2] == ["streamlit", "run"]
    assert (ROOT / dashboard[2]).is_file()
    for part in dashboard[3:]:
        name, value = part.removeprefix("--").split("=", 1)
        config.get_option(name)  # raises on an unknown option
        assert value
    jupyter = compose["services"]["jupyter"]["command"]
    assert jupyter[:2] == ["jupyter", "lab"]
    notebooks = Path(option(jupyter, "--notebook-dir")).relative_to("/app")
    assert (ROOT / notebooks / "mrv_eda.ipynb").is_file()
    assert 'pip install --python /app/.venv/bin/python "jupyterlab' in dockerfile


def stage(dockerfile: str, name: str) -> str:
    match = re.search(rf"^FROM \S+ AS {name}\n(.*?)(?=^FROM |\Z)", dockerfile, re.M | re.S)
    assert match is not None, name
    return match.group(1)


def test_dockerfile(compose: dict[str, Any], dockerfile: str) -> None:
    import json

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert re.search(r"^FROM python:3\.11-slim AS app$", dockerfile, re.M)
    assert pyproject["project"]["requires-python"] == ">=3.11"
    for service in ("app", "jupyter"):
        build = compose["services"][service]["build"]
        body = stage(dockerfile, build["target"])
        [cmd] = re.findall(r"^CMD (\[.*\])$", body, re.M)
        assert json.loads(cmd) == compose["services"][service]["command"]
    extras = set(re.findall(r"--extra (\w+)", dockerfile))
    assert extras <= set(pyproject["project"]["optional-dependencies"])
    assert "postgres" in extras
    assert "ui" in extras
    assert "uv sync --frozen" in dockerfile
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    assert any(dep.startswith("ipykernel") for dep in pyproject["dependency-groups"]["dev"])
    [check] = re.findall(r"urlopen\('http://127\.0\.0\.1:8000(/\S+)'", dockerfile)
    assert check == "/api/status"
    assert "ENV" in dockerfile
    assert "WEIR_HOME=/data/weir" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", ".weir"} <= set(ignored)


def test_healthcheck_path_is_served(settings: Any) -> None:
    from weir.server import create_app

    paths = {getattr(r, "path", None) for r in create_app(settings, with_ui=False).routes}
    assert "/api/status" in paths
