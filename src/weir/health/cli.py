"""``weir health …``: check, diagram, validate, run, simulate; plus the ``demo`` hook.

Exit codes: 0 ok (no process failed), 1 a process failed, 2 bad usage or an invalid config.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from weir.core.cli import JsonOpt, emit, guard, interval

if TYPE_CHECKING:
    from weir.core.settings import Settings
    from weir.health.models import Snapshot
    from weir.health.service import HealthService

app = typer.Typer(
    help="Pipeline health: checks, status, history, alerts, Mermaid diagram.",
    no_args_is_help=True,
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Pipeline YAML (default WEIR_HEALTH_CONFIG)."),
]


def _service(config: Path | None, *, record: bool) -> HealthService:
    from weir.core.logging import configure_logging
    from weir.core.settings import Settings
    from weir.health.pipeline.config import load_config
    from weir.health.service import HealthService
    from weir.health.settings import HealthSettings

    settings = Settings()
    configure_logging(settings, json_path=settings.home / "logs" / "health.jsonl")
    health = HealthSettings()
    path = config or health.config
    load_config(path)  # an invalid file fails the command (exit 2) before anything runs
    return HealthService(settings, health, path, record=record)


def check_json(snapshot: Snapshot) -> dict[str, Any]:
    """The ``--json`` shape of ``weir health check``."""
    return {
        "status": snapshot.status.value,
        "processes": [
            {
                "id": p.id,
                "name": p.name,
                "status": p.status.value,
                "checks": [
                    {
                        "id": c.id,
                        "type": c.type,
                        "status": c.status.value,
                        "message": c.message,
                        "duration_ms": c.duration_ms,
                        "checked_at": c.checked_at.isoformat() if c.checked_at else None,
                    }
                    for c in p.checks
                ],
            }
            for p in snapshot.processes
        ],
    }


def _rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in snapshot.processes:
        base = {"process": p.id, "status": p.status.value, "root_cause": p.root_cause}
        if not p.checks:
            rows.append({**base, "check": "", "check_status": "", "ms": None, "message": ""})
        for c in p.checks:
            rows.append(
                {
                    **base,
                    "check": c.id,
                    "check_status": c.status.value,
                    "ms": c.duration_ms,
                    "message": c.message,
                }
            )
    return rows


@app.command()
def check(config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Run one round of every check; exit 0 when no process failed, 1 when one did."""
    from weir.health.models import Status

    with guard():
        service = _service(config, record=False)
        try:
            snapshot = service.run_round(force=True)
        finally:
            service.stop()
    if json_out:
        emit(check_json(snapshot), True)
    else:
        emit(_rows(snapshot), False, title=f"{snapshot.pipeline}: {snapshot.status.value}")
    if snapshot.counts.get(Status.FAILED.value, 0):
        raise typer.Exit(1)


@app.command()
def validate(file: Path, json_out: JsonOpt = False) -> None:
    """Validate a config file: every problem with its path; exit 2 when invalid."""
    from weir.health.errors import InvalidConfigError
    from weir.health.pipeline.config import load_config

    try:
        loaded = load_config(file)
    except InvalidConfigError as exc:
        if json_out:
            emit({"valid": False, "file": str(file), "problems": exc.problems}, True)
        else:
            typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    summary = {
        "valid": True,
        "file": str(file),
        "pipeline": loaded.config.pipeline.name,
        "processes": len(loaded.config.processes),
        "checks": len(loaded.config.checks()),
        "edges": len(loaded.config.edges),
    }
    emit(summary, json_out, title="config valid")


@app.command()
def diagram(
    config: ConfigOpt = None,
    svg: Annotated[bool, typer.Option("--svg", help="Render SVG instead of Mermaid text.")] = False,
    run: Annotated[
        bool, typer.Option("--run/--no-run", help="Colour by a round of checks.")
    ] = True,
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Print the Mermaid diagram (or its SVG) of a pipeline."""
    with guard():
        service = _service(config, record=False)
        try:
            if run:
                service.run_round(force=True)
            text = service.diagram_text
            if svg:
                service.svgs.submit(text)
                service.svgs.wait(text, 60)
                text, _renderer, _fresh = service.svg()
        finally:
            service.stop()
    if out is not None:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


@app.command("run")
def run_command(
    config: ConfigOpt = None,
    every: Annotated[str | None, typer.Option(help="Run a round every 30s, 5m …")] = None,
    max_runs: Annotated[int | None, typer.Option(help="Stop after this many rounds.")] = None,
) -> None:
    """The scheduler loop: rounds writing history, alerts and run records."""
    from weir.core.schedule import run_loop

    seconds = interval(every)
    with guard():
        service = _service(config, record=True)

        def tick() -> None:
            service.reload()
            snapshot = service.run_round()
            service.record_round(snapshot)
            failed = [p.id for p in snapshot.processes if p.status.value == "failed"]
            typer.echo(
                f"round {snapshot.round}: {snapshot.status.value}"
                + (f" (failed: {', '.join(failed)})" if failed else "")
            )

        try:
            run_loop(tick, every=seconds, max_runs=max_runs)
        finally:
            service.stop()


@app.command()
def simulate(
    root: Annotated[
        Path | None, typer.Option(help="Sample folder (default $WEIR_HOME/samples/health).")
    ] = None,
    every: Annotated[str, typer.Option(help="Time between scenario changes.")] = "20s",
    max_runs: Annotated[int | None, typer.Option(help="Stop after this many changes.")] = None,
    scenario: Annotated[
        str | None, typer.Option(help="Set one scenario and stop (healthy, parse, sql …).")
    ] = None,
) -> None:
    """Drive the helicopter sample: stages fail and recover on a schedule."""
    from weir.core.schedule import run_loop
    from weir.core.settings import Settings
    from weir.health.pipeline.simulate import SCENARIOS, apply
    from weir.health.sample import sample

    folder = root or Settings().home / "samples" / "health"
    if not (folder / "helicopter.yaml").exists():
        sample(folder, 7)
    if scenario is not None:
        if scenario not in SCENARIOS:
            raise typer.BadParameter(f"known: {', '.join(SCENARIOS)}", param_hint="--scenario")
        typer.echo(f"scenario {apply(folder, scenario)} in {folder}")
        return
    step = iter(range(10**9))

    def tick() -> None:
        name = apply(folder, next(step))
        typer.echo(f"{time.strftime('%H:%M:%S')} scenario: {name}")

    typer.echo(f"simulating in {folder} (config {folder / 'helicopter.yaml'})")
    run_loop(tick, every=interval(every), max_runs=max_runs)


def demo(settings: Settings, sample_dir: Path) -> dict[str, Any]:
    """Sample the helicopter pipeline, run rounds healthy and with a stage broken."""
    from weir.health.pipeline.simulate import apply
    from weir.health.sample import sample
    from weir.health.service import HealthService
    from weir.health.settings import HealthSettings

    summary = sample(sample_dir, 7)
    service = HealthService(settings, HealthSettings(), sample_dir / "helicopter.yaml")
    try:
        started = time.perf_counter()
        healthy = service.run_round(force=True)
        round_ms = (time.perf_counter() - started) * 1000
        apply(sample_dir, "compress")
        broken = service.run_round(force=True)
        apply(sample_dir, "healthy")
        service.record_round(service.run_round(force=True))
    finally:
        service.stop()
    return {
        "stages": len(healthy.processes),
        "checks": summary.figures["checks"],
        "healthy": healthy.counts.get("healthy", 0),
        "round_ms": round(round_ms, 1),
        "failed_when_compress_breaks": [p.id for p in broken.processes if p.status == "failed"],
    }
