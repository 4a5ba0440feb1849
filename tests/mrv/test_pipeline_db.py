"""The whole pipeline on SQLite and on PostgreSQL: ingest, precedence, QA, calculation."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from weir.core.db import MIGRATIONS_DIR, discover_version_locations, make_engine
from weir.mrv import service
from weir.mrv.models import IngestionRun, LabReading, MrvResult, PlantOperation, QaFinding
from weir.mrv.pipeline.step1_ingest import ingest as ingest_module
from weir.mrv.pipeline.step3_calculate.formula import co2_t_per_day
from weir.mrv.rules import FlagCode, has_flag
from weir.mrv.settings import MrvSettings

EXPECTED_QA = {
    (1, "duplicate", "warning"): 141,
    (1, "duplicate", "error"): 10,
    (1, "overlap_conflict", "warning"): 6,
    (1, "row_skipped", "info"): 55,
    (2, "missing_day", "error"): 32,
    (2, "required_field", "error"): 2,
    (2, "upstream_downstream_pair", "error"): 2,
    (3, "range", "error"): 3,
    (3, "unit_converted", "info"): 1,
    (4, "below_detection", "warning"): 1,
    (4, "ca_delta", "warning"): 3,
    (4, "ca_readings", "error"): 3,
    (4, "flow_rate", "error"): 3,
    (4, "ops_data", "error"): 31,
    (4, "ph_coverage", "warning"): 2,
}


#: (plant, t CO₂, Monte Carlo mean, conservative P16) of the sample, seed 7, default settings.
SAMPLE_TOTALS = [
    ("PLANT_A", 13.400063, 13.403088, 13.033801),
    ("PLANT_B", 20.367801, 20.37374, 19.549637),
]


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (IngestionRun, LabReading, PlantOperation, MrvResult, QaFinding)
        }


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every MRV table, all columns, ordered by id."""
    with Session(engine) as session:
        return {
            m.__tablename__: [
                tuple(row)
                for row in session.execute(select(m.__table__).order_by(m.__table__.c.id))
            ]
            for m in (IngestionRun, LabReading, PlantOperation, MrvResult, QaFinding)
        }


def raw_calcium(sample_dir: Path, plant: str, day: str) -> dict[str, float]:
    with (sample_dir / "lab" / "calcium.csv").open(encoding="utf-8") as fh:
        return {
            r["location"]: float(r["value"])
            for r in csv.DictReader(fh)
            if r["plant_id"] == plant and r["sample_date"] == day
        }


def raw_flow(path: Path, day: dt.date) -> tuple[float, int]:
    """Effluent flow and Excel row of ``day`` read with openpyxl (an independent reader)."""
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
        cell = row[0]
        if (isinstance(cell, dt.datetime) and cell.date() == day) or cell == day.isoformat():
            return float(row[1]), number
        if cell == f"{day:%m/%d/%Y}":
            return float(row[1]), number
    raise AssertionError(f"{day} not in {path}")


def test_full_sample(engine: Engine, sample_dir: Path, mrv_settings: MrvSettings) -> None:
    report, _ = service.ingest(engine, sample_dir, mrv_settings)
    assert [f.status for f in report.files] == ["loaded"] * 12
    assert {(f.file, f.rows_loaded, f.rows_rejected) for f in report.files[:3]} == {
        ("lab/calcium.csv", 484, 1),
        ("sensors/ph_PHA1.csv", 19798, 32),
        ("sensors/ph_PHB1.csv", 20999, 1),
    }
    assert [(c.date, c.loser_file.rsplit("/", 1)[1]) for c in report.conflicts] == [
        ("2025-03-29", "PlantB_Flows_2025-03.xlsx"),
        *((f"2025-05-{d}", "PlantB_Flows_2025-05.xlsx") for d in range(12, 17)),
    ]
    summary, _ = service.calculate(engine, mrv_settings)
    before = snapshot(engine)
    assert {name: len(rows) for name, rows in before.items()} == counts(engine)

    again, _ = service.ingest(engine, sample_dir, mrv_settings)
    assert [f.status for f in again.files] == ["unchanged"] * 12
    assert again.conflicts == []
    after = snapshot(engine)
    for name in before:  # every column of every row, ids and timestamps included
        assert after[name] == before[name], name

    assert summary.by_flag == {
        "VALID": 204,
        "INVALID": 3,
        "INVALID_FLOW": 3,
        "MISSING_CA_READINGS": 3,
        "NO_OPS_DATA": 31,
    }
    assert {type(flag) for flag in summary.by_flag} == {str}  # printed as text by `weir demo`
    with Session(engine) as session:
        qa = Counter((f.level, f.check, f.severity) for f in session.scalars(select(QaFinding)))
    assert dict(qa) == EXPECTED_QA

    # PLANT_A 2025-05-07: by hand from the raw files
    ca = raw_calcium(sample_dir, "PLANT_A", "2025-05-07")
    path_a = sample_dir / "ops/plant_a/PlantA_Ops_2025-05.xlsx"
    flow, excel_row = raw_flow(path_a, dt.date(2025, 5, 7))
    rows = service.results(
        engine, service.Filters("PLANT_A", dt.date(2025, 5, 7), dt.date(2025, 5, 7))
    )
    assert len(rows) == 1
    row = rows[0]
    delta = round(ca["downstream"] - ca["upstream"], 6)
    expected = delta * flow * 3785.41 * 1000 * (100.0869 / 40.078) * (44.0095 / 100.0869) / 1e9
    assert (row["ca_upstream_mg_l"], row["ca_downstream_mg_l"], row["flow_mgd"]) == (
        ca["upstream"],
        ca["downstream"],
        flow,
    )
    assert row["co2_t_per_day"] == pytest.approx(expected, rel=1e-12)
    assert row["quality_flag"] == "VALID"
    ops_source = next(s for s in row["lineage"]["sources"] if s["table"] == "plant_operations")
    assert (ops_source["file"], ops_source["row"]) == (
        "ops/plant_a/PlantA_Ops_2025-05.xlsx",
        excel_row,
    )
    with Session(engine) as session:
        lab = session.scalars(
            select(LabReading).where(LabReading.id.in_(row["lineage"]["lab_reading_ids"]))
        ).all()
    assert sorted((r.location, r.value, r.source_file) for r in lab) == [
        ("downstream", ca["downstream"], "lab/calcium.csv"),
        ("upstream", ca["upstream"], "lab/calcium.csv"),
    ]

    # PLANT_B 2025-05-12: the later revision's corrected flow wins
    rev = sample_dir / "ops/plant_b/PlantB_Flows_2025-05_REV1.xlsx"
    rev_flow, _ = raw_flow(rev, dt.date(2025, 5, 12))
    old_flow, _ = raw_flow(
        sample_dir / "ops/plant_b/PlantB_Flows_2025-05.xlsx", dt.date(2025, 5, 12)
    )
    b = service.results(
        engine, service.Filters("PLANT_B", dt.date(2025, 5, 12), dt.date(2025, 5, 12))
    )[0]
    assert b["flow_mgd"] == rev_flow != old_flow

    # the g/L result was converted; the <0.5 downstream counts as 0 mg/L: the day is INVALID
    b22 = service.results(
        engine, service.Filters("PLANT_B", dt.date(2025, 4, 22), dt.date(2025, 4, 22))
    )[0]
    assert b22["ca_upstream_mg_l"] == pytest.approx(65.6)
    a24 = service.results(
        engine, service.Filters("PLANT_A", dt.date(2025, 6, 24), dt.date(2025, 6, 24))
    )[0]
    assert (a24["ca_downstream_mg_l"], a24["quality_flag"]) == (0.0, "INVALID")

    totals = service.totals(service.results(engine), mrv_settings)
    valid = [r for r in service.results(engine) if r["quality_flag"] == "VALID"]
    for t in totals:
        mine = [r for r in valid if r["plant_id"] == t["plant_id"]]
        assert t["co2_t"] == pytest.approx(sum(r["co2_t_per_day"] for r in mine), rel=1e-12)
        assert t["days_valid"] == len(mine)
    assert [
        (
            t["plant_id"],
            round(t["co2_t"], 6),
            round(t["mc_mean_t"], 6),
            round(t["conservative_t"], 6),
        )
        for t in totals
    ] == SAMPLE_TOTALS
    assert all(t["conservative_t"] < t["mc_mean_t"] for t in totals)
    ph = service.ph_daily(
        engine, service.Filters("PLANT_A", dt.date(2025, 6, 3), dt.date(2025, 6, 4))
    )
    assert [(d["date"], d["readings"], d["coverage_pct"], d["spikes"]) for d in ph] == [
        (dt.date(2025, 6, 3), 1080, 75.0, 0),
        (dt.date(2025, 6, 4), 1439, 99.93, 1),
    ]
    assert 6.5 < ph[1]["min"] <= ph[1]["mean"] <= ph[1]["max"] < 8.0
    # PHA1 minutes forwarded into the PHB1 export count once (PHA1's own file wins)
    (jun7,) = service.ph_daily(
        engine, service.Filters("PLANT_A", dt.date(2025, 6, 7), dt.date(2025, 6, 7))
    )
    assert (jun7["readings"], jun7["coverage_pct"]) == (1440, 100.0)
    with Session(engine) as session:
        cross = Counter(
            (r.flags[0].code, r.reject_reason.startswith("cross-file "))
            for r in session.scalars(
                select(LabReading).where(
                    has_flag(
                        LabReading.flags,
                        FlagCode.CROSS_FILE_DUPLICATE,
                        FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE,
                    )
                )
            )
        )
    assert cross == {
        (FlagCode.CROSS_FILE_DUPLICATE, True): 110,
        (FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE, True): 10,
    }


def test_json_columns_are_jsonb_on_postgres(engine: Engine) -> None:
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("lab_readings")}
    kind = type(columns["metadata"]).__name__
    assert kind == ("JSONB" if engine.dialect.name == "postgresql" else "JSON")


def test_changed_file_supersedes(engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings) -> None:
    first, _ = service.ingest(engine, tiny_dir, mrv_settings)
    service.calculate(engine, mrv_settings)
    assert [r["co2_t_per_day"] for r in service.results(engine)] == pytest.approx(
        [co2_t_per_day(10.0, 1.0), co2_t_per_day(5.0, 2.0)]
    )
    path = tiny_dir / "lab" / "calcium.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",50.0,", ",52.0,"), encoding="utf-8")
    second, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status) for f in second.files] == [
        ("lab/calcium.csv", "loaded"),
        ("ops/plant_a/a.xlsx", "unchanged"),
    ]
    new_run = second.files[0].run_id
    with Session(engine) as session:
        old = session.scalars(
            select(LabReading).where(LabReading.ingestion_run_id == first.files[0].run_id)
        ).all()
        assert [r.superseded_by_run_id for r in old] == [new_run] * 4
        old_run = session.get(IngestionRun, first.files[0].run_id)
        assert old_run is not None
        assert (old_run.status, old_run.superseded_by_run_id) == ("superseded", new_run)
    service.calculate(engine, mrv_settings)
    assert [r["ca_delta_mg_l"] for r in service.results(engine)] == [12.0, 5.0]
    third, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [f.status for f in third.files] == ["unchanged", "unchanged"]


def test_corrupt_file_is_isolated(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings
) -> None:
    (tiny_dir / "ops" / "plant_a" / "broken.xlsx").write_bytes(b"\x00garbage" * 50)
    report, qa = service.ingest(engine, tiny_dir, mrv_settings)
    assert [(f.file, f.status) for f in report.files] == [
        ("lab/calcium.csv", "loaded"),
        ("ops/plant_a/a.xlsx", "loaded"),
        ("ops/plant_a/broken.xlsx", "failed"),
    ]
    with Session(engine) as session:
        run = session.scalars(select(IngestionRun).where(IngestionRun.status == "failed")).one()
        assert run.errors == [
            {
                "file": "ops/plant_a/broken.xlsx",
                "sheet": None,
                "row": None,
                "column": None,
                "message": "cannot read workbook: ZipError: invalid Zip archive: Could not find "
                "EOCD (file ops/plant_a/broken.xlsx)",
            }
        ]
        assert (
            session.scalar(
                select(func.count())
                .select_from(PlantOperation)
                .where(PlantOperation.source_file == "ops/plant_a/broken.xlsx")
            )
            == 0
        )
        finding = session.scalars(select(QaFinding).where(QaFinding.check == "file_readable")).one()
        assert (finding.level, finding.file) == (1, "ops/plant_a/broken.xlsx")
    assert qa["L1/error"] == 1
    again, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [f.status for f in again.files] == ["unchanged", "unchanged", "failed"]
    assert len(service.runs(engine)) == 3


def test_database_error_writes_nothing_partial(
    engine: Engine, tiny_dir: Path, mrv_settings: MrvSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parser(path: Path, display: str, settings: MrvSettings) -> Any:
        parsed = ingest_module.ops_a.parse(path, display, settings)
        parsed.records[-1]["plant_id"] = None  # violates NOT NULL on the last insert
        return parsed

    sources = [
        (s, g, broken_parser if s == "ops_a" else p, m) for s, g, p, m in ingest_module.SOURCES
    ]
    monkeypatch.setattr(ingest_module, "SOURCES", tuple(sources))
    report, _ = service.ingest(engine, tiny_dir, mrv_settings)
    assert [f.status for f in report.files] == ["loaded", "failed"]
    assert report.files[1].message == "database error while loading: IntegrityError"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(PlantOperation)) == 0
        assert [
            r.status for r in session.scalars(select(IngestionRun).order_by(IngestionRun.id))
        ] == ["loaded", "failed"]


def test_plant_b_precedence_and_reordered_header(
    engine: Engine, tmp_path: Path, mrv_settings: MrvSettings
) -> None:
    from tests.mrv.conftest import write_xlsx

    root = tmp_path / "b"
    d1, d2 = dt.date(2025, 4, 1), dt.date(2025, 4, 2)
    write_xlsx(
        root / "ops/plant_b/early.xlsx",
        [
            ["PLANT B"],
            ["Prepared: 2025-04-03"],
            ["Date", "Effluent", "", "Influent"],
            ["", "Flow (MGD)", "Temp", "Flow (MGD)"],
            [d1, 5.0, 20, 5.2],
            [d2, 6.0, 20, 6.1],
            ["TOTAL", 11.0],
        ],
    )
    write_xlsx(
        root / "ops/plant_b/later.xlsx",
        [
            ["Prepared: 2025-04-10"],
            ["Influent", "", "Date", "Effluent"],
            ["Flow (MGD)", "BOD", "", "Flow (MGD)"],
            [5.2, 100, d1, 5.0],
            [6.3, 100, d2, 6.2],
        ],
    )
    report, _ = service.ingest(engine, root, mrv_settings)
    assert [(c.date, c.winner_file, c.differences) for c in report.conflicts] == [
        (
            "2025-04-02",
            "ops/plant_b/later.xlsx",
            {"eff_flow_actual_mgd": [6.2, 6.0], "influent_flow_mgd": [6.3, 6.1]},
        )
    ]
    with Session(engine) as session:
        current = session.execute(
            select(PlantOperation.date, PlantOperation.source_file)
            .where(PlantOperation.is_current.is_(True))
            .order_by(PlantOperation.date)
        ).all()
    assert [tuple(r) for r in current] == [
        (d1, "ops/plant_b/later.xlsx"),
        (d2, "ops/plant_b/later.xlsx"),
    ]


def test_migrations_match_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from weir.mrv.models import Base

    with engine.connect() as connection:

        def mrv_only(name: str | None, type_: str, _parent: object) -> bool:
            # the database also holds the other systems' tables
            return type_ != "table" or name in Base.metadata.tables

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": mrv_only}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_mrv_head_constant_matches_the_revision_files(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(discover_version_locations()))
    heads = ScriptDirectory.from_config(config).get_revisions("mrv@head")
    assert [h.revision for h in heads] == [service.MRV_HEAD]
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    service.ensure_migrated(engine)  # a fresh database is migrated
    assert "mrv_results" in inspect(engine).get_table_names()
    engine.dispose()
