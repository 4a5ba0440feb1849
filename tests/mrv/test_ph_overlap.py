"""The same sensor and minute in two pH files: one reading counts, the rest are kept rejected."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from weir.mrv import service
from weir.mrv.models import LabReading
from weir.mrv.rules import Flag, FlagCode
from weir.mrv.settings import MrvSettings

HEADER = "timestamp,sensor_id,ph\n"
CONFLICT = Flag(FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE, "value")


def write(path: Path, rows: list[tuple[str, str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{t},{s},{v}\n" for t, s, v in rows), encoding="utf-8")


def ph_rows(engine: Engine) -> list[tuple[str, int, str, str | None, list[Flag]]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(LabReading)
            .where(LabReading.parameter == "ph", LabReading.superseded_by_run_id.is_(None))
            .order_by(LabReading.source_file, LabReading.source_row)
        )
        return [(r.source_file, r.source_row, r.status, r.reject_reason, r.flags) for r in rows]


def test_same_sensor_and_minute_in_two_files(
    engine: Engine, tmp_path: Path, mrv_settings: MrvSettings
) -> None:
    root = tmp_path / "ph"
    minutes = ["2025-06-01 00:00:00", "2025-06-01 00:01:00", "2025-06-01 00:02:00"]
    write(root / "sensors" / "ph_PHA1.csv", [(t, "PHA1", 7.0) for t in minutes])
    # the other export repeats PHA1: two minutes with another value, one identical
    write(
        root / "sensors" / "ph_PHB1.csv",
        [(minutes[0], "PHA1", 9.0), (minutes[1], "PHA1", 9.0), (minutes[2], "PHA1", 7.0)],
    )
    service.ingest(engine, root, mrv_settings)
    assert ph_rows(engine) == [
        ("sensors/ph_PHA1.csv", 2, "valid", None, []),
        ("sensors/ph_PHA1.csv", 3, "valid", None, []),
        ("sensors/ph_PHA1.csv", 4, "valid", None, []),
        (
            "sensors/ph_PHB1.csv",
            2,
            "rejected",
            "cross-file conflicting duplicate of sensors/ph_PHA1.csv:2 (9 vs 7); "
            "sensors/ph_PHA1.csv kept",
            [CONFLICT],
        ),
        (
            "sensors/ph_PHB1.csv",
            3,
            "rejected",
            "cross-file conflicting duplicate of sensors/ph_PHA1.csv:3 (9 vs 7); "
            "sensors/ph_PHA1.csv kept",
            [CONFLICT],
        ),
        (
            "sensors/ph_PHB1.csv",
            4,
            "rejected",
            "cross-file duplicate of sensors/ph_PHA1.csv:4",
            [Flag(FlagCode.CROSS_FILE_DUPLICATE, "value")],
        ),
    ]
    (day,) = service.ph_daily(engine)
    assert (day["plant_id"], day["mean"], day["min"], day["max"], day["readings"]) == (
        "PLANT_A",
        7.0,
        7.0,
        7.0,
        3,
    )
    dups = [f for f in service.findings(engine) if f["check"] == "duplicate"]
    assert [(f["level"], f["severity"], f["file"], f["row"]) for f in dups] == [
        (1, "error", "sensors/ph_PHB1.csv", 2),
        (1, "error", "sensors/ph_PHB1.csv", 3),
        (1, "warning", "sensors/ph_PHB1.csv", 4),
    ]

    # the winning file changes and no longer holds 00:00: the other file's reading counts again
    write(root / "sensors" / "ph_PHA1.csv", [(t, "PHA1", 7.0) for t in minutes[1:]])
    service.ingest(engine, root, mrv_settings)
    assert [(f, r, s) for f, r, s, _, _ in ph_rows(engine)] == [
        ("sensors/ph_PHA1.csv", 2, "valid"),
        ("sensors/ph_PHA1.csv", 3, "valid"),
        ("sensors/ph_PHB1.csv", 2, "valid"),
        ("sensors/ph_PHB1.csv", 3, "rejected"),
        ("sensors/ph_PHB1.csv", 4, "rejected"),
    ]
    (day,) = service.ph_daily(engine)
    assert (day["mean"], day["readings"]) == (7 + 2 / 3, 3)
