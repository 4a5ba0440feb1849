"""A small processed fleet shared by the API, dashboard and CLI tests (built once per module)."""

from __future__ import annotations

from pathlib import Path

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.pipeline import job
from weir.telemetry.pipeline.landing import replay
from weir.telemetry.sample import generate
from weir.telemetry.settings import TelemetrySettings

EVENTS, VEHICLES, SEED = 400, 5, 7


def build_fleet(home: Path) -> Settings:
    """Sample events → stream handler → job, into a store under `home`."""
    settings = Settings(home=home)
    store = Store.from_settings(settings)
    generate(home / "events", events=EVENTS, vehicles=VEHICLES, seed=SEED)
    replay(home / "events", store)
    job.run(store, TelemetrySettings(workers=1))
    return settings
