"""Flattening: one landed record → one wide row. The only implementation; engines distribute it.

Rules (names are exact):

- Record columns: ``event_id``, ``recorded_at`` … ``meta_delivered_at`` (see
  :data:`weir.telemetry.models.RECORD_COLUMNS`), non-empty ``triggers`` as JSON text in
  ``triggers``, lineage ``source_file`` and ``pipeline_processed_at``.
- A signal ``{"group": G, "name": N, "body": B}`` gives ``G_N`` when B is exactly
  ``{"value": x}``, otherwise ``G_N_<key>`` for each key of B. Lists and objects become JSON text.
  Signal meta gives ``G_N_retrieved_at`` and ``G_N_oem_updated_at`` (timestamps from epoch ms);
  an ERROR status gives ``G_N_error`` (JSON text of the error).
- Body numbers are float64 (an integer beyond 2**53 cannot be, and is rescued); bools are bool;
  text is string. Record columns have the fixed kinds of the models.
- What does not fit goes to ``_rescued_data`` (a JSON object: column or signal →
  ``{"raw", "reason"}``): a body that is not valid JSON, a value whose kind conflicts with its
  column's kind, unknown fields, duplicate signals. Nothing is dropped.
- Column kinds: a column in the table keeps its kind; a new column takes the kind of its first
  value in (file path, line) order, exactly as if the run were flattened in one pass (engines
  flatten files apart; :func:`weir.telemetry.pipeline.columns.unify` reconciles them).
- ``_order_key`` orders versions of the same event: recorded_at, then the newest oem time, then
  deliveredAt, then the stream sequence number; the greatest wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from weir.telemetry.models import KEY, KINDS, ORDER_KEY, RESCUED, Kind
from weir.telemetry.pipeline.columns import FileResult, build_table
from weir.telemetry.pipeline.rescues import Cause, Rescue, RowRescues

__all__ = ["FileResult", "RejectedRecord", "flatten_files", "flatten_lines", "flatten_record"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_EXACT = 2**53
_INT64 = (-(2**63), 2**63 - 1)
# epoch milliseconds of 0001-01-01 and 9999-12-31T23:59:59.999: times every reader can show
_MS_RANGE = (-62_135_596_800_000, 253_402_300_799_999)
_SCALARS = frozenset((bool, float, str))
_OBJECTS: dict[str, tuple[tuple[str, str, Kind], ...]] = {
    "meta": (
        ("mode", "meta_mode", "string"),
        ("deliveryId", "meta_delivery_id", "string"),
        ("webhookId", "meta_webhook_id", "string"),
        ("webhookName", "meta_webhook_name", "string"),
        ("signalCount", "meta_signal_count", "int64"),
        ("version", "meta_version", "string"),
        ("deliveredAt", "meta_delivered_at", "timestamp"),
    ),
    "user": (("id", "user_id", "string"),),
    "vehicle": (
        ("id", "vehicle_id", "string"),
        ("make", "vehicle_make", "string"),
        ("model", "vehicle_model", "string"),
        ("year", "vehicle_year", "int64"),
    ),
}
_OBJECT_KEYS = {name: frozenset(key for key, _, _ in fields) for name, fields in _OBJECTS.items()}
_TOP_STRINGS = ("record_type", "smartcar_user_id", "car_timezone")
_KNOWN_TOP = {KEY, "recorded_at", "signals", "triggers", "_op", "_seq", *_TOP_STRINGS, *_OBJECTS}


class RejectedRecord(ValueError):
    """A landed line that cannot become a row at all (not JSON, not an object, no event_id)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()


def parse_time(value: str) -> int:
    """Epoch microseconds of a ``YYYY-MM-DD HH:MM:SS`` / ISO-8601 time; naive means UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _epoch_ms(value: Any) -> int | None:
    """Epoch µs of an epoch-ms value between years 1 and 9999; None when it is not one."""
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is int and _MS_RANGE[0] <= value <= _MS_RANGE[1]:
        return value * 1000
    return None


_BAD_TIME = "timestamp must be epoch milliseconds between years 1 and 9999"


class _Row:
    """Accumulates one row's values and its rescued data."""

    __slots__ = ("rescued", "values")

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.rescued: RowRescues = {}

    def rescue(self, key: str, raw: Any, reason: str, cause: Cause) -> None:
        self.rescued[key] = Rescue(key, raw, reason, cause)

    def put(self, column: str, value: Any, kind: Kind) -> None:
        if value is None:
            return
        if kind == "timestamp":
            micros = _epoch_ms(value)
            if micros is None:
                self.rescue(column, value, _BAD_TIME, Cause.BAD_TIME)
            else:
                self.values[column] = micros
        elif kind == "int64" and type(value) is int and not _INT64[0] <= value <= _INT64[1]:
            self.rescue(column, value, "integer outside the int64 range", Cause.OUT_OF_RANGE)
        elif type(value) is KINDS[kind].python:
            self.values[column] = value
        else:
            reason = f"{type(value).__name__} does not fit {kind} column"
            self.rescue(column, value, reason, Cause.WRONG_TYPE)

    def signal_value(self, column: str, value: Any) -> None:
        if value is None:
            return
        if column in self.values:
            self.rescue(column, value, "duplicate column in record", Cause.DUPLICATE)
            return
        kind = type(value)
        if kind is bool or kind is float or kind is str:
            self.values[column] = value
        elif kind is int:
            if -_MAX_EXACT <= value <= _MAX_EXACT:
                self.values[column] = float(value)
            else:
                reason = "integer not exactly representable as float64"
                self.rescue(column, value, reason, Cause.OUT_OF_RANGE)
        else:
            self.values[column] = _text(value)


def _signal_time(row: _Row, column: str, value: Any) -> int:
    """Store a signal meta time (epoch ms) as µs; returns it (0 when rescued)."""
    micros = _epoch_ms(value)
    if micros is None:
        row.rescue(column, value, _BAD_TIME, Cause.BAD_TIME)
        return 0
    if column in row.values:
        row.rescue(column, value, "duplicate column in record", Cause.DUPLICATE)
        return 0
    row.values[column] = micros
    return micros


class _Names:
    """Column names derived from a signal prefix, built once per prefix (a pure cache)."""

    __slots__ = ("body", "error", "oem", "retrieved")

    def __init__(self, prefix: str) -> None:
        self.retrieved = prefix + "_retrieved_at"
        self.oem = prefix + "_oem_updated_at"
        self.error = prefix + "_error"
        self.body: dict[str, str] = {}


_NAMES: dict[str, _Names] = {}


def _signal(row: _Row, index: int, signal: Any, seen: set[str]) -> int:
    """Flatten one signal into `row`; returns its oem time in µs (0 when absent)."""
    if type(signal) is not dict:
        row.rescue(f"signals[{index}]", signal, "signal is not an object", Cause.BAD_SHAPE)
        return 0
    group, name = signal.get("group"), signal.get("name")
    if not (type(group) is str and group and type(name) is str and name):
        row.rescue(f"signals[{index}]", signal, "signal without group and name", Cause.BAD_SHAPE)
        return 0
    prefix = f"{group}_{name}"
    if prefix in seen:
        row.rescue(f"signals[{index}]", signal, f"duplicate signal {prefix}", Cause.DUPLICATE)
        return 0
    seen.add(prefix)
    names = _NAMES.get(prefix)
    if names is None:
        names = _NAMES[prefix] = _Names(prefix)
    values = row.values
    body = signal.get("body")
    if type(body) is str and body:
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            row.rescue(prefix, body, "body is not valid JSON", Cause.BAD_JSON)
            body = None
    if type(body) is dict:
        if len(body) == 1 and "value" in body:
            value = body["value"]
            if type(value) in _SCALARS and prefix not in values:
                values[prefix] = value
            else:
                row.signal_value(prefix, value)
        else:
            columns = names.body
            for key, value in body.items():
                column = columns.get(key)
                if column is None:
                    column = columns[key] = f"{prefix}_{key}"
                if type(value) in _SCALARS and column not in values:
                    values[column] = value
                else:
                    row.signal_value(column, value)
    elif body is not None and body != "":
        row.signal_value(prefix, body)
    status = signal.get("status")
    if type(status) is dict and str(status.get("value", "")).upper() == "ERROR":
        error = status.get("error", status)
        values[names.error] = error if isinstance(error, str) else _text(error)
    meta = signal.get("meta")
    if type(meta) is not dict:
        return 0
    low, high = _MS_RANGE
    retrieved, oem = meta.get("retrievedAt"), meta.get("oemUpdatedAt")
    if retrieved is not None:
        if type(retrieved) is int and low <= retrieved <= high and names.retrieved not in values:
            values[names.retrieved] = retrieved * 1000
        else:
            _signal_time(row, names.retrieved, retrieved)
    if oem is None:
        return 0
    if type(oem) is int and low <= oem <= high and names.oem not in values:
        micros: int = oem * 1000
        values[names.oem] = micros
        return micros
    return _signal_time(row, names.oem, oem)


def flatten_record(record: Any, *, source_file: str, processed_at: int) -> dict[str, Any]:
    """Flatten one landed record (the plain-JSON image) into a row.

    Args:
        record: The decoded NDJSON line.
        source_file: Store path of the landed file (lineage).
        processed_at: Run time in epoch microseconds (lineage).

    Returns:
        Column → value (timestamps as epoch µs); ``_rescued_data`` holds the row's
        :class:`~.rescues.Rescue` records by column when anything did not fit.

    Raises:
        RejectedRecord: the record is not an object or has no string ``event_id``.
    """
    if not isinstance(record, dict):
        raise RejectedRecord("record is not a JSON object")
    event_id = record.get(KEY)
    if not isinstance(event_id, str) or not event_id:
        raise RejectedRecord("record has no string event_id", field=KEY)
    row = _Row()
    values = row.values
    values[KEY] = event_id
    recorded = record.get("recorded_at")
    recorded_us = 0
    if isinstance(recorded, str):
        try:
            recorded_us = values["recorded_at"] = parse_time(recorded)
        except ValueError:
            row.rescue("recorded_at", recorded, "not an ISO-8601 time", Cause.BAD_TIME)
    elif recorded is not None:
        row.rescue("recorded_at", recorded, "recorded_at must be a time string", Cause.BAD_TIME)
    for column in _TOP_STRINGS:
        value = record.get(column)
        if type(value) is str:
            values[column] = value
        else:
            row.put(column, value, "string")
    for name, fields in _OBJECTS.items():
        obj = record.get(name)
        if obj is None:
            continue
        if type(obj) is not dict:
            row.rescue(name, obj, f"{name} is not an object", Cause.BAD_SHAPE)
            continue
        for key, column, kind in fields:
            value = obj.get(key)
            if kind == "string" and type(value) is str:
                values[column] = value
            else:
                row.put(column, value, kind)
        if len(obj) > len(fields) or not obj.keys() <= _OBJECT_KEYS[name]:
            for key in obj.keys() - _OBJECT_KEYS[name]:
                row.rescue(f"{name}.{key}", obj[key], "unknown field", Cause.UNKNOWN_FIELD)
    if not record.keys() <= _KNOWN_TOP:
        for key in record.keys() - _KNOWN_TOP:
            row.rescue(key, record[key], "unknown field", Cause.UNKNOWN_FIELD)
    triggers = record.get("triggers")
    if triggers:
        values["triggers"] = _text(triggers)
    signals = record.get("signals")
    oem = 0
    if isinstance(signals, list):
        seen: set[str] = set()
        for index, signal in enumerate(signals):
            micros = _signal(row, index, signal, seen)
            if micros > oem:
                oem = micros
    elif signals is not None:
        row.rescue("signals", signals, "signals is not a list", Cause.BAD_SHAPE)
    delivered = values.get("meta_delivered_at", 0)
    seq = str(record.get("_seq") or "")
    values[ORDER_KEY] = (
        f"{max(recorded_us, 0):020d}|{max(oem, 0):020d}|{max(delivered, 0):020d}|{seq:0>40}"
    )
    values["source_file"] = source_file
    values["pipeline_processed_at"] = processed_at
    if row.rescued:
        values[RESCUED] = row.rescued
    return values


def flatten_files(
    files: Sequence[tuple[str, bytes]],
    *,
    processed_at: int,
    established: Mapping[str, Kind],
) -> FileResult:
    """Flatten landed NDJSON files: every line becomes a row, a tombstone, or a rejection.

    Engines call this on batches of consecutive files; how files are batched does not change
    the unified result (see :func:`weir.telemetry.pipeline.columns.unify`), it only amortizes
    the per-column cost of building Arrow arrays.

    Args:
        files: (store path, bytes) of each file, in path order.
        processed_at: Run time in epoch microseconds.
        established: Kinds of the columns the table already has.
    """
    rows: list[dict[str, Any]] = []
    result = FileResult(files[0][0] if files else "", pa.table({}))
    for source_file, data in files:
        result.files.append(source_file)
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            result.records += 1
            try:
                record = orjson.loads(line)
                if isinstance(record, dict) and record.get("_op") == "REMOVE":
                    result.tombstones += 1
                    continue
                rows.append(
                    flatten_record(record, source_file=source_file, processed_at=processed_at)
                )
            except orjson.JSONDecodeError as exc:
                reason = f"not valid JSON: {exc}"
                result.rejected.append(_rejection(source_file, number, reason, None))
            except RejectedRecord as exc:
                result.rejected.append(_rejection(source_file, number, exc.reason, exc.field))
    result.table, result.rescues = build_table(rows, established)
    result.rescued_rows = len(result.rescues)
    return result


def flatten_lines(
    data: bytes,
    *,
    source_file: str,
    processed_at: int,
    established: Mapping[str, Kind],
) -> FileResult:
    """Flatten one landed NDJSON file (see :func:`flatten_files`)."""
    return flatten_files([(source_file, data)], processed_at=processed_at, established=established)


def _rejection(file: str, row: int, reason: str, field_name: str | None) -> dict[str, Any]:
    return {"file": file, "row": row, "field": field_name, "reason": reason}
