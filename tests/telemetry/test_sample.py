"""The sample generator: deterministic, the real event shape, the messy cases."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson

from weir.telemetry.pipeline.convert import to_plain_map
from weir.telemetry.sample import generate


def test_deterministic_per_seed(tmp_path: Path) -> None:
    one = generate(tmp_path / "a", events=300, vehicles=5, seed=11)
    two = generate(tmp_path / "b", events=300, vehicles=5, seed=11)
    other = generate(tmp_path / "c", events=300, vehicles=5, seed=12)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert one == two
    assert (tmp_path / "a" / files[0]).read_bytes() != (tmp_path / "c" / files[0]).read_bytes()
    assert other.records == 300


def test_shape_and_messy_cases(tmp_path: Path) -> None:
    summary = generate(tmp_path, events=2000, vehicles=20, seed=7)
    assert summary.as_dict() == {
        "files": summary.files,
        "records": 2000,
        "inserts": 1920,
        "retries": 42,
        "removes": 25,
        "malformed": 13,
        "out_of_order": 26,
        "no_creation_time": 27,
        "bad_bodies": 20,
        "type_conflicts": 19,
        "error_signals": 453,
    }
    records = []
    for path in sorted(tmp_path.iterdir()):
        batch = orjson.loads(path.read_bytes())["Records"]
        assert 1 <= len(batch) <= 100
        records.extend(batch)
    assert len(records) == 2000
    assert summary.files == len(list(tmp_path.iterdir()))
    names = [r["eventName"] for r in records]
    assert (names.count("INSERT"), names.count("MODIFY"), names.count("REMOVE")) == (1933, 42, 25)
    first = records[0]
    assert sorted(first) == [
        "awsRegion",
        "dynamodb",
        "eventID",
        "eventName",
        "eventSource",
        "eventSourceARN",
        "eventVersion",
    ]
    assert sorted(first["dynamodb"]) == [
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    ]
    item = to_plain_map(first["dynamodb"]["NewImage"])
    assert sorted(item) == [
        "car_timezone",
        "event_id",
        "meta",
        "record_type",
        "recorded_at",
        "signals",
        "smartcar_user_id",
        "triggers",
        "user",
        "vehicle",
    ]
    assert sorted(item["meta"]) == [
        "deliveredAt",
        "deliveryId",
        "mode",
        "signalCount",
        "version",
        "webhookId",
        "webhookName",
    ]
    assert sorted(item["signals"][0]) in (
        ["body", "code", "group", "meta", "name"],
        ["code", "group", "meta", "name", "status"],
    )
    signals, groups, hours = set(), set(), set()
    recorded = []
    for r in records:
        image = r["dynamodb"].get("NewImage")
        if image is None or r["dynamodb"]["NewImage"]["meta"]["M"]["signalCount"]["N"] == "2O":
            continue
        plain = to_plain_map(image)
        hours.add(plain["recorded_at"][:13])
        if r["eventName"] == "INSERT":
            recorded.append(plain["recorded_at"].replace("T", " ").rstrip("Z"))
        for s in plain["signals"]:
            signals.add((s["group"], s["name"]))
            groups.add(s["group"])
    assert len(signals) == 30
    assert groups == {
        "Charge",
        "TractionBattery",
        "Location",
        "Odometer",
        "Closure",
        "Wheel",
        "LowVoltageBattery",
        "InternalCombustionEngine",
        "ConnectivityStatus",
        "VehicleIdentification",
    }
    assert len(hours) >= 6
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs)  # stream order
    late = sum(1 for a, b in itertools.pairwise(recorded) if b < a)
    assert late == 26  # out-of-order arrivals: recorded earlier, landed later
