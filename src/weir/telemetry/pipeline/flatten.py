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
- A signal value for a lineage column (``source_file`` …) is a duplicate: the record has it.

Speed: a batch's values go straight into column slots (:class:`.columns.Columns`), and the usual
signal value (a scalar, for a column the batch has, not yet set in the row) is placed inline.
Everything else takes the general path; ``reference=True`` sends every value through it.
The fast path of :func:`_record` has a native twin (``_native.pyx``, Cython, compiled by the
install; taken when it is built, :func:`native_record`; the engines pass
``TelemetrySettings.native``, ``WEIR_TELEMETRY_NATIVE=0`` to turn it off) that hands everything
unusual to this module's general path. Tests check that the three
give the same rows on every sample record, the edge records and generated ones.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from weir.telemetry.models import KEY, KINDS, LINEAGE_COLUMNS, ORDER_KEY, RESCUED, Kind
from weir.telemetry.pipeline.columns import Columns, FileResult
from weir.telemetry.pipeline.rescues import Cause, Rescue

__all__ = ["FileResult", "RejectedRecord", "flatten_files", "flatten_lines", "flatten_record"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_EXACT = 2**53
_INT64 = (-(2**63), 2**63 - 1)
# epoch milliseconds of 0001-01-01 and 9999-12-31T23:59:59.999: times every reader can show
_MS_RANGE = _MS_LOW, _MS_HIGH = (-62_135_596_800_000, 253_402_300_799_999)
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
_BAD_TIME = "timestamp must be epoch milliseconds between years 1 and 9999"
_DUPLICATE = "duplicate column in record"


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


# The general path: every value may take it; the inline fast paths of _signals must agree.


def _rescue(columns: Columns, row: int, key: str, raw: Any, reason: str, cause: Cause) -> None:
    columns.rescue(row, Rescue(key, raw, reason, cause))


def _taken(columns: Columns, row: int, column: str) -> bool:
    """Whether `row` already has a value for `column` (lineage columns it always has)."""
    if column in LINEAGE_COLUMNS:
        return True
    slots = columns.values.get(column)
    return slots is not None and slots[row] is not None


def _put(columns: Columns, row: int, column: str, value: Any, kind: Kind) -> None:
    """A record field of a fixed kind."""
    if value is None:
        return
    if kind == "timestamp":
        micros = _epoch_ms(value)
        if micros is None:
            _rescue(columns, row, column, value, _BAD_TIME, Cause.BAD_TIME)
        else:
            columns.put(row, column, micros)
    elif kind == "int64" and type(value) is int and not _INT64[0] <= value <= _INT64[1]:
        reason = "integer outside the int64 range"
        _rescue(columns, row, column, value, reason, Cause.OUT_OF_RANGE)
    elif type(value) is KINDS[kind].python:
        columns.put(row, column, value)
    else:
        reason = f"{type(value).__name__} does not fit {kind} column"
        _rescue(columns, row, column, value, reason, Cause.WRONG_TYPE)


def _signal_value(columns: Columns, row: int, column: str, value: Any) -> None:
    """A value of a signal body."""
    if value is None:
        return
    if _taken(columns, row, column):
        _rescue(columns, row, column, value, _DUPLICATE, Cause.DUPLICATE)
        return
    kind = type(value)
    if kind is bool or kind is float or kind is str:
        columns.put(row, column, value)
    elif kind is int:
        if -_MAX_EXACT <= value <= _MAX_EXACT:
            columns.put(row, column, float(value))
        else:
            reason = "integer not exactly representable as float64"
            _rescue(columns, row, column, value, reason, Cause.OUT_OF_RANGE)
    else:
        columns.put(row, column, _text(value))


def _signal_time(columns: Columns, row: int, column: str, value: Any) -> int:
    """Store a signal meta time (epoch ms) as µs; returns it (0 when rescued)."""
    micros = _epoch_ms(value)
    if micros is None:
        _rescue(columns, row, column, value, _BAD_TIME, Cause.BAD_TIME)
        return 0
    if _taken(columns, row, column):
        _rescue(columns, row, column, value, _DUPLICATE, Cause.DUPLICATE)
        return 0
    columns.put(row, column, micros)
    return micros


class _Names:
    """Column names derived from a signal prefix, built once per prefix (a pure cache)."""

    __slots__ = ("body", "error", "oem", "prefix", "retrieved")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.retrieved = prefix + "_retrieved_at"
        self.oem = prefix + "_oem_updated_at"
        self.error = prefix + "_error"
        self.body: dict[str, str] = {}


_NAMES: dict[tuple[object, object], _Names] = {}  # (group, name) → names; valid ones only


def _signal_status(columns: Columns, row: int, signal: dict[str, Any], names: _Names) -> None:
    """Store a signal's error, when its status is ERROR."""
    status = signal.get("status")
    if type(status) is dict and str(status.get("value", "")).upper() == "ERROR":
        error = status.get("error", status)
        _signal_value(columns, row, names.error, error if isinstance(error, str) else _text(error))


def _signal_reference(columns: Columns, row: int, index: int, signal: Any, seen: set[str]) -> int:
    """Flatten one signal with every value on the general path; returns its oem time in µs."""
    if type(signal) is not dict:
        _rescue(
            columns, row, f"signals[{index}]", signal, "signal is not an object", Cause.BAD_SHAPE
        )
        return 0
    group, name = signal.get("group"), signal.get("name")
    if not (type(group) is str and group and type(name) is str and name):
        reason = "signal without group and name"
        _rescue(columns, row, f"signals[{index}]", signal, reason, Cause.BAD_SHAPE)
        return 0
    names = _NAMES.get((group, name))
    if names is None:
        names = _NAMES[group, name] = _Names(f"{group}_{name}")
    prefix = names.prefix
    if prefix in seen:
        reason = f"duplicate signal {prefix}"
        _rescue(columns, row, f"signals[{index}]", signal, reason, Cause.DUPLICATE)
        return 0
    seen.add(prefix)
    body = signal.get("body")
    if type(body) is str and body:
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            _rescue(columns, row, prefix, body, "body is not valid JSON", Cause.BAD_JSON)
            body = None
    if type(body) is dict:
        if len(body) == 1 and "value" in body:
            _signal_value(columns, row, prefix, body["value"])
        else:
            for key, value in body.items():
                _signal_value(columns, row, f"{prefix}_{key}", value)
    elif body is not None and body != "":
        _signal_value(columns, row, prefix, body)
    _signal_status(columns, row, signal, names)
    meta = signal.get("meta")
    if type(meta) is not dict:
        return 0
    retrieved, oem = meta.get("retrievedAt"), meta.get("oemUpdatedAt")
    if retrieved is not None:
        _signal_time(columns, row, names.retrieved, retrieved)
    return 0 if oem is None else _signal_time(columns, row, names.oem, oem)


def _signals(columns: Columns, row: int, signals: list[Any], reference: bool) -> int:
    """Flatten a record's signals into `row`; returns the newest oem time in µs (0 if none).

    :func:`_signal_reference` inlined in the loop, with fast paths: a value goes straight to
    its slot when the batch has the column, the row has no value there yet and the value has
    the column's type (the slots' last item; never int: a body integer becomes a float64, and a
    meta time goes to a column of int µs only), which is where the general path would put it
    unchanged. A signal the fast path does not know (not yet seen, or odd) takes the general
    path whole; `reference` sends every signal there.
    """
    seen: set[str] = set()
    slots_of = columns.values.get
    newest = 0
    for index, signal in enumerate(signals):
        try:
            names = None if reference else _NAMES[signal["group"], signal["name"]]
        except (KeyError, TypeError):  # not an object, no group or name, unhashable, or new
            names = None
        if names is None or names.prefix in seen:
            micros = _signal_reference(columns, row, index, signal, seen)
            if micros > newest:
                newest = micros
            continue
        prefix = names.prefix
        seen.add(prefix)
        body = signal.get("body")
        if type(body) is str and body:
            try:
                body = orjson.loads(body)
            except orjson.JSONDecodeError:
                _rescue(columns, row, prefix, body, "body is not valid JSON", Cause.BAD_JSON)
                body = None
        if type(body) is dict:
            if len(body) == 1 and "value" in body:
                value = body["value"]
                slots = slots_of(prefix)
                if slots is not None and slots[row] is None and type(value) is slots[-1] is not int:
                    slots[row] = value
                else:
                    _signal_value(columns, row, prefix, value)
            else:
                known = names.body
                for key, value in body.items():
                    column = known.get(key)
                    if column is None:
                        column = known[key] = f"{prefix}_{key}"
                    slots = slots_of(column)
                    if (
                        slots is not None
                        and slots[row] is None
                        and type(value) is slots[-1] is not int
                    ):
                        slots[row] = value
                    else:
                        _signal_value(columns, row, column, value)
        elif body is not None and body != "":
            _signal_value(columns, row, prefix, body)
        if "status" in signal:
            _signal_status(columns, row, signal, names)
        meta = signal.get("meta")
        if type(meta) is not dict:
            continue
        retrieved, oem = meta.get("retrievedAt"), meta.get("oemUpdatedAt")
        if retrieved is not None:
            slots = slots_of(names.retrieved)
            if (
                slots is not None
                and slots[row] is None
                and slots[-1] is int
                and type(retrieved) is int
                and _MS_LOW <= retrieved <= _MS_HIGH
            ):
                slots[row] = retrieved * 1000
            else:
                _signal_time(columns, row, names.retrieved, retrieved)
        if oem is None:
            continue
        slots = slots_of(names.oem)
        if (
            slots is not None
            and slots[row] is None
            and slots[-1] is int
            and type(oem) is int
            and _MS_LOW <= oem <= _MS_HIGH
        ):
            micros = oem * 1000
            slots[row] = micros
        else:
            micros = _signal_time(columns, row, names.oem, oem)
        if micros > newest:
            newest = micros
    return newest


def _record(
    columns: Columns,
    row: int,
    record: Any,
    source_file: str,
    processed_at: int,
    reference: bool = False,
) -> None:
    """Flatten one landed record into `row` of `columns` (nothing is written when rejected).

    `reference` sends every value through the general path (see :func:`flatten_files`).
    """
    if not isinstance(record, dict):
        raise RejectedRecord("record is not a JSON object")
    event_id = record.get(KEY)
    if not isinstance(event_id, str) or not event_id:
        raise RejectedRecord("record has no string event_id", field=KEY)
    columns.put(row, KEY, event_id)
    columns.put(row, "source_file", source_file)
    columns.put(row, "pipeline_processed_at", processed_at)
    columns.put(row, ORDER_KEY, "")  # set below; taken now, so no signal value lands there
    recorded = record.get("recorded_at")
    recorded_us = 0
    if isinstance(recorded, str):
        try:
            recorded_us = parse_time(recorded)
            columns.put(row, "recorded_at", recorded_us)
        except ValueError:
            _rescue(columns, row, "recorded_at", recorded, "not an ISO-8601 time", Cause.BAD_TIME)
    elif recorded is not None:
        reason = "recorded_at must be a time string"
        _rescue(columns, row, "recorded_at", recorded, reason, Cause.BAD_TIME)
    slots_of = columns.values.get
    for column in _TOP_STRINGS:
        value = record.get(column)
        slots = slots_of(column)
        if slots is not None and type(value) is str and not reference:  # fast path of _put
            slots[row] = value
        else:
            _put(columns, row, column, value, "string")
    delivered = 0
    for name, fields in _OBJECTS.items():
        obj = record.get(name)
        if obj is None:
            continue
        if type(obj) is not dict:
            _rescue(columns, row, name, obj, f"{name} is not an object", Cause.BAD_SHAPE)
            continue
        for key, column, kind in fields:
            value = obj.get(key)
            slots = slots_of(column)
            if slots is not None and kind == "string" and type(value) is str and not reference:
                slots[row] = value
            else:
                _put(columns, row, column, value, kind)
        if len(obj) > len(fields) or not obj.keys() <= _OBJECT_KEYS[name]:
            for key in obj.keys() - _OBJECT_KEYS[name]:
                _rescue(
                    columns, row, f"{name}.{key}", obj[key], "unknown field", Cause.UNKNOWN_FIELD
                )
    slots = slots_of("meta_delivered_at")
    if slots is not None and slots[row] is not None:
        delivered = slots[row]
    if not record.keys() <= _KNOWN_TOP:
        for key in record.keys() - _KNOWN_TOP:
            _rescue(columns, row, key, record[key], "unknown field", Cause.UNKNOWN_FIELD)
    triggers = record.get("triggers")
    if triggers:
        columns.put(row, "triggers", _text(triggers))
    signals = record.get("signals")
    oem = 0
    if isinstance(signals, list):
        oem = _signals(columns, row, signals, reference)
    elif signals is not None:
        _rescue(columns, row, "signals", signals, "signals is not a list", Cause.BAD_SHAPE)
    seq = str(record.get("_seq") or "")
    columns.put(
        row,
        ORDER_KEY,
        f"{max(recorded_us, 0):020d}|{max(oem, 0):020d}|{max(delivered, 0):020d}|{seq:0>40}",
    )


RecordPath = Callable[[Columns, int, Any, str, int], None]
"""Flattens one landed record into a row of a batch: :func:`_record` or its native twin."""


@functools.cache
def native_record() -> RecordPath | None:
    """The native fast path (:mod:`._native`), or None when it is not built.

    Looked up once per process: the Cython extension built by the install. Without it (a Lambda
    zip, a machine without a compiler) the Python path does the same work, slower.
    """
    try:
        from weir.telemetry.pipeline import _native
    except ImportError:
        return None
    _native.bind(sys.modules[__name__])
    return _native.record


def _reference_record(
    columns: Columns, row: int, record: Any, source_file: str, processed_at: int
) -> None:
    _record(columns, row, record, source_file, processed_at, reference=True)


def _path(reference: bool, native: bool | None) -> RecordPath:
    """The record path `flatten_files` takes (see there)."""
    if reference:
        return _reference_record
    if native is False:
        return _record
    chosen = native_record()
    if chosen is None and native:
        raise RuntimeError("the native flatten extension is not built")
    return chosen or _record


def flatten_record(record: Any, *, source_file: str, processed_at: int) -> dict[str, Any]:
    """Flatten one landed record (the plain-JSON image) into a row.

    Args:
        record: The decoded NDJSON line.
        source_file: Store path of the landed file (lineage).
        processed_at: Run time in epoch microseconds (lineage).

    Returns:
        Column → value (timestamps as epoch µs) before column kinds are applied;
        ``_rescued_data`` holds the row's :class:`~.rescues.Rescue` records by column when
        anything did not fit.

    Raises:
        RejectedRecord: the record is not an object or has no string ``event_id``.
    """
    columns = Columns(1, {})
    _record(columns, 0, record, source_file, processed_at)
    row = {name: slots[0] for name, slots in columns.values.items() if slots[0] is not None}
    if columns.rescues:
        row[RESCUED] = columns.rescues[0]
    return row


def flatten_files(
    files: Sequence[tuple[str, bytes]],
    *,
    processed_at: int,
    established: Mapping[str, Kind],
    reference: bool = False,
    native: bool | None = None,
) -> FileResult:
    """Flatten landed NDJSON files: every line becomes a row, a tombstone, or a rejection.

    Engines call this on batches of consecutive files; how files are batched does not change
    the unified result (see :func:`weir.telemetry.pipeline.columns.unify`), it only amortizes
    the per-column cost of building Arrow arrays.

    Args:
        files: (store path, bytes) of each file, in path order.
        processed_at: Run time in epoch microseconds.
        established: Kinds of the columns the table already has.
        reference: Send every value through the general path instead of the inline fast
            paths (slower; the result must be the same — tests check it).
        native: None takes the native fast path when it is built (:func:`native_record`),
            False the Python fast path, True the native one or raises RuntimeError.
    """
    flatten = _path(reference, native)
    columns = Columns(0, established)
    result = FileResult(files[0][0] if files else "", pa.table({}))
    row = 0
    for source_file, data in files:
        result.files.append(source_file)
        lines = data.splitlines()
        columns.grow(row + len(lines))
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            result.records += 1
            try:
                record = orjson.loads(line)
                if isinstance(record, dict) and record.get("_op") == "REMOVE":
                    result.tombstones += 1
                    continue
                flatten(columns, row, record, source_file, processed_at)
                row += 1
            except orjson.JSONDecodeError as exc:
                reason = f"not valid JSON: {exc}"
                result.rejected.append(_rejection(source_file, number, reason, None))
            except RejectedRecord as exc:
                result.rejected.append(_rejection(source_file, number, exc.reason, exc.field))
    result.table, result.rescues = columns.table(row)
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
