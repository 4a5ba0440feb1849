"""MRV tables (SQLAlchemy 2): raw-derived readings, operations, runs, QA findings, results.

Every data row carries its lineage: ``source_file`` (path relative to the ingested folder),
``source_row`` (1-based line or Excel row), ``file_sha256`` and ``ingestion_run_id``. Rows are
never deleted by ingestion: a changed file marks its earlier rows ``superseded_by_run_id``;
rejected rows stay with ``status='rejected'`` and a ``reject_reason``. Statuses and flags are
the types of :mod:`weir.mrv.rules`; ``flags`` holds ``[{"code": ..., "column": ...}]``.

The schema is created by the Alembic revisions in ``weir/mrv/migrations/versions``; these
classes mirror them (a test compares both).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from weir.mrv.rules import Flag, FlagList, RowStatus

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of the MRV tables, with its own metadata and naming convention."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType}


class IngestionRun(Base):
    """One attempt to ingest one file."""

    __tablename__ = "ingestion_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    source: Mapped[str] = mapped_column(String(16))
    file: Mapped[str] = mapped_column(String(500), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    superseded_by_run_id: Mapped[int | None] = mapped_column(Integer)


class LabReading(Base):
    """A calcium lab result or a pH sensor reading."""

    __tablename__ = "lab_readings"
    __table_args__ = (
        Index("ix_lab_readings_lookup", "plant_id", "parameter", "sample_date"),
        Index("ix_lab_readings_plant_id_sample_date", "plant_id", "sample_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plant_id: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(32))
    parameter: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    sampled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sample_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RowStatus.VALID.value)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[Flag]] = mapped_column(FlagList, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    source_file: Mapped[str] = mapped_column(String(500))
    source_row: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    ingestion_run_id: Mapped[int] = mapped_column(ForeignKey("ingestion_runs.id"), index=True)
    superseded_by_run_id: Mapped[int | None] = mapped_column(Integer)


class PlantOperation(Base):
    """One day of plant operations from an operator's Excel log."""

    __tablename__ = "plant_operations"
    __table_args__ = (Index("ix_plant_operations_lookup", "plant_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plant_id: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date | None] = mapped_column(Date)
    eff_flow_actual_mgd: Mapped[float | None] = mapped_column(Float)
    eff_flow_max_mgd: Mapped[float | None] = mapped_column(Float)
    eff_flow_min_mgd: Mapped[float | None] = mapped_column(Float)
    influent_flow_mgd: Mapped[float | None] = mapped_column(Float)
    bypass_volume_mg: Mapped[float | None] = mapped_column(Float)
    bypass_hours: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=RowStatus.VALID.value)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[Flag]] = mapped_column(FlagList, default=list)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    overridden_by_id: Mapped[int | None] = mapped_column(Integer)
    revision_key: Mapped[str | None] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(500))
    source_sheet: Mapped[str | None] = mapped_column(String(100))
    source_row: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    ingestion_run_id: Mapped[int] = mapped_column(ForeignKey("ingestion_runs.id"), index=True)
    superseded_by_run_id: Mapped[int | None] = mapped_column(Integer)


class QaFinding(Base):
    """One QA/QC finding (levels 1–4), regenerated by each QA pass."""

    __tablename__ = "qa_findings"
    __table_args__ = (Index("ix_qa_findings_plant_id_date", "plant_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[int] = mapped_column(Integer, index=True)
    check: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    plant_id: Mapped[str | None] = mapped_column(String(32))
    date: Mapped[dt.date | None] = mapped_column(Date)
    file: Mapped[str | None] = mapped_column(String(500))
    sheet: Mapped[str | None] = mapped_column(String(100))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MrvResult(Base):
    """CO₂ removal of one plant on one day, with the quality flag and the rows it came from."""

    __tablename__ = "mrv_results"
    __table_args__ = (
        Index("ix_mrv_results_lookup", "plant_id", "date", "quality_flag"),
        Index("ix_mrv_results_quality_flag", "quality_flag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plant_id: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    ca_upstream_mg_l: Mapped[float | None] = mapped_column(Float)
    ca_downstream_mg_l: Mapped[float | None] = mapped_column(Float)
    ca_delta_mg_l: Mapped[float | None] = mapped_column(Float)
    flow_mgd: Mapped[float | None] = mapped_column(Float)
    co2_t_per_day: Mapped[float | None] = mapped_column(Float)
    quality_flag: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    calc_version: Mapped[str] = mapped_column(String(32))
    mol_co2_per_mol_ca: Mapped[float] = mapped_column(Float, default=1.0)
    ca_rel_uncertainty: Mapped[float | None] = mapped_column(Float)
    flow_rel_uncertainty: Mapped[float | None] = mapped_column(Float)
    mc_draws: Mapped[int | None] = mapped_column(Integer)
    mc_seed: Mapped[int | None] = mapped_column(BigInteger)
    conservative_percentile: Mapped[float | None] = mapped_column(Float)
    lineage: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    calculated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    locked_by_review_id: Mapped[int | None] = mapped_column(Integer)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Review(Base):
    """Expert review (level 5) of one plant and one period; never deleted.

    ``snapshot`` holds the reviewed rows (ids, dates, versions and numbers) as they were when
    the review was opened; approving locks those rows (``mrv_results.locked_by_review_id``).
    """

    __tablename__ = "mrv_reviews"
    __table_args__ = (Index("ix_mrv_reviews_plant_id_period", "plant_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plant_id: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24))
    decision: Mapped[str | None] = mapped_column(String(24))
    reviewer_name: Mapped[str | None] = mapped_column(String(100))
    reviewer_role: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    calc_version: Mapped[str | None] = mapped_column(String(100))
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    previous_review_id: Mapped[int | None] = mapped_column(Integer)
    superseded_by_review_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


#: The mrv_results columns a report exports, in order.
RESULT_COLUMNS = (
    "plant_id",
    "date",
    "ca_upstream_mg_l",
    "ca_downstream_mg_l",
    "ca_delta_mg_l",
    "flow_mgd",
    "co2_t_per_day",
    "quality_flag",
    "message",
    "calc_version",
    "mol_co2_per_mol_ca",
    "ca_rel_uncertainty",
    "flow_rel_uncertainty",
    "mc_draws",
    "mc_seed",
    "conservative_percentile",
    "lineage",
)
