"""Shared input of the telemetry benchmarks: sample stream records landed into a store."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from weir.core.storage import Store
from weir.telemetry.pipeline.landing import land
from weir.telemetry.sample import records


def job_env(home: Path) -> dict[str, str]:
    """The environment of a ``weir telemetry run`` child: `home`, 2 workers, and Python's
    bytecode cache on as in a normal install (``PYTHONDONTWRITEBYTECODE``, set in some shells
    and sandboxes, would make every start compile each import: ~1 s more per run)."""
    env = {**os.environ, "WEIR_HOME": str(home), "WEIR_TELEMETRY_WORKERS": "2"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def wide_records(count: int, seed: int = 7, min_signals: int = 20) -> Iterator[dict[str, Any]]:
    """`count` INSERT/MODIFY stream records whose payload carries ≥ `min_signals` signals."""
    produced = 0
    for record, _ in records(count * 2, vehicles=50, seed=seed, hours=12):
        image = record["dynamodb"].get("NewImage")
        if image is None or len(image["signals"]["L"]) < min_signals:
            continue
        if image["meta"]["M"]["signalCount"].get("N") == "2O":
            continue
        yield record
        produced += 1
        if produced == count:
            return


def batches(stream: Iterator[dict[str, Any]], size: int = 100) -> Iterator[dict[str, Any]]:
    """DynamoDB Streams events of `size` records."""
    while batch := list(itertools.islice(stream, size)):
        yield {"Records": batch}


def land_all(store: Store, events: list[dict[str, Any]]) -> int:
    """Land every event; returns the number of landed lines."""
    return sum(land(event, store).landed for event in events)


def parse_floor(blobs: list[bytes]) -> int:
    """The parse-only floor: orjson parses every landed line and every signal body, on one core.

    Returns the records parsed; the benchmarks time it.
    """
    count = 0
    for blob in blobs:
        for line in blob.splitlines():
            record = orjson.loads(line)
            for signal in record.get("signals") or ():
                body = signal.get("body")
                if body:
                    with contextlib.suppress(orjson.JSONDecodeError):
                        orjson.loads(body)
            count += 1
    return count
