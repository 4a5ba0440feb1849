"""A hand-made gold layer with every case the publish job must handle, and its exact outputs."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from weir.core.storage import Store

AS_OF = datetime(2025, 6, 25, 9, 40, tzinfo=UTC)
NAN = float("nan")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


READINGS: list[tuple[str, str, float, str]] = [
    ("2025-05-01T00:00", "temperature", 1.0, "celsius"),  # outside 30 days: never read
    ("2025-05-27T00:00", "temperature", 5.0, "celsius"),  # first summary day
    ("2025-06-23T08:00", "temperature", 10.0, "celsius"),  # before the 48 trend hours
    ("2025-06-23T09:00", "temperature", 11.0, "celsius"),  # first trend hour
    ("2025-06-25T07:00", "humidity", 68.0, "percent"),
    ("2025-06-25T08:00", "temperature", 16.0, "celsius"),
    ("2025-06-25T08:00", "tonnes_removed_total", 12.1, "tonnes"),
    ("2025-06-25T08:00", "pressure", 1013.0, "hPa"),  # unknown metric
    ("2025-06-25T08:10", "temperature", -80.0, "celsius"),  # out of range
    ("2025-06-25T08:15", "humidity", 140.0, "percent"),  # out of range
    ("2025-06-25T08:20", "humidity", NAN, "percent"),  # NaN
    ("2025-06-25T08:30", "temperature", 18.0, "celsius"),
    ("2025-06-25T08:30", "temperature", 18.0, "celsius"),  # exact duplicate
    ("2025-06-25T08:30", "tonnes_removed_total", 12.16, "tonnes"),  # conflicting duplicate
    ("2025-06-25T08:30", "tonnes_removed_total", 12.15, "tonnes"),
    ("2025-06-25T08:40", "temperature", 61.0, "fahrenheit"),  # wrong unit
    ("2025-06-25T08:59", "temperature", 17.0, "celsius"),  # last minute of the hour
    ("2025-06-25T09:00", "temperature", 20.0, "celsius"),  # the unfinished hour: no trend
    ("2025-06-25T09:30", "tonnes_removed_total", 12.18765678, "tonnes"),
    ("2025-06-25T09:35", "temperature", 16.3, "celsius"),
    ("2025-06-25T09:45", "temperature", 30.0, "celsius"),  # after --as-of: ignored
]
LATE = [("2025-06-24T12:00", "temperature", 14.0, "celsius")]  # late file for an earlier day
STATUS = [
    ("2025-06-25T08:00", "DAC-01", "running"),
    ("2025-06-25T08:00", "DAC-02", "idle"),
    ("2025-06-25T09:00", "DAC-01", "running"),
    ("2025-06-25T09:00", "DAC-02", "running"),
    ("2025-06-25T09:50", "DAC-02", "fault"),  # after --as-of
]
# rows in the partitions of 2025-05-27 … 2025-06-25 (all but the 2025-05-01 one)
ROWS_READ = len(READINGS) - 1 + len(LATE)

SNAPSHOT = """timestamp,metric,value,unit
2025-06-25T09:35:00Z,temperature,16.3,celsius
2025-06-25T07:00:00Z,humidity,68,percent
2025-06-25T09:30:00Z,tonnes_removed_total,12.18765678,tonnes
2025-06-25T09:00:00Z,machines_running,2,count
2025-06-25T09:00:00Z,machines_total,2,count
"""
TRENDS = """timestamp,metric,start_value,end_value,hourly_min,hourly_max,hourly_mean
2025-06-23T09:00:00Z,temperature,11,11,11,11,11
2025-06-24T12:00:00Z,temperature,14,14,14,14,14
2025-06-25T07:00:00Z,humidity,68,68,68,68,68
2025-06-25T08:00:00Z,temperature,16,17,16,18,17
2025-06-25T08:00:00Z,tonnes_removed_total,12.1,12.15,12.1,12.15,12.125
"""
DAILY = """date,metric,mean,min,max,count
2025-05-27,temperature,5,5,5,1
2025-06-23,temperature,10.5,10,11,2
2025-06-24,temperature,14,14,14,1
2025-06-25,temperature,17.46,16,20,5
2025-06-25,humidity,68,68,68,1
2025-06-25,tonnes_removed_total,12.14588559,12.1,12.18765678,3
"""
MACHINES = """unit_id,status,since
DAC-01,running,2025-06-25T08:00:00Z
DAC-02,running,2025-06-25T09:00:00Z
"""
STALE = (
    "humidity air_quality ambient_co2 liquefaction_flow tank_flow storage_flow removal_efficiency"
)
REASONS = f"7 readings excluded in the last 48 h; 44 of 48 hours without readings; stale: {STALE}"
METADATA = f"""key,value,timestamp
last_update,success,2025-06-25T09:40:00Z
data_quality,degraded,2025-06-25T09:40:00Z
data_quality_reasons,{REASONS},2025-06-25T09:40:00Z
pipeline_version,1.0.0,2025-06-25T09:40:00Z
latest_reading,2025-06-25T09:35:00Z,2025-06-25T09:40:00Z
next_update,2025-06-25T10:00:00Z,2025-06-25T09:40:00Z
source_window_start,2025-05-27T00:00:00Z,2025-06-25T09:40:00Z
source_window_end,2025-06-25T09:40:00Z,2025-06-25T09:40:00Z
rows_read,{ROWS_READ},2025-06-25T09:40:00Z
rows_in_window,{ROWS_READ - 1},2025-06-25T09:40:00Z
rows_excluded,7,2025-06-25T09:40:00Z
rows_excluded_unknown_metric,1,2025-06-25T09:40:00Z
rows_excluded_unit_mismatch,1,2025-06-25T09:40:00Z
rows_excluded_nan,1,2025-06-25T09:40:00Z
rows_excluded_out_of_range,2,2025-06-25T09:40:00Z
rows_excluded_duplicate,2,2025-06-25T09:40:00Z
file_current_snapshot,data/current_snapshot_20250625.csv,2025-06-25T09:40:00Z
file_hourly_trends,data/hourly_trends_20250625.csv,2025-06-25T09:40:00Z
file_daily_summary,data/daily_summary_20250625.csv,2025-06-25T09:40:00Z
file_machine_status,data/machine_status_20250625.csv,2025-06-25T09:40:00Z
"""


def _parquet(columns: dict[str, Any]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def write_readings(store: Store, rows: list[tuple[str, str, float, str]], name: str) -> None:
    """Write `rows` into day partitions (``readings/date=…/<name>.parquet``)."""
    import pyarrow as pa

    by_day: dict[str, list[tuple[str, str, float, str]]] = defaultdict(list)
    for row in rows:
        by_day[row[0][:10]].append(row)
    for day, part in by_day.items():
        store.put(
            f"readings/date={day}/{name}.parquet",
            _parquet(
                {
                    "timestamp": pa.array([t(r[0]) for r in part], pa.timestamp("us", tz="UTC")),
                    "metric": [r[1] for r in part],
                    "value": pa.array([r[2] for r in part], pa.float64()),
                    "unit": [r[3] for r in part],
                }
            ),
        )


def write_gold(store: Store) -> None:
    """The whole hand-made gold layer, with a corrupt file in a partition never needed."""
    import pyarrow as pa

    write_readings(store, READINGS, "part-0")
    write_readings(store, LATE, "late-arrival")
    store.put("readings/date=2025-05-01/broken.parquet", b"not parquet at all")
    store.put(
        "machine_status/date=2025-06-25/part-0.parquet",
        _parquet(
            {
                "timestamp": pa.array([t(r[0]) for r in STATUS], pa.timestamp("us", tz="UTC")),
                "unit_id": [r[1] for r in STATUS],
                "status": [r[2] for r in STATUS],
            }
        ),
    )
