"""The five systems of weir, declared as data: what each offers and where it lives.

Every entry point (``weir.cli``, ``weir.server``, ``weir.streamlit_app``) loops over
:data:`SYSTEMS`; none names a system. A system's parts are import paths (``"module:attr"``)
loaded only when used, so ``weir --help`` imports no system module. Adding a system means
writing its package and one entry here.

The contract of each path (checked by ``tests/core/test_catalog.py``):

- ``cli``: a ``typer.Typer`` mounted as ``weir <name>``.
- ``sample``: ``sample(out: Path, seed: int, **options) -> weir.core.cli.SampleSummary``; its extra
  keyword parameters (typer-annotated) become options of ``weir sample <name>``.
- ``demo``: ``demo(settings: Settings, sample_dir: Path) -> dict`` (one line of ``weir demo``).
- ``api``: ``create_router(settings: Settings) -> fastapi.APIRouter``, mounted at ``/api/<name>``.
- ``pages``: ``pages(settings: Settings) -> list[streamlit.Page]``, under ``/ui/<name>``.
- ``asgi_ui``: ``create_app(settings: Settings) -> ASGI app``, mounted at ``/<name>/``.
- ``static``: a package whose folder is served at ``/<name>/`` (when there is no ``asgi_ui``).
- ``settings``: the system's settings class (``WEIR_<NAME>_*``, see ``weir.core.settings``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any


def load(path: str) -> Any:
    """The object named by ``"package.module:attribute"``, imported now."""
    module, _, attribute = path.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


@dataclass(frozen=True)
class SystemSpec:
    """One system of weir.

    Attributes:
        name: Package, CLI and mount name (``weir.<name>``, ``weir <name>``, ``/api/<name>``).
        title: Human title.
        summary: One line on what it does.
        cli, sample, demo, api, pages, asgi_ui, static, settings: Import paths of its parts
            (see the module docstring for each contract); ``None`` when it has no such part.
        freshness: Step → ``(warn_after, fail_after)`` durations for ``weir status``.
        badge: A path under the system's API answering JSON with a ``status`` (or
            ``data.status``); the landing page shows it next to the system (weir's own health).
    """

    name: str
    title: str
    summary: str
    cli: str | None = None
    sample: str | None = None
    demo: str | None = None
    api: str | None = None
    pages: str | None = None
    asgi_ui: str | None = None
    static: str | None = None
    settings: str | None = None
    freshness: dict[str, tuple[str, str]] = field(default_factory=dict)
    badge: str | None = None

    @property
    def package(self) -> str:
        """The system's package, ``weir.<name>``."""
        return f"weir.{self.name}"

    @property
    def available(self) -> bool:
        """Whether this build ships the system: its command line module exists (found on disk,
        without importing the system's package)."""
        if self.cli is None:
            return False
        module = self.cli.partition(":")[0].split(".")
        root = find_spec("weir")
        if root is None or not root.submodule_search_locations:
            return False
        for location in root.submodule_search_locations:
            base = Path(location).joinpath(*module[1:])
            if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
                return True
        return False

    @property
    def api_path(self) -> str:
        """Where `weir serve` mounts the API router."""
        return f"/api/{self.name}"

    @property
    def ui_path(self) -> str | None:
        """Where a user opens the system's UI: ``/<name>/`` (ASGI or static) or ``/ui/<name>``."""
        if self.asgi_ui or self.static:
            return f"/{self.name}/"
        if self.pages:
            return f"/ui/{self.name}"
        return None


SYSTEMS: tuple[SystemSpec, ...] = (
    SystemSpec(
        "dac",
        "DAC public metrics",
        "Direct Air Capture plant → hourly public CSVs → signed-URL API → live widget",
        cli="weir.dac.cli:app",
        sample="weir.dac.sample:sample",
        demo="weir.dac.cli:demo",
        api="weir.dac.api:create_router",
        asgi_ui="weir.dac.web:create_app",
        settings="weir.dac.settings:DacSettings",
        freshness={"publish": ("1h", "2h")},
    ),
    SystemSpec(
        "telemetry",
        "Vehicle telemetry",
        "DynamoDB stream → partitioned NDJSON → flattened Delta table",
        cli="weir.telemetry.cli:app",
        sample="weir.telemetry.sample:sample",
        demo="weir.telemetry.cli:demo",
        api="weir.telemetry.api:create_router",
        pages="weir.telemetry.ui:pages",
        settings="weir.telemetry.settings:TelemetrySettings",
        freshness={"run": ("15m", "1h")},
    ),
    SystemSpec(
        "forecast",
        "Ensemble forecasts",
        "Ensemble Zarr stores → point series and boxplots → Shiny dashboard with a map",
        cli="weir.forecast.cli:app",
        sample="weir.forecast.sample:sample",
        demo="weir.forecast.cli:demo",
        api="weir.forecast.api:create_router",
        asgi_ui="weir.forecast.ui.app:create_app",
        settings="weir.forecast.settings:ForecastSettings",
        freshness={"extract": ("7h", "13h")},
    ),
    SystemSpec(
        "health",
        "Pipeline health",
        "Config-declared stages and checks → status, history, alerts, Mermaid diagram",
        cli="weir.health.cli:app",
        sample="weir.health.sample:sample",
        demo="weir.health.cli:demo",
        api="weir.health.api:create_router",
        pages="weir.health.ui:pages",
        settings="weir.health.settings:HealthSettings",
        freshness={"round": ("2m", "10m")},
        badge="/v1/health",
    ),
    SystemSpec(
        "mrv",
        "Carbon-removal MRV",
        "Lab, sensor and plant logs → QA/QC → CO₂ removal, review dashboard",
        cli="weir.mrv.cli:app",
        sample="weir.mrv.sample:sample",
        demo="weir.mrv.cli:demo",
        api="weir.mrv.api:create_router",
        pages="weir.mrv.ui:pages",
        settings="weir.mrv.settings:MrvSettings",
        freshness={"ingest": ("26h", "50h"), "calculate": ("26h", "50h")},
    ),
)


def available() -> list[SystemSpec]:
    """The systems this build ships."""
    return [system for system in SYSTEMS if system.available]
