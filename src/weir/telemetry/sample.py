"""Deterministic sample data: DynamoDB stream events carrying Smartcar v4-style webhook payloads.

:func:`generate` writes ``events-00001.json`` … files, each one real DynamoDB Streams event
(``{"Records": [...]}``, at most 100 records) as Lambda receives it. The payloads are the items
of the ``chargeminder-car-telemetry`` table in DynamoDB's typed JSON. Messy cases are included:
vehicles lacking signals (EVs have no engine, combustion cars no traction battery), ERROR
signals without a body, webhook retries (the same event_id again with a new deliveryId, landing
as MODIFY), out-of-order arrivals, TTL REMOVE events, records without
ApproximateCreationDateTime, ISO ``T…Z`` timestamps, bodies that are not valid JSON, values of
the wrong type, and a few records DynamoDB JSON cannot describe (dead-lettered by the handler).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from weir.core.cli import SampleSummary as CoreSampleSummary
from weir.core.errors import BadInputError

ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/chargeminder-car-telemetry/stream/"
    "2025-01-15T00:00:00.000"
)
START = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
MAKES = (
    ("Tesla", "Model 3", "ev"),
    ("Tesla", "Model Y", "ev"),
    ("Ford", "Mustang Mach-E", "ev"),
    ("Volkswagen", "ID.4", "ev"),
    ("BMW", "X5 xDrive50e", "phev"),
    ("Toyota", "RAV4 Prime", "phev"),
    ("Toyota", "Camry", "ice"),
    ("Honda", "Civic", "ice"),
)
TIMEZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin")


def _doors(rng: random.Random) -> dict[str, Any]:
    return {
        "values": [
            {"row": r, "column": c, "isOpen": rng.random() < 0.05, "isLocked": rng.random() < 0.9}
            for r in (0, 1)
            for c in (0, 1)
        ]
    }


def _tires(rng: random.Random) -> dict[str, Any]:
    return {
        "values": [
            {"row": r, "column": c, "tirePressure": round(rng.uniform(2.2, 2.6), 2)}
            for r in (0, 1)
            for c in (0, 1)
        ],
        "unit": "bar",
    }


def _num(low: float, high: float, unit: str, digits: int = 1) -> Any:
    return lambda r: {"value": round(r.uniform(low, high), digits), "unit": unit}


def _flag(share: float) -> Any:
    return lambda r: {"value": r.random() < share}


def _pick(*choices: Any) -> Any:
    return lambda r: {"value": r.choice(choices)}


def _location(rng: random.Random) -> dict[str, Any]:
    return {
        "latitude": round(rng.uniform(51.3, 51.7), 6),
        "longitude": round(rng.uniform(-0.5, 0.2), 6),
        "heading": round(rng.uniform(0, 359), 1),
        "direction": rng.choice("NESW"),
    }


EV, ALL, ICE = "ev phev", "ev phev ice", "phev ice"
# (group, name, powertrains, body factory; None = vehicle identity)
SIGNALS: tuple[tuple[str, str, str, Any], ...] = (
    ("Charge", "IsCharging", EV, _flag(0.3)),
    ("Charge", "IsChargingCableConnected", EV, _flag(0.4)),
    ("Charge", "ChargeRate", EV, _num(0, 11, "kW")),
    ("Charge", "TimeToComplete", EV, lambda r: {"value": r.randint(0, 600), "unit": "min"}),
    ("Charge", "Voltage", EV, lambda r: {"value": r.choice((0.0, 230.0, 240.0)), "unit": "V"}),
    ("Charge", "Amperage", EV, lambda r: {"value": r.choice((0, 16, 32)), "unit": "A"}),
    ("Charge", "DetailedChargingStatus", EV, _pick("CHARGING", "NOT_CHARGING", "FULLY_CHARGED")),
    (
        "Charge",
        "ChargeLimits",
        EV,
        lambda r: {"values": [{"type": "global", "limit": r.choice((80, 90))}], "activeLimit": 80},
    ),
    ("TractionBattery", "StateOfCharge", EV, _num(5, 100, "percent")),
    ("TractionBattery", "Range", EV, _num(20, 480, "km")),
    (
        "TractionBattery",
        "NominalCapacity",
        "ev",
        lambda r: {"capacity": r.choice((57.5, 75.0, 82.0)), "unit": "kWh", "source": "OEM"},
    ),
    ("Location", "PreciseLocation", ALL, _location),
    ("Location", "IsAtHome", ALL, _flag(0.5)),
    ("Odometer", "TraveledDistance", ALL, _num(1000, 90000, "km", 2)),
    ("Closure", "IsLocked", ALL, _flag(0.8)),
    ("Closure", "Doors", ALL, _doors),
    (
        "Closure",
        "Windows",
        ALL,
        lambda r: {"values": [{"row": 0, "column": c, "isOpen": r.random() < 0.1} for c in (0, 1)]},
    ),
    ("Closure", "Sunroof", EV, lambda r: {"isOpen": r.random() < 0.1, "state": "CLOSED"}),
    ("Closure", "FrontTrunk", "ev", lambda r: {"isOpen": False}),
    ("Wheel", "Tires", ALL, _tires),
    ("LowVoltageBattery", "StateOfCharge", ALL, _num(60, 100, "percent")),
    ("LowVoltageBattery", "Status", ALL, _pick("OK", "OK", "LOW")),
    ("InternalCombustionEngine", "FuelLevel", ICE, _num(5, 100, "percent")),
    ("InternalCombustionEngine", "Range", ICE, _num(50, 700, "km")),
    ("InternalCombustionEngine", "OilLife", "ice", lambda r: {"value": r.randint(5, 100)}),
    ("ConnectivityStatus", "IsOnline", ALL, _flag(0.95)),
    ("ConnectivityStatus", "IsAsleep", ALL, _flag(0.3)),
    ("ConnectivityStatus", "IsDigitalKeyPaired", "ev", lambda r: {"value": True}),
    ("VehicleIdentification", "Vin", ALL, None),
    ("VehicleIdentification", "Nickname", ALL, None),
)


@dataclass(frozen=True)
class Vehicle:
    """A car of the sample fleet."""

    id: str
    user_id: str
    make: str
    model: str
    year: int
    powertrain: str
    timezone: str
    vin: str
    nickname: str
    lacking: frozenset[str]


@dataclass
class SampleSummary:
    """What :func:`generate` wrote, by kind of stream record."""

    files: int = 0
    records: int = 0
    inserts: int = 0
    retries: int = 0
    removes: int = 0
    malformed: int = 0
    out_of_order: int = 0
    no_creation_time: int = 0
    bad_bodies: int = 0
    type_conflicts: int = 0
    error_signals: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return asdict(self)


def typed(value: Any) -> dict[str, Any]:
    """A plain value in DynamoDB's typed JSON (what the stream carries)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {key: typed(item) for key, item in value.items()}}
    if isinstance(value, list):
        return {"L": [typed(item) for item in value]}
    raise TypeError(f"no DynamoDB type for {type(value).__name__}")


def fleet(rng: random.Random, count: int) -> list[Vehicle]:
    """`count` vehicles; each lacks a few optional signals its model does not report."""
    vehicles = []
    optional = [f"{g}_{n}" for g, n, _, _ in SIGNALS if g in ("Closure", "Wheel", "Location")]
    for index in range(count):
        make, model, powertrain = rng.choice(MAKES)
        vin = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17))
        vehicles.append(
            Vehicle(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                user_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                make=make,
                model=model,
                year=rng.randint(2018, 2025),
                powertrain=powertrain,
                timezone=rng.choice(TIMEZONES),
                vin=vin,
                nickname=f"car-{index:03d}",
                lacking=frozenset(rng.sample(optional, rng.randint(0, 2))),
            )
        )
    return vehicles


def payload(rng: random.Random, vehicle: Vehicle, recorded: datetime) -> dict[str, Any]:
    """One Smartcar v4-style webhook payload as stored in the DynamoDB item (plain JSON)."""
    ms = int(recorded.timestamp() * 1000)
    signals = []
    for group, name, powertrains, factory in SIGNALS:
        key = f"{group}_{name}"
        if vehicle.powertrain not in powertrains.split() or key in vehicle.lacking:
            continue
        signal: dict[str, Any] = {
            "name": name,
            "code": f"{group.lower()}-{name.lower()}",
            "group": group,
        }
        if factory is None:
            body: dict[str, Any] = {"value": vehicle.vin if name == "Vin" else vehicle.nickname}
        else:
            body = factory(rng)
        if rng.random() < 0.01:
            signal["status"] = {
                "value": "ERROR",
                "error": {"type": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"},
            }
        else:
            signal["body"] = orjson.dumps(body).decode()
        signal["meta"] = {"retrievedAt": ms, "oemUpdatedAt": ms - rng.randint(0, 120_000)}
        signals.append(signal)
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "recorded_at": recorded.strftime("%Y-%m-%d %H:%M:%S"),
        "record_type": "ALL",
        "smartcar_user_id": vehicle.user_id,
        "car_timezone": vehicle.timezone,
        "meta": {
            "mode": "LIVE",
            "deliveryId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "webhookId": "2b7f6a52-0c1e-4f0e-9d1b-5f2a8e6c4d31",
            "signalCount": len(signals),
            "webhookName": "ChargeMinderTelemetry",
            "version": "4.0",
            "deliveredAt": ms + rng.randint(200, 3000),
        },
        "user": {"id": vehicle.user_id},
        "vehicle": {
            "id": vehicle.id,
            "make": vehicle.make,
            "model": vehicle.model,
            "year": vehicle.year,
        },
        "signals": signals,
        "triggers": [],
    }


def _stream_record(
    index: int, name: str, item: dict[str, Any], old: dict[str, Any] | None, created: float | None
) -> dict[str, Any]:
    """The stream record DynamoDB emits for a change (NEW_AND_OLD_IMAGES view)."""
    new_image = typed(item)["M"] if name != "REMOVE" else None
    dynamodb: dict[str, Any] = {"Keys": {"event_id": {"S": item["event_id"]}}}
    if created is not None:
        dynamodb["ApproximateCreationDateTime"] = created
    if new_image is not None:
        dynamodb["NewImage"] = new_image
    if old is not None:
        dynamodb["OldImage"] = typed(old)["M"]
    dynamodb["SequenceNumber"] = str(100000000000000000000 + index * 1000)
    dynamodb["SizeBytes"] = len(orjson.dumps(new_image or old))
    dynamodb["StreamViewType"] = "NEW_AND_OLD_IMAGES"
    record: dict[str, Any] = {
        "eventID": f"{index:032x}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": dynamodb,
        "eventSourceARN": ARN,
    }
    if name == "REMOVE":
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return record


def _mess(rng: random.Random, item: dict[str, Any], summary: SampleSummary) -> None:
    """Spoil a payload the way real devices and integrations do (still valid DynamoDB JSON)."""
    roll = rng.random()
    if roll < 0.01 and item["signals"]:
        item["signals"][0]["body"] = '{"value": tru'
        summary.bad_bodies += 1
    elif roll < 0.02:
        for signal in item["signals"]:
            if signal["group"] == "Closure" and signal["name"] == "IsLocked" and "body" in signal:
                signal["body"] = '{"value": "unknown"}'
                summary.type_conflicts += 1
    elif roll < 0.03:
        item["recorded_at"] = item["recorded_at"].replace(" ", "T") + "Z"
    summary.error_signals += sum(1 for signal in item["signals"] if "status" in signal)


def records(
    events: int, vehicles: int, seed: int, hours: int = 6
) -> Iterator[tuple[dict[str, Any], SampleSummary]]:
    """Yield `events` stream records (with the running summary), spread over `hours` hours.

    Sequence numbers grow in stream order, as in a real shard; a late arrival is an item
    recorded earlier that reaches DynamoDB after items recorded later.
    """
    rng = random.Random(seed)
    cars = fleet(rng, max(vehicles, 1))
    summary = SampleSummary()
    step = timedelta(seconds=hours * 3600 / max(events, 1))
    landed: list[dict[str, Any]] = []
    # (due index, eventName, new item, old item, has creation time)
    delayed: list[tuple[int, str, dict[str, Any], dict[str, Any] | None, bool]] = []
    emitted = 0

    def emit(name: str, item: dict[str, Any], old: dict[str, Any] | None, timed: bool) -> Any:
        nonlocal emitted
        arrival = START + step * emitted + timedelta(seconds=rng.uniform(0.2, 2.0))
        record = _stream_record(emitted, name, item, old, arrival.timestamp() if timed else None)
        emitted += 1
        summary.records += 1
        return record

    for index in range(events):
        recorded = START + step * index
        roll = rng.random()
        if roll < 0.02 and landed:
            old = rng.choice(landed)
            item = {**old, "meta": {**old["meta"]}}
            item["meta"]["deliveryId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            item["meta"]["deliveredAt"] = old["meta"]["deliveredAt"] + rng.randint(30_000, 900_000)
            record = emit("MODIFY", item, old, True)
            summary.retries += 1
        elif roll < 0.03 and landed:
            old = landed.pop(rng.randrange(len(landed)))
            record = emit("REMOVE", old, old, True)
            summary.removes += 1
        elif roll < 0.035:
            item = payload(rng, rng.choice(cars), recorded)
            record = emit("INSERT", item, None, True)
            record["dynamodb"]["NewImage"]["meta"]["M"]["signalCount"] = {"N": "2O"}
            summary.malformed += 1
        else:
            item = payload(rng, rng.choice(cars), recorded)
            _mess(rng, item, summary)
            landed.append(item)
            summary.inserts += 1
            timed = roll <= 0.99
            summary.no_creation_time += not timed
            if roll < 0.05:
                delayed.append((index + rng.randint(5, 40), "INSERT", item, None, timed))
                summary.out_of_order += 1
                continue
            record = emit("INSERT", item, None, timed)
        yield record, summary
        while delayed and delayed[0][0] <= index:
            late = delayed.pop(0)
            yield emit(late[1], late[2], late[3], late[4]), summary
    for late in delayed:
        yield emit(late[1], late[2], late[3], late[4]), summary


def generate(out: Path, events: int, vehicles: int, seed: int, hours: int = 6) -> SampleSummary:
    """Write `events` stream records as DynamoDB Streams event files (≤ 100 records each).

    Args:
        out: Folder receiving ``events-NNNNN.json`` files.
        events: Number of stream records.
        vehicles: Size of the fleet.
        seed: Same seed, same files, byte for byte.
        hours: Time span of recorded_at (several hourly partitions).
    """
    if out.exists() and not out.is_dir():
        raise BadInputError("--out must be a folder, not a file", file=str(out))
    out.mkdir(parents=True, exist_ok=True)
    for earlier in out.glob("events-*.json"):  # a smaller run must not leave older files behind
        earlier.unlink()
    rng = random.Random(seed ^ 0x5EED)
    summary = SampleSummary()
    batch: list[dict[str, Any]] = []
    size = rng.randint(20, 100)
    for record, summary in records(events, vehicles, seed, hours):
        batch.append(record)
        if len(batch) >= size:
            summary.files += 1
            (out / f"events-{summary.files:05d}.json").write_bytes(orjson.dumps({"Records": batch}))
            batch, size = [], rng.randint(20, 100)
    if batch:
        summary.files += 1
        (out / f"events-{summary.files:05d}.json").write_bytes(orjson.dumps({"Records": batch}))
    return summary


def sample(
    out: Path,
    seed: int,
    events: Annotated[int, typer.Option(min=1, help="Stream records to write.")] = 2000,
    vehicles: Annotated[int, typer.Option(min=1, help="Size of the fleet.")] = 20,
) -> CoreSampleSummary:
    """Write DynamoDB Streams event files of Smartcar v4-style payloads (messy cases included)."""
    summary = generate(out, events=events, vehicles=vehicles, seed=seed)
    counts = summary.as_dict()
    figures = {key: counts.pop(key) for key in ("records", "inserts")}
    counts.pop("files")
    return CoreSampleSummary(
        root=out, files=summary.files, messy=counts, figures={**figures, "vehicles": vehicles}
    )
