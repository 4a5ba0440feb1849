"""The `weir` command: `weir <system> <verb>`, `weir sample`, `weir demo`, `weir serve`, `weir db`.

Composition root: every available system contributes its sub-app (`weir.<system>.cli.app`), its
sample generator (`sample`), its demo step (`demo`) and its migrations.
"""

from __future__ import annotations

import importlib
import json
import shutil
import time
from types import ModuleType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from weir import __version__
from weir.catalog import SYSTEMS, available
from weir.core.errors import WeirError
from weir.core.logging import configure_logging
from weir.core.settings import Settings

app = typer.Typer(
    name="weir",
    help="Field and operations data to tables people can trust and dashboards people can read.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sample_app = typer.Typer(
    help="Write deterministic sample inputs of a system.", no_args_is_help=True
)
db_app = typer.Typer(help="The application database.", no_args_is_help=True)
app.add_typer(sample_app, name="sample")
app.add_typer(db_app, name="db")
console = Console()


def _system_cli(name: str) -> ModuleType:
    return importlib.import_module(f"weir.{name}.cli")


def _version(value: bool) -> None:
    if value:
        console.print(f"weir {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """weir: pipelines and dashboards for field and operations data."""


@db_app.command("upgrade")
def db_upgrade(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Apply every system's migrations to WEIR_DATABASE_URL."""
    from weir.core import db

    settings = Settings()
    locations = db.discover_version_locations()
    db.upgrade(settings.database_url, locations)
    heads = sorted(db.current(settings.database_url, locations))
    if json_out:
        print(json.dumps({"database": _redact(settings.database_url), "heads": heads}))
    else:
        console.print(f"database at {', '.join(heads) or 'no revision'}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _run_demo_steps(settings: Settings) -> list[tuple[str, str, dict[str, Any]]]:
    from weir.core import db

    samples = settings.home / "samples"
    shutil.rmtree(samples, ignore_errors=True)
    db.upgrade(settings.database_url, db.discover_version_locations())
    results: list[tuple[str, str, dict[str, Any]]] = []
    for system in SYSTEMS:
        if not system.available:
            results.append((system.title, "not yet available", {}))
            continue
        console.rule(f"[bold]{system.title}")
        started = time.perf_counter()
        summary = _system_cli(system.name).demo(settings, samples / system.name)
        summary["seconds"] = round(time.perf_counter() - started, 2)
        results.append((system.title, "ok", summary))
    return results


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve every UI after the pipelines.")
    ] = True,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Generate fresh sample data, run every available pipeline, then serve everything."""
    settings = Settings()
    configure_logging(settings)
    try:
        results = _run_demo_steps(settings)
    except WeirError as exc:
        console.print(f"[red]demo failed:[/] {exc.message}")
        raise typer.Exit(1) from exc
    table = Table(title=f"weir demo · WEIR_HOME={settings.home}")
    table.add_column("system")
    table.add_column("status")
    table.add_column("summary")
    for title, status, summary in results:
        figures = ", ".join(f"{key}={value}" for key, value in summary.items())
        table.add_row(title, status, figures)
    console.print(table)
    if serve_after:
        _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from weir.server import create_app

    base = f"http://{host}:{port}"
    console.print(f"weir on {base}/  (API docs {base}/docs)")
    for system in available():
        if system.ui_path:
            console.print(f"  {system.title}: {base}{system.ui_path}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the landing page, every system's API and dashboards on one port."""
    settings = Settings()
    configure_logging(settings)
    _serve(settings, host, port)


def _register_systems() -> None:
    for system in available():
        module = _system_cli(system.name)
        app.add_typer(module.app, name=system.name, help=system.title)
        sample_app.command(system.name, help=f"Sample inputs of {system.title}.")(module.sample)


_register_systems()


def main() -> None:
    """Console-script entry point."""
    from weir.core.cli import guard

    try:
        with guard():  # errors raised outside a command's own guard, e.g. while reading settings
            app()
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
