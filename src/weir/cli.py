"""The `weir` command: `weir <system> <verb>`, `weir sample`, `weir demo`, `weir serve`,
`weir status`, `weir config`, `weir db`.

Composition root: it loops over :data:`weir.catalog.SYSTEMS` and names no system. A system's
command line is imported only when that system is named (``weir --help`` imports none).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

import weir
from weir.catalog import SYSTEMS, SystemSpec, available, load
from weir.core.cli import JsonOpt, emit, ends_with_command, guard, pause_collector, sample_command

if TYPE_CHECKING:
    from weir.core.settings import Settings


def _flag_labels_off() -> None:
    """Help shows no ``<bool>`` type label on flags (``--json``, ``--watch``): a flag takes no
    value, so the label only confuses. typer 0.29 has no setting for it; this is its one hook."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "weir", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.weir = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


class LazyCommand(TyperGroup):
    """A system's command, listed from the catalog and imported only when it is run."""

    def __init__(self, name: str, help_text: str, build: Callable[[], Any]) -> None:
        super().__init__(name=name, help=help_text, short_help=help_text)
        self._build = build
        self._real: Any = None

    def real(self) -> Any:
        """The system's real command (imported on first use)."""
        if self._real is None:
            self._real = self._build()
            self._real.name = self.name
        return self._real

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        return self.real().make_context(info_name, args, parent=parent, **extra)


class CatalogGroup(TyperGroup):
    """The root group: its own commands plus one lazy command per available system."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(s.name for s in available())]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        system = next((s for s in available() if s.name == cmd_name), None)
        if system is None or system.cli is None:
            return super().get_command(ctx, cmd_name)
        cli = system.cli
        return LazyCommand(system.name, system.title, lambda: _command(load(cli)))


class SampleGroup(TyperGroup):
    """``weir sample <system>``: one command per available system with a sample generator."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [s.name for s in available() if s.sample]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        system = next((s for s in available() if s.name == cmd_name and s.sample), None)
        if system is None:
            return None
        return LazyCommand(system.name, f"Sample inputs of {system.title}.", _sample(system))


def _command(sub: typer.Typer) -> Any:
    """A system's sub-app as a command (completion options belong to the root only)."""
    sub._add_completion = False
    return typer.main.get_command(sub)


def _sample(system: SystemSpec) -> Callable[[], Any]:
    def build() -> Any:
        assert system.sample is not None
        single = typer.Typer(add_completion=False)
        single.command(system.name)(sample_command(system.name, load(system.sample)))
        return typer.main.get_command(single)

    return build


app = typer.Typer(
    name="weir",
    cls=CatalogGroup,
    help="Field and operations data to tables people can trust and dashboards people can read.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sample_app = typer.Typer(
    cls=SampleGroup, help="Write deterministic sample inputs of a system.", no_args_is_help=True
)
db_app = typer.Typer(help="The application database.", no_args_is_help=True)
app.add_typer(sample_app, name="sample")
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        print(f"weir {weir.__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """weir: pipelines and dashboards for field and operations data."""


@db_app.callback()
def _db_batch(ctx: typer.Context) -> None:
    """``weir db`` commands are batches: no garbage collector passes while they run."""
    pause_collector(ctx)


@db_app.command("upgrade")
def db_upgrade(json_out: JsonOpt = False) -> None:
    """Apply every system's migrations to WEIR_DATABASE_URL."""
    from weir.core import db
    from weir.core.config import redact_url
    from weir.core.settings import Settings

    with guard():
        settings = Settings()
        locations = db.discover_version_locations()
        db.upgrade(settings.database_url, locations)
        heads = sorted(db.current(settings.database_url, locations))
    if json_out:
        emit({"database": redact_url(settings.database_url), "heads": heads}, True)
    else:
        print(f"database at {', '.join(heads) or 'no revision'}")


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Per system and step: the last run, its status, its age and its freshness."""
    from weir.core.settings import Settings
    from weir.status import read_status

    with guard():
        settings = Settings()
        rows = read_status(settings)
    emit(
        rows,
        json_out,
        title="weir status",
        columns=["system", "step", "status", "last_run_at", "age", "freshness", "error"],
        empty="no runs recorded yet: run `weir demo --no-serve`, or a system's pipeline",
    )


@app.command("config")
def config_command(json_out: JsonOpt = False) -> None:
    """The effective settings of the core and of every available system (secrets redacted)."""
    from weir.core.config import describe_settings
    from weir.core.settings import Settings

    with guard():
        rows = describe_settings(Settings(), "core")
        for system in available():
            if system.settings:
                rows += describe_settings(load(system.settings)(), system.name)
    emit(rows, json_out, title="weir config", columns=["env", "value", "system", "source"])


def _run_demo_steps(settings: Settings) -> list[tuple[str, str, dict[str, Any]]]:
    from weir.core import db

    samples = settings.home / "samples"
    shutil.rmtree(samples, ignore_errors=True)
    db.upgrade(settings.database_url, db.discover_version_locations())
    results: list[tuple[str, str, dict[str, Any]]] = []
    for system in SYSTEMS:
        if not system.available or system.demo is None:
            results.append((system.title, "not yet available", {}))
            continue
        print(f"── {system.title}")
        started = time.perf_counter()
        summary = load(system.demo)(settings, samples / system.name)
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
    from rich.console import Console
    from rich.table import Table

    from weir.core.logging import configure_logging
    from weir.core.settings import Settings

    with guard():
        settings = Settings()
        configure_logging(settings)
        results = _run_demo_steps(settings)
    table = Table(title=f"weir demo · WEIR_HOME={settings.home}")
    table.add_column("system")
    table.add_column("status")
    table.add_column("summary")
    for title, state, summary in results:
        figures = ", ".join(f"{key}={value}" for key, value in summary.items())
        table.add_row(title, state, figures)
    Console().print(table)
    if serve_after:
        _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from weir.server import create_app

    base = f"http://{host}:{port}"
    print(f"weir on {base}/  (API docs {base}/docs)")
    for system in available():
        if system.ui_path:
            print(f"  {system.title}: {base}{system.ui_path}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the landing page, every system's API and dashboards on one port."""
    from weir.core.logging import configure_logging
    from weir.core.settings import Settings

    with guard():
        settings = Settings()
        configure_logging(settings)
    _serve(settings, host, port)


def main() -> None:
    """Console-script entry point."""
    _flag_labels_off()
    ends_with_command()
    try:
        with guard():  # errors raised outside a command's own guard, e.g. while reading settings
            app()
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
