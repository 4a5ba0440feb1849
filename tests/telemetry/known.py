"""Known records with hand-checked expectations, shared by the telemetry tests."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from weir.telemetry.sample import ARN, typed

MS = 1736935200000  # 2025-01-15 10:00:00 UTC


def signal(group: str, name: str, body: Any = None, **extra: Any) -> dict[str, Any]:
    """A Smartcar v4 signal; `body` is JSON-encoded unless it is already text."""
    out: dict[str, Any] = {"name": name, "code": f"{group.lower()}-{name.lower()}", "group": group}
    if body is not None:
        out["body"] = body if isinstance(body, str) else orjson.dumps(body).decode()
    out["meta"] = {"retrievedAt": MS, "oemUpdatedAt": MS - 60_000}
    out.update(extra)
    return out


def record(event_id: str = "abc-123", **changes: Any) -> dict[str, Any]:
    """A landed plain-JSON record like the seed's test item."""
    base: dict[str, Any] = {
        "event_id": event_id,
        "recorded_at": "2025-01-15 10:00:00",
        "record_type": "ALL",
        "smartcar_user_id": "test-user-123",
        "car_timezone": "America/Los_Angeles",
        "meta": {
            "mode": "TEST",
            "deliveryId": "test-delivery-123",
            "webhookId": "test-webhook-123",
            "signalCount": 4,
            "webhookName": "TestWebhook",
            "version": "4.0",
            "deliveredAt": MS + 1500,
        },
        "user": {"id": "test-user-123"},
        "vehicle": {"model": "Model 3", "id": "test-vehicle-123", "make": "Tesla", "year": 2023},
        "signals": [
            signal("Charge", "IsCharging", {"value": True}),
            signal("Odometer", "TraveledDistance", {"value": 12345.67, "unit": "km"}),
            signal(
                "Location",
                "PreciseLocation",
                {"latitude": 51.5014, "longitude": -0.1419, "heading": 87},
            ),
            signal(
                "Closure",
                "Doors",
                {"values": [{"row": 0, "column": 0, "isOpen": False}]},
            ),
        ],
        "triggers": [],
        "_op": "INSERT",
        "_seq": "100",
    }
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def ndjson(*records: dict[str, Any]) -> bytes:
    """Records as a landed NDJSON file."""
    return b"".join(orjson.dumps(item) + b"\n" for item in records)


def stream_record(
    seq: str, name: str = "INSERT", item: dict[str, Any] | None = None, **dynamodb: Any
) -> dict[str, Any]:
    item = item if item is not None else record(f"ev-{seq}")
    item = {k: v for k, v in item.items() if not k.startswith("_")}
    change: dict[str, Any] = {
        "Keys": {"event_id": {"S": item["event_id"]}},
        "SequenceNumber": seq,
        "SizeBytes": 1234,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if name != "REMOVE":
        change["NewImage"] = typed(item)["M"]
    if name != "INSERT":
        change["OldImage"] = typed(item)["M"]
    change.update(dynamodb)
    return {
        "eventID": f"id-{seq}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": ARN,
    }
