"""Data contracts of the DAC system: the dashboard config, gold schemas, public CSV columns.

Every file the seed specifies is defined here once; the pipeline, API and page import it.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from weir.core.errors import BadInputError

PIPELINE_VERSION = "1.0.0"
CONFIG_KEY = "config/dac_dashboard_config.json"
WIDGET_KEY = "js/dac_dashboard.js"
METADATA_KEY = "data/metadata.csv"
READINGS = "readings"
MACHINE_STATUS = "machine_status"
MACHINE_METRICS = ("machines_running", "machines_total")
STATUSES = ("running", "idle", "maintenance", "fault")
UNITS = ("DAC-01", "DAC-02", "DAC-03", "DAC-04")
TREND_HOURS = 48
SUMMARY_DAYS = 30
STALE_AFTER_SECONDS = 2 * 3600
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATED = re.compile(r"(\d{8})")

# public CSV columns, exactly the seed's
SNAPSHOT_COLUMNS = ("timestamp", "metric", "value", "unit")
TRENDS_COLUMNS = (
    "timestamp",
    "metric",
    "start_value",
    "end_value",
    "hourly_min",
    "hourly_max",
    "hourly_mean",
)
DAILY_COLUMNS = ("date", "metric", "mean", "min", "max", "count")
MACHINE_COLUMNS = ("unit_id", "status", "since")
METADATA_COLUMNS = ("key", "value", "timestamp")
DATA_FILES = ("current_snapshot", "hourly_trends", "daily_summary", "machine_status")


class MetricConfig(BaseModel):
    """How one metric is validated and shown (the seed's fields)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str
    display_unit: str
    data_unit: str
    formatter: Literal["decimal", "integer"]
    decimal_places: int = Field(ge=0, le=10)
    bidirectional: bool | None
    min_valid_value: float
    max_valid_value: float
    update_threshold: float = Field(ge=0)

    @model_validator(mode="after")
    def _range(self) -> MetricConfig:
        if self.min_valid_value > self.max_valid_value:
            raise ValueError("min_valid_value is above max_valid_value")
        return self

    @property
    def csv_decimals(self) -> int:
        """Decimals written to the CSVs: three more than displayed, at most 8."""
        return min(8, self.decimal_places + 3)


class DashboardConfig(RootModel[dict[str, MetricConfig]]):
    """``dac_dashboard_config.json``: metric name → :class:`MetricConfig`, in display order."""

    @property
    def metrics(self) -> dict[str, MetricConfig]:
        """The metrics, in file order."""
        return self.root

    @property
    def readings(self) -> list[str]:
        """The metrics that come from gold readings (not the machine counts)."""
        return [name for name in self.root if name not in MACHINE_METRICS]


def default_config_bytes() -> bytes:
    """The config shipped in the package."""
    return files("weir.dac").joinpath("config/dac_dashboard_config.json").read_bytes()


def parse_config(data: bytes, source: str = CONFIG_KEY) -> DashboardConfig:
    """Validate a dashboard config.

    Raises:
        BadInputError: not JSON, or a field is missing or wrong (names the metric and field).
    """
    try:
        return DashboardConfig.model_validate(orjson.loads(data))
    except orjson.JSONDecodeError as exc:
        raise BadInputError(f"not JSON: {exc}", file=source) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise BadInputError(error["msg"], file=source, field=where) from exc


def widget_bytes() -> bytes:
    """The widget script shipped in the package."""
    return files("weir.dac").joinpath("static/dac_dashboard.js").read_bytes()
