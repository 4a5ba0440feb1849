"""Landing: one DynamoDB Streams batch → one NDJSON object under ``telemetry/raw/YYYY/MM/DD/HH/``.

INSERT and MODIFY land the new image as plain JSON, REMOVE lands a tombstone (the keys and
``"_op": "REMOVE"``); every line carries ``_op`` and ``_seq`` (the stream SequenceNumber). The
object is named from the batch's first and last SequenceNumber, so a retried batch overwrites
its earlier copy instead of duplicating it. A record that cannot be converted is written to
``telemetry/deadletter/`` with the reason and the raw record, and reported back as a batch item
failure; a store that cannot be written fails the whole batch (the exception propagates).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from weir.core.errors import BadInputError
from weir.core.storage import Store
from weir.telemetry.errors import ConversionError
from weir.telemetry.models import DEADLETTER_PREFIX, RAW_PREFIX
from weir.telemetry.pipeline.convert import to_plain_map

_OPS = ("INSERT", "MODIFY", "REMOVE")


@dataclass
class LandingResult:
    """What one batch did: the object written, lines landed, records dead-lettered."""

    path: str | None = None
    landed: int = 0
    tombstones: int = 0
    failures: list[str] = field(default_factory=list)

    def response(self) -> dict[str, list[dict[str, str]]]:
        """The Lambda partial batch response."""
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failures]}


def partition(moment: datetime) -> str:
    """``YYYY/MM/DD/HH`` of a moment, in UTC."""
    return moment.astimezone(UTC).strftime("%Y/%m/%d/%H")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record_time(record: Any, line: Mapping[str, Any] | None) -> datetime | None:
    """ApproximateCreationDateTime, else the record's recorded_at (landed, new or old image)."""
    change = record.get("dynamodb") if isinstance(record, dict) else None
    if not isinstance(change, dict):
        return None
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, int | float) and not isinstance(created, bool):
        try:
            return datetime.fromtimestamp(created, UTC)
        except (ValueError, OverflowError, OSError):
            pass  # not epoch seconds: fall back to the record's own time
    moment = _parse_time(line.get("recorded_at")) if line else None
    for image in ("NewImage", "OldImage"):  # still typed: a REMOVE or a record that failed
        if moment is not None:
            break
        typed = change.get(image)
        recorded = typed.get("recorded_at") if isinstance(typed, dict) else None
        moment = _parse_time(recorded.get("S")) if isinstance(recorded, dict) else None
    return moment


def convert_record(record: Any) -> dict[str, Any]:
    """One stream record → the line to land (image or tombstone, plus ``_op`` and ``_seq``).

    Raises:
        ConversionError: the record is not a DynamoDB stream record or holds a bad value.
    """
    if not isinstance(record, dict) or not isinstance(record.get("dynamodb"), dict):
        raise ConversionError("not a DynamoDB stream record (no 'dynamodb' object)", path="")
    change = record["dynamodb"]
    seq = change.get("SequenceNumber")
    if not isinstance(seq, str) or _digits(seq) is None:
        raise ConversionError("missing or non-numeric SequenceNumber", path="SequenceNumber")
    op = record.get("eventName")
    if op not in _OPS:
        raise ConversionError(f"unknown eventName {op!r}", path="eventName")
    if op == "REMOVE":
        line = to_plain_map(change.get("Keys"), "Keys")
    else:
        if "NewImage" not in change:
            raise ConversionError(
                f"{op} without NewImage (stream view type must include new images)",
                path="NewImage",
            )
        line = to_plain_map(change["NewImage"], "NewImage")
    line["_op"] = op
    line["_seq"] = seq
    return line


def _identifier(record: Any) -> str | None:
    """A record's SequenceNumber, else its eventID, else None."""
    change = record.get("dynamodb") if isinstance(record, dict) else None
    seq = change.get("SequenceNumber") if isinstance(change, dict) else None
    if isinstance(seq, str) and seq:
        return seq
    event_id = record.get("eventID") if isinstance(record, dict) else None
    return str(event_id) if event_id else None


def _digits(text: str) -> str | None:
    return text if text.isascii() and text.isdigit() else None


_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


def land(event: Mapping[str, Any], store: Store, *, now: datetime | None = None) -> LandingResult:
    """Land one DynamoDB Streams event.

    Args:
        event: The Lambda event (``{"Records": [...]}``).
        store: Where ``telemetry/raw`` and ``telemetry/deadletter`` live.
        now: Arrival time (defaults to the clock), used when a record has no time of its own.

    Raises:
        BadInputError: the event has no ``Records`` list.
    """
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise BadInputError("event has no Records list", field="Records")
    arrival = now or datetime.now(UTC)
    result = LandingResult()
    lines: list[bytes] = []
    seqs: list[str] = []
    first_time: datetime | None = None
    for index, record in enumerate(records):
        try:
            line = convert_record(record)
            encoded = orjson.dumps(line)
        except (ConversionError, orjson.JSONEncodeError, RecursionError) as exc:
            identifier = _identifier(record)
            _dead_letter(store, record, identifier, str(exc), arrival)
            result.failures.append(identifier or f"record-{index}")
            continue
        if first_time is None:
            first_time = _record_time(record, line)
        lines.append(encoded)
        seqs.append(line["_seq"])
        result.landed += 1
        result.tombstones += line["_op"] == "REMOVE"
    if lines:
        # the batch's own time (not the arrival time) whenever a record has one, so that a
        # retried batch lands on the same path and overwrites
        folder = partition(first_time or arrival)
        first = _digits(_identifier(records[0]) or "") or seqs[0]
        last = _digits(_identifier(records[-1]) or "") or seqs[-1]
        result.path = f"{RAW_PREFIX}/{folder}/{first:0>40}_{last:0>40}.ndjson"
        store.put(result.path, b"\n".join(lines) + b"\n")
    return result


def _dead_letter(
    store: Store, record: Any, identifier: str | None, reason: str, now: datetime
) -> None:
    """Write the record and why it failed; named by its identifier, else by its content."""
    raw: Any
    try:
        content = orjson.dumps(record, default=str)
        raw = orjson.Fragment(content)
    except (orjson.JSONEncodeError, RecursionError):  # lone surrogates, nesting beyond 255
        raw = repr(record)
        content = raw.encode("utf-8", "backslashreplace")
    data = orjson.dumps({"reason": reason, "failed_at": now.isoformat(), "record": raw})
    name = identifier or ""
    if not _SAFE_NAME.fullmatch(name):  # named by content: a retry rewrites the same file
        name = f"record-{hashlib.sha256(content).hexdigest()[:24]}"
    folder = partition(_record_time(record, None) or now)
    store.put(f"{DEADLETTER_PREFIX}/{folder}/{name}.json", data)


@dataclass
class ReplaySummary:
    """Totals of replaying saved event files through the landing step."""

    events: int = 0
    records: int = 0
    landed: int = 0
    tombstones: int = 0
    dead_lettered: int = 0
    objects: list[str] = field(default_factory=list)


def event_files(path: Path) -> list[Path]:
    """One event file, or the ``*.json`` files of a folder in name order.

    Raises:
        BadInputError: the path does not exist or the folder holds no ``.json`` file.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise BadInputError("no such file or folder", file=str(path))
    files = sorted(path.glob("*.json"))
    if not files:
        raise BadInputError("folder holds no .json event files", file=str(path))
    return files


def _read_event(file: Path) -> dict[str, Any]:
    try:
        event = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise BadInputError(f"not valid JSON: {exc}", file=str(file)) from exc
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        raise BadInputError("event has no Records list", file=str(file), field="Records")
    return event


def replay(
    path: Path,
    store: Store,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReplaySummary:
    """Feed saved DynamoDB Streams events (a file or a folder of them) through :func:`land`.

    Every file is checked before any is landed, so a malformed file lands nothing.

    Raises:
        BadInputError: a file is not a JSON event with a Records list (names the file).
    """
    summary = ReplaySummary()
    files = event_files(path)
    for file in files:
        _read_event(file)
    for done, file in enumerate(files, start=1):
        event = _read_event(file)
        result = land(event, store, now=now)
        summary.events += 1
        summary.records += len(event["Records"])
        summary.landed += result.landed
        summary.tombstones += result.tombstones
        summary.dead_lettered += len(result.failures)
        if result.path:
            summary.objects.append(result.path)
        if progress is not None:
            progress(done, len(files))
    return summary
