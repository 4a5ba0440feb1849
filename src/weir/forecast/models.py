"""Data contracts: the three configuration files, the artifacts and the status files.

Configuration (``dashboard/config/`` in the store, shipped defaults in ``weir/forecast/config``):
``source_registry.json``, ``canonical_variables.json``, ``pre_canned_points.json``.
Artifacts: ``forecasts/source=<id>/variable=<id>/init_date=<YYYY-MM-DD>/points.parquet`` and
``ensemble_summary.parquet`` (and ``map_summary.parquet``), with the seed's columns.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORECASTS = "forecasts"
CONFIG = "dashboard/config"
STATUS = "dashboard/status"
MANIFESTS = "manifests"
LOGS = "logs/extraction"
REGISTRY_FILE = "source_registry.json"
VARIABLES_FILE = "canonical_variables.json"
POINTS_FILE = "pre_canned_points.json"
GRIDS_FILE = "source_grids.json"
EXTRACTION_STATUS = f"{STATUS}/extraction_status.json"
INVENTORY_STATUS = f"{STATUS}/inventory_status.json"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
DIMENSIONS = ("init_time", "ensemble_member", "lead_time", "latitude", "longitude")

POINT_COLUMNS = (
    "source_id",
    "variable_id",
    "point_id",
    "point_name",
    "init_time",
    "valid_time",
    "lead_hours",
    "ensemble_member",
    "value",
    "units_native",
)
SUMMARY_COLUMNS = (
    "source_id",
    "variable_id",
    "point_id",
    "init_time",
    "valid_time",
    "lead_hours",
    "min",
    "q10",
    "q25",
    "median",
    "q75",
    "q90",
    "max",
    "member_count",
)
QUANTILES = {
    "min": 0.0,
    "q10": 0.1,
    "q25": 0.25,
    "median": 0.5,
    "q75": 0.75,
    "q90": 0.9,
    "max": 1.0,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"{value!r} is not an id (lower-case letters, digits, _ and -)")
    return value


class NativeVariable(_Strict):
    """How a source holds one canonical variable.

    Attributes:
        native: The store's variable name, or two names (u, v) for a vector.
        units: The native units (``K``, ``degC``, ``kg m-2 s-1``, ``m``, ``m s-1`` ...).
        note: What the variable is in this source (documentation).
    """

    native: str | tuple[str, str]
    units: str
    note: str = ""


class Source(_Strict):
    """One ensemble source of the registry.

    Attributes:
        source_id: ``gefs``, ``ecmwf_ifs_ens`` ...
        name: Human name.
        url: The Zarr store: a path (relative to the registry file), ``file://``, ``s3://``
            (anonymous unless ``anonymous`` is false) or ``https://``.
        dimensions: Dimension order of its variables as documented (checked against the store,
            which is what is used).
        members: Member count.
        variables: Canonical variable id → native name and units.
        enabled: Extract it.
        anonymous: Read ``s3://`` without credentials (public buckets).
        region: Region of an ``s3://`` bucket.
    """

    source_id: str
    name: str
    url: str
    dimensions: tuple[str, ...] = DIMENSIONS
    members: int = Field(ge=1)
    variables: dict[str, NativeVariable]
    enabled: bool = True
    anonymous: bool = True
    region: str = "us-west-2"

    _id = field_validator("source_id")(_check_id)

    @field_validator("dimensions")
    @classmethod
    def _dims(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if sorted(value) != sorted(DIMENSIONS):
            raise ValueError(f"dimensions must be an order of {', '.join(DIMENSIONS)}")
        return value


class Registry(_Strict):
    """``source_registry.json``."""

    sources: list[Source]

    @model_validator(mode="after")
    def _unique(self) -> Registry:
        ids = [source.source_id for source in self.sources]
        if len(set(ids)) != len(ids):
            raise ValueError("source_id values must be unique")
        return self

    def enabled(self) -> list[Source]:
        """The sources to extract."""
        return [source for source in self.sources if source.enabled]


Derive = Literal["convert", "rate_to_amount", "vector_speed", "vector_direction"]


class Variable(_Strict):
    """One canonical variable.

    Attributes:
        id: ``temperature_2m`` ...
        label: Human label.
        units: Canonical units (``degC``, ``mm``, ``cm``, ``m s-1``, ``degree``).
        derive: How it is made from the native variable: ``convert`` (unit conversion),
            ``rate_to_amount`` (a rate times the step length, per step), ``vector_speed`` and
            ``vector_direction`` (from u and v components; direction the wind blows from).
        description: Documentation.
        enabled: Extract it.
    """

    id: str
    label: str
    units: str
    derive: Derive = "convert"
    description: str = ""
    enabled: bool = True

    _id = field_validator("id")(_check_id)


class Variables(_Strict):
    """``canonical_variables.json``."""

    variables: list[Variable]

    @model_validator(mode="after")
    def _unique(self) -> Variables:
        ids = [variable.id for variable in self.variables]
        if len(set(ids)) != len(ids):
            raise ValueError("variable ids must be unique")
        return self

    def get(self, variable_id: str) -> Variable:
        """The variable with that id (KeyError if none)."""
        for variable in self.variables:
            if variable.id == variable_id:
                return variable
        raise KeyError(variable_id)


class Point(_Strict):
    """One forecast point.

    Attributes:
        id: Stable id (slug of the name).
        name: Display name.
        lat, lon: Degrees north and east (lon normalised to [-180, 180)).
        tags: Free labels.
        enabled: Extract it.
        timezone: IANA time zone shown in the dashboard.
    """

    id: str
    name: str = Field(min_length=1, max_length=80)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)
    tags: tuple[str, ...] = ()
    enabled: bool = True
    timezone: str = "UTC"

    _id = field_validator("id")(_check_id)


class Points(_Strict):
    """``pre_canned_points.json``."""

    points: list[Point]

    @model_validator(mode="after")
    def _unique(self) -> Points:
        ids = [point.id for point in self.points]
        if len(set(ids)) != len(ids):
            raise ValueError("point ids must be unique")
        return self


class SourceFailure(BaseModel):
    """One source that failed in a run."""

    source_id: str
    message: str


class ExtractionStatus(BaseModel):
    """``dashboard/status/extraction_status.json`` (the seed's fields, plus init times)."""

    last_successful_extract_utc: datetime | None
    run_id: str
    sources_processed: list[str]
    variables_processed: list[str]
    errors: list[SourceFailure] = Field(default_factory=list)
    init_times: dict[str, str] = Field(default_factory=dict)
    points_processed: int = 0


class InventorySnapshot(BaseModel):
    """One earlier inventory, for the trend."""

    at: datetime
    object_count: int
    total_size_bytes: int
    estimated_monthly_storage_usd: float


class InventoryStatus(BaseModel):
    """``dashboard/status/inventory_status.json`` (the seed's fields, plus the trend)."""

    bucket: str
    object_count: int
    total_size_bytes: int
    estimated_monthly_storage_usd: float
    last_inventory_update_utc: datetime
    cost_per_gb_month_usd: float
    trend: list[InventorySnapshot] = Field(default_factory=list)
