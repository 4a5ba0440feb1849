"""Data contracts of the telemetry system: store layout, record columns and column types.

The flattened table ``car_telemetry_flattened`` has a fixed set of record columns (below) and a
growing set of signal columns (``<Group>_<Name>[_<key>]``). Every column has one of five stable
kinds; a kind never changes once a column exists.
"""

from __future__ import annotations

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
ARROW_TYPES: Final[dict[Kind, pa.DataType]] = {
    "bool": pa.bool_(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "string": pa.string(),
    "timestamp": TIMESTAMP,
}
# Python type a row value of each kind has (timestamps travel as epoch microseconds).
PY_TYPES: Final[dict[Kind, type]] = {
    "bool": bool,
    "int64": int,
    "float64": float,
    "string": str,
    "timestamp": int,
}

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
    return pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in FIXED_COLUMNS.items()])


def kind_of_type(dtype: pa.DataType) -> Kind:
    """The kind of an Arrow type found in a stored table.

    Raises:
        ValueError: the type is none of the five kinds.
    """
    for kind, arrow in ARROW_TYPES.items():
        if dtype == arrow or (kind == "string" and pa.types.is_large_string(dtype)):
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
