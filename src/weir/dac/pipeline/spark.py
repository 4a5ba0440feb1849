"""The Spark engine of ``weir dac publish`` (the seed's Databricks notebook)."""

from __future__ import annotations

from typing import Any

from weir.core.errors import ConfigError
from weir.core.storage import Store
from weir.dac.models import DashboardConfig
from weir.dac.pipeline.window import Outputs, Window


def compute_spark(
    gold: Store, frames: Any, config: DashboardConfig, window: Window
) -> tuple[Outputs, int]:
    """The publish transformations on PySpark."""
    raise ConfigError("the spark engine of weir dac publish is not built yet: use --engine local")
