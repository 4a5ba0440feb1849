"""The stream handler on every event shape, on every store backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.telemetry.known import record, stream_record
from weir.core.errors import BadInputError
from weir.core.storage import Store
from weir.telemetry.pipeline.landing import land
from weir.telemetry.stream_handler import handler

NOW = datetime(2025, 1, 16, 3, 30, tzinfo=UTC)
CREATED = datetime(2025, 1, 15, 11, 59, 59, tzinfo=UTC).timestamp()


def lines(store: Store, path: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in store.get(path).splitlines()]


def test_every_shape_lands_one_object(store: Store) -> None:
    event = {
        "Records": [
            stream_record("111", ApproximateCreationDateTime=CREATED),
            stream_record("112", "MODIFY", ApproximateCreationDateTime=CREATED),
            stream_record("113", "REMOVE", ApproximateCreationDateTime=CREATED),
            stream_record("114"),  # no ApproximateCreationDateTime
        ]
    }
    result = land(event, store, now=NOW)
    path = f"telemetry/raw/2025/01/15/11/{'111':0>40}_{'114':0>40}.ndjson"
    assert result.path == path
    assert (result.landed, result.tombstones, result.failures) == (4, 1, [])
    assert result.response() == {"batchItemFailures": []}
    landed = lines(store, path)
    assert [(x["event_id"], x["_op"], x["_seq"]) for x in landed] == [
        ("ev-111", "INSERT", "111"),
        ("ev-112", "MODIFY", "112"),
        ("ev-113", "REMOVE", "113"),
        ("ev-114", "INSERT", "114"),
    ]
    assert landed[2] == {"event_id": "ev-113", "_op": "REMOVE", "_seq": "113"}
    expected = {k: v for k, v in record("ev-111").items() if not k.startswith("_")}
    assert {k: v for k, v in landed[0].items() if not k.startswith("_")} == expected
    assert [m.path for m in store.list("telemetry")] == [path]


def test_partition_falls_back_to_recorded_at_then_arrival(store: Store) -> None:
    by_recorded = land({"Records": [stream_record("7")]}, store, now=NOW)
    assert by_recorded.path is not None
    assert by_recorded.path.startswith("telemetry/raw/2025/01/15/10/")
    no_time = record("ev-8")
    del no_time["recorded_at"]
    by_arrival = land({"Records": [stream_record("8", item=no_time)]}, store, now=NOW)
    assert by_arrival.path is not None
    assert by_arrival.path.startswith("telemetry/raw/2025/01/16/03/")


def test_retried_batch_overwrites(store: Store) -> None:
    event = {"Records": [stream_record("21"), stream_record("22")]}
    first = land(event, store, now=NOW)
    second = land(event, store, now=NOW)
    assert first.path == second.path
    assert len(list(store.list("telemetry/raw"))) == 1
    assert len(lines(store, first.path or "")) == 2


def test_malformed_record_goes_to_dead_letter_and_is_reported(store: Store) -> None:
    bad = stream_record("32", ApproximateCreationDateTime=CREATED)
    bad["dynamodb"]["NewImage"]["meta"]["M"]["signalCount"] = {"N": "2O"}
    unknown = stream_record("33")
    unknown["dynamodb"]["NewImage"]["odd"] = {"X": "1"}
    event = {"Records": [stream_record("31"), bad, unknown, stream_record("34")]}
    result = land(event, store, now=NOW)
    assert result.response() == {
        "batchItemFailures": [{"itemIdentifier": "32"}, {"itemIdentifier": "33"}]
    }
    assert [x["event_id"] for x in lines(store, result.path or "")] == ["ev-31", "ev-34"]
    dead = [m.path for m in store.list("telemetry/deadletter")]
    assert dead == [  # 33 has no creation time: its image's recorded_at places it
        "telemetry/deadletter/2025/01/15/10/33.json",
        "telemetry/deadletter/2025/01/15/11/32.json",
    ]
    entry = orjson.loads(store.get(dead[1]))
    assert entry["reason"] == "N value '2O' is not a number (field NewImage.meta.signalCount)"
    assert entry["record"] == bad
    assert orjson.loads(store.get(dead[0]))["reason"] == (
        "unknown attribute type 'X' (field NewImage.odd)"
    )


def test_hostile_records_never_fail_the_batch(store: Store) -> None:
    traversal = stream_record("../x")
    no_ids = [stream_record("1"), stream_record("2")]
    for bad in no_ids:
        del bad["dynamodb"]["SequenceNumber"], bad["eventID"]
    surrogate = stream_record("41")
    surrogate["dynamodb"]["NewImage"]["car_timezone"] = {"S": "\ud800"}
    millis = stream_record("42", ApproximateCreationDateTime=1736935200000)
    event = {"Records": [traversal, no_ids[0], surrogate, millis]}
    result = land(event, store, now=NOW)
    assert result.response()["batchItemFailures"] == [
        {"itemIdentifier": "../x"},
        {"itemIdentifier": "record-1"},
        {"itemIdentifier": "41"},
    ]
    # the batch's first SequenceNumber is unusable: the file is named by the landed ones
    assert result.path == f"telemetry/raw/2025/01/15/10/{'42':0>40}_{'42':0>40}.ndjson"
    land({"Records": [no_ids[1]]}, store, now=NOW)
    land({"Records": [no_ids[1]]}, store, now=datetime(2025, 1, 16, 4, 0, tzinfo=UTC))  # retried
    dead = [m.path.rsplit("/", 1)[1] for m in store.list("telemetry/deadletter")]
    assert len(dead) == 4
    assert "41.json" in dead
    assert sum(name.startswith("record-") and len(name) == 36 for name in dead) == 3
    entries = [orjson.loads(store.get(m.path)) for m in store.list("telemetry/deadletter")]
    held = next(e for e in entries if isinstance(e["record"], str))
    assert held["reason"] == "str is not valid UTF-8: surrogates not allowed"
    assert isinstance(held["record"], str)
    assert "\\ud800" in held["record"]


def test_retried_batch_without_creation_time_lands_on_the_same_path(store: Store) -> None:
    event = {"Records": [stream_record("7", "REMOVE"), stream_record("8")]}
    first = land(event, store, now=NOW)
    again = land(event, store, now=datetime(2025, 1, 16, 4, 30, tzinfo=UTC))
    assert first.path == again.path
    assert first.path is not None
    assert first.path.startswith("telemetry/raw/2025/01/15/10/")  # the old image's recorded_at
    assert len(list(store.list("telemetry/raw"))) == 1


def test_event_without_records_is_bad_input(store: Store) -> None:
    with pytest.raises(BadInputError, match="event has no Records list"):
        land({"records": []}, store)


def test_unwritable_store_fails_the_whole_batch(file_store: Store) -> None:
    # a file where the raw folder should be: every write under it fails
    file_store.put("telemetry/raw", b"in the way")
    with pytest.raises(Exception, match="telemetry/raw"):
        land({"Records": [stream_record("1")]}, file_store, now=NOW)
    assert list(file_store.list("telemetry/deadletter")) == []


@pytest.mark.parametrize("backend", ["file", "s3"])
def test_lambda_entry_point(backend: str, request: pytest.FixtureRequest) -> None:
    settings = request.getfixturevalue("settings" if backend == "file" else "s3_settings")
    bad = stream_record("2")
    bad["dynamodb"]["NewImage"]["vehicle"] = {"M": {"year": {"N": ""}}}
    response = handler({"Records": [stream_record("1"), bad]}, None)
    assert response == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    store = Store.from_settings(settings)
    raw = [m.path for m in store.list("telemetry/raw")]
    assert raw == [f"telemetry/raw/2025/01/15/10/{'1':0>40}_{'2':0>40}.ndjson"]
    assert len(list(store.list("telemetry/deadletter"))) == 1


def test_every_attribute_type_lands_as_plain_json(store: Store) -> None:
    item = stream_record("41")
    item["dynamodb"]["NewImage"]["extras"] = {
        "M": {
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "0.5", "123456789012345678901234567890"]},
            "bs": {"BS": ["AAE="]},
            "b": {"B": "d2Vpcg=="},
            "null": {"NULL": True},
            "flag": {"BOOL": True},
            "big": {"N": "18446744073709551615"},
            "list": {"L": [{"N": "7"}, {"S": "x"}]},
        }
    }
    result = land({"Records": [item]}, store, now=NOW)
    (line,) = lines(store, result.path or "")
    assert line["extras"] == {
        "ss": ["a", "b"],
        "ns": [1, 0.5, "123456789012345678901234567890"],
        "bs": ["AAE="],
        "b": "d2Vpcg==",
        "null": None,
        "flag": True,
        "big": 18446744073709551615,
        "list": [7, "x"],
    }
    assert b'"big":18446744073709551615' in store.get(result.path or "")
