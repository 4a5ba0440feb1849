"""Data contracts of the telemetry system: store layout, record columns and column types.

The flattened table ``car_telemetry_flattened`` has a fixed set of record columns (below) and a
growing set of signal columns (``<Group>_<Name>[_<key>]``). Every column has one of five stable
kinds; a kind never changes once a column exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import pyarrow as pa

Kind = Literal["bool", "int64", "float64", "string", "timestamp"]

RAW_PREFIX: Final = "telemetry/raw"
ARCHIVE_PREFIX: Final = "telemetry/archive"
DEADLETTER_PREFIX: Final = "telemetry/deadletter"
STATE_PREFIX: Final = "telemetry/state"
TABLE_PATH: Final = "telemetry/tables/car_telemetry_flattened"
LATEST_PATH: Final = "telemetry/tables/vehicle_latest"
LEDGER_PATH: Final = "telemetry/tables/_file_ledger"
TABLE_NAME: Final = "car_telemetry_flattened"
LATEST_NAME: Final = "vehicle_latest"

KEY: Final = "event_id"
ORDER_KEY: Final = "_order_key"
RESCUED: Final = "_rescued_data"
TIMESTAMP_SUFFIXES: Final = ("_retrieved_at", "_oem_updated_at")

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class KindTypes:
    """How a column kind is held in Arrow, in a flattened row (Python) and in Polars.

    Attributes:
        arrow: The Arrow type of the column in tables.
        python: The type a row value of the kind has (timestamps travel as epoch µs).
        polars: The name of the Polars dtype a row list of the kind is built with
            (a name, so that this module does not import Polars).
    """

    arrow: pa.DataType
    python: type
    polars: str


# The one table of column kinds.
KINDS: Final[Mapping[Kind, KindTypes]] = MappingProxyType(
    {
        "bool": KindTypes(pa.bool_(), bool, "Boolean"),
        "int64": KindTypes(pa.int64(), int, "Int64"),
        "float64": KindTypes(pa.float64(), float, "Float64"),
        "string": KindTypes(pa.string(), str, "String"),
        "timestamp": KindTypes(TIMESTAMP, int, "Int64"),
    }
)

RECORD_COLUMNS: Final[dict[str, Kind]] = {
    "event_id": "string",
    "recorded_at": "timestamp",
    "record_type": "string",
    "smartcar_user_id": "string",
    "car_timezone": "string",
    "user_id": "string",
    "vehicle_id": "string",
    "vehicle_make": "string",
    "vehicle_model": "string",
    "vehicle_year": "int64",
    "meta_mode": "string",
    "meta_delivery_id": "string",
    "meta_webhook_id": "string",
    "meta_webhook_name": "string",
    "meta_signal_count": "int64",
    "meta_version": "string",
    "meta_delivered_at": "timestamp",
}
LINEAGE_COLUMNS: Final[dict[str, Kind]] = {
    "source_file": "string",
    "pipeline_processed_at": "timestamp",
    RESCUED: "string",
    ORDER_KEY: "string",
}
FIXED_COLUMNS: Final[dict[str, Kind]] = {**RECORD_COLUMNS, **LINEAGE_COLUMNS}


def record_schema() -> pa.Schema:
    """Arrow schema of the fixed (record and lineage) columns of ``car_telemetry_flattened``."""
    return pa.schema([pa.field(name, KINDS[kind].arrow) for name, kind in FIXED_COLUMNS.items()])


def kind_of_type(dtype: pa.DataType) -> Kind:
    """The kind of an Arrow type found in a stored table.

    Raises:
        ValueError: the type is none of the five kinds.
    """
    for kind, types in KINDS.items():
        if dtype == types.arrow or (kind == "string" and pa.types.is_large_string(dtype)):
            return kind
    if pa.types.is_timestamp(dtype):
        return "timestamp"
    raise ValueError(f"unsupported column type {dtype}")


def kinds_of_schema(schema: pa.Schema) -> dict[str, Kind]:
    """Column → kind for every column of a stored table's schema."""
    return {field.name: kind_of_type(field.type) for field in schema}


def is_timestamp_column(name: str) -> bool:
    """Whether a column holds a timestamp (record timestamps and signal meta times)."""
    return FIXED_COLUMNS.get(name) == "timestamp" or name.endswith(TIMESTAMP_SUFFIXES)
