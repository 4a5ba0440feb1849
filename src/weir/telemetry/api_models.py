"""Response models of ``/api/telemetry`` (pydantic, with OpenAPI examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LastRun(BaseModel):
    """The last run of ``weir telemetry run`` that did work."""

    run_id: str
    started_at: datetime
    ended_at: datetime
    files: int
    rows_in: int
    rows_merged: int
    seconds: float


class TelemetryStatus(BaseModel):
    """The figures of ``weir telemetry status``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "table": "car_telemetry_flattened",
                    "table_version": 0,
                    "rows": 1920,
                    "columns": 159,
                    "vehicles": 20,
                    "files_pending": 0,
                    "files_processed": 35,
                    "rescued_rows": 39,
                    "dead_lettered": 13,
                    "last_run": {
                        "run_id": "20261126T105241-0376a9",
                        "started_at": "2026-11-26T10:52:41.865551Z",
                        "ended_at": "2026-11-26T10:52:44.348396Z",
                        "files": 35,
                        "rows_in": 1962,
                        "rows_merged": 1920,
                        "seconds": 2.483,
                    },
                }
            ]
        }
    )

    table: str
    table_version: int | None = Field(description="None before the first run.")
    rows: int
    columns: int
    vehicles: int
    files_pending: int = Field(description="Landed files not yet merged.")
    files_processed: int
    rescued_rows: int = Field(description="Rows of the table with _rescued_data.")
    dead_lettered: int = Field(description="Stream records and landed lines dead-lettered.")
    last_run: LastRun | None


class Column(BaseModel):
    """One column of a telemetry table."""

    name: str
    kind: Literal["bool", "int64", "float64", "string", "timestamp", "other"]
    type: str = Field(description="Its Arrow type.")


class ColumnsOut(BaseModel):
    """The columns of one table (empty before the first run)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "table": "car_telemetry_flattened",
                    "columns": [
                        {"name": "event_id", "kind": "string", "type": "string"},
                        {
                            "name": "recorded_at",
                            "kind": "timestamp",
                            "type": "timestamp[us, tz=UTC]",
                        },
                        {"name": "Charge_IsCharging", "kind": "bool", "type": "bool"},
                    ],
                }
            ]
        }
    )

    table: str
    columns: list[Column]


class PageFields(BaseModel):
    """Paging of a list: ``next_offset`` is None on the last page."""

    total: int = Field(description="Rows matching in all pages.")
    limit: int
    offset: int
    next_offset: int | None


class LatestPage(PageFields):
    """Latest values per vehicle: ``vehicle_id`` then the chosen columns (null: never seen)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "vehicle_id": "04d2be09-a0b5-4864-8cff-f0548efba442",
                            "Odometer_TraveledDistance_value": 2390.13,
                            "TractionBattery_StateOfCharge_value": 79.8,
                            "Charge_IsCharging": False,
                        }
                    ],
                    "total": 20,
                    "limit": 1,
                    "offset": 0,
                    "next_offset": 1,
                }
            ]
        }
    )

    items: list[dict[str, Any]]


class HistoryPage(PageFields):
    """One vehicle's rows over a time range, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "vehicle_id": "04d2be09-a0b5-4864-8cff-f0548efba442",
                    "start": "2025-01-15T08:00:00Z",
                    "end": None,
                    "items": [
                        {
                            "event_id": "133ad73d-ee1f-4de0-b1b4-932c954c2fc1",
                            "recorded_at": "2025-01-15T08:00:43+00:00",
                            "Charge_IsCharging": False,
                        }
                    ],
                    "total": 98,
                    "limit": 1,
                    "offset": 0,
                    "next_offset": 1,
                }
            ]
        }
    )

    vehicle_id: str
    start: datetime | None
    end: datetime | None
    items: list[dict[str, Any]]
