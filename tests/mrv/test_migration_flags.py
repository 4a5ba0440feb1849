"""Revision mrv_0004 converts stored flags both ways, on SQLite and on PostgreSQL.

``golden/flags_mrv_0003.json`` holds every flagged row of the sample as the code before
mrv_0004 wrote it (``weir mrv ingest`` at mrv_0003: flag names such as ``duplicate``); the test
ingests the sample with today's code, downgrades and expects exactly those names, then
upgrades and expects exactly what today's code wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.postgresql import JSONB

from weir.core.db import MIGRATIONS_DIR, discover_version_locations, make_engine, normalize_url
from weir.mrv import service
from weir.mrv.settings import MrvSettings

OLD = json.loads((Path(__file__).parent / "golden" / "flags_mrv_0003.json").read_text("utf-8"))
JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")
#: Every name the code before mrv_0004 wrote → the stored flag it becomes.
EVERY_NAME = {
    "duplicate": {"code": "duplicate", "column": "value"},
    "conflicting_duplicate": {"code": "conflicting_duplicate", "column": "value"},
    "short_row": {"code": "short_row", "column": None},
    "spike": {"code": "spike", "column": "ph"},
    "unknown_sensor": {"code": "unknown_sensor", "column": None},
    "converted_from_g_per_l": {"code": "converted_from_g_per_l", "column": "unit"},
    "flow_outside_min_max": {"code": "flow_outside_min_max", "column": None},
    "below_detection": {"code": "below_detection", "column": "value"},
    "missing_effluent_flow": {"code": "missing", "column": "eff_flow_actual_mgd"},
    "unparseable_date": {"code": "unparseable", "column": "date"},
    "unparseable_timestamp": {"code": "unparseable", "column": "timestamp"},
    "unparseable_eff_flow_max_mgd": {"code": "unparseable", "column": "eff_flow_max_mgd"},
    "missing_value": {"code": "missing", "column": "value"},
    "missing_sample_date": {"code": "missing", "column": "sample_date"},
    "out_of_range_bypass_hours": {"code": "out_of_range", "column": "bypass_hours"},
    "invalid_plant_id": {"code": "invalid", "column": "plant_id"},
}


def _alembic(url: str, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(discover_version_locations()))
    config.attributes["url"] = normalize_url(url)
    getattr(command, action)(config, revision)


def _table(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("source_file", sa.String()),
        sa.column("source_row", sa.Integer()),
        sa.column("flags", JSON_TYPE),
        sa.column("reject_reason", sa.Text()),
        sa.column("superseded_by_run_id", sa.Integer()),
    )


def stored(engine: sa.Engine) -> dict[str, list[list[Any]]]:
    """Every live flagged row per table as ``[file, row, flags]``, the raw JSON as stored."""
    out: dict[str, list[list[Any]]] = {}
    with engine.connect() as connection:
        for name in ("lab_readings", "plant_operations"):
            t = _table(name)
            rows = connection.execute(
                sa.select(t.c.source_file, t.c.source_row, t.c.flags).where(
                    t.c.superseded_by_run_id.is_(None)
                )
            )
            out[name] = sorted([f, r, flags] for f, r, flags in rows if flags)
    return out


def set_flags(engine: sa.Engine, row_id: int, flags: list[Any]) -> None:
    t = _table("lab_readings")
    with engine.begin() as connection:
        connection.execute(sa.update(t).where(t.c.id == row_id).values(flags=flags))


def flags_of(engine: sa.Engine, row_id: int) -> Any:
    t = _table("lab_readings")
    with engine.connect() as connection:
        return connection.execute(sa.select(t.c.flags).where(t.c.id == row_id)).scalar_one()


@pytest.mark.slow
def test_flags_convert_down_to_names_and_up_to_codes(db_url: str, sample_dir: Path) -> None:
    service.migrate(db_url)
    engine = make_engine(db_url)
    try:
        service.ingest(engine, sample_dir, MrvSettings())
        written = stored(engine)
        assert {f["code"] for rows in written.values() for _, _, flags in rows for f in flags} == {
            "below_detection",
            "conflicting_cross_file_duplicate",
            "converted_from_g_per_l",
            "cross_file_duplicate",
            "duplicate",
            "missing",
            "spike",
        }

        _alembic(db_url, "downgrade", "mrv_0003")
        assert stored(engine) == OLD  # what the old code wrote, row for row

        _alembic(db_url, "upgrade", "heads")
        assert stored(engine) == written  # what today's code writes

        # every name the old code could write, on one row, both ways
        _alembic(db_url, "downgrade", "mrv_0003")
        set_flags(engine, 1, list(EVERY_NAME))
        _alembic(db_url, "upgrade", "heads")
        assert flags_of(engine, 1) == list(EVERY_NAME.values())
        _alembic(db_url, "downgrade", "mrv_0003")
        assert flags_of(engine, 1) == list(EVERY_NAME)

        # a name no code wrote stops the upgrade with the table and row, changing nothing
        set_flags(engine, 1, ["duplicate", "bogus_flag"])
        with pytest.raises(ValueError, match=r"lab_readings row id 1: unknown flag 'bogus_flag'"):
            _alembic(db_url, "upgrade", "heads")
        assert flags_of(engine, 1) == ["duplicate", "bogus_flag"]
        assert stored(engine)["plant_operations"] == OLD["plant_operations"]
    finally:
        engine.dispose()
