"""The five systems of weir: names, titles and whether each is available in this build."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec


@dataclass(frozen=True)
class System:
    """One system of weir.

    Attributes:
        name: Package and CLI name (``weir.<name>``, ``weir <name> ...``).
        title: Human title.
        summary: One line on what it does.
        ui_path: Where `weir serve` mounts its UI, if it has one.
    """

    name: str
    title: str
    summary: str
    ui_path: str | None = None

    @property
    def available(self) -> bool:
        """Whether this build ships the system (its package and command line)."""
        return find_spec(f"weir.{self.name}") is not None and (
            find_spec(f"weir.{self.name}.cli") is not None
        )


SYSTEMS: tuple[System, ...] = (
    System("dac", "DAC public metrics", "Direct Air Capture dashboard, CSVs, signed-URL API"),
    System(
        "telemetry",
        "Vehicle telemetry",
        "DynamoDB stream → partitioned NDJSON → flattened Delta table",
    ),
    System("forecast", "Ensemble forecasts", "Ensemble Zarr → point series → Shiny dashboard"),
    System("health", "Pipeline health", "Config-driven health checks, Mermaid diagrams"),
    System(
        "mrv",
        "Carbon-removal MRV",
        "Lab, sensor and plant logs → QA/QC → CO₂ removal, review dashboard",
        ui_path="/ui/mrv",
    ),
)


def available() -> list[System]:
    """The systems this build ships."""
    return [system for system in SYSTEMS if system.available]
