"""The MRV vocabulary as types: statuses, quality flags, QA levels, checks and severities, and
the one table of rules saying what each flag means for QA/QC.

Every enum is a :class:`~enum.StrEnum` (levels an :class:`~enum.IntEnum`), so the values stored
in the database and printed as JSON are the same plain strings and numbers as before.

A row flag is a :class:`Flag`: a :class:`FlagCode` and the column it is about. Ingestion raises
flags (:func:`flag`, the column defaulting to the rule's), ``lab_readings.flags`` and
``plant_operations.flags`` store them as ``[{"code": ..., "column": ...}]`` (:class:`FlagList`)
and QA/QC turns each into a finding through :data:`RULES`. The days of ``mrv_results`` carry a
:class:`QualityFlag`; the non-VALID ones have their rule in the same table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

from sqlalchemy import JSON, Boolean, ColumnElement, Dialect, exists, false, func, or_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator


class RowStatus(enum.StrEnum):
    """Status of a ``lab_readings`` or ``plant_operations`` row."""

    VALID = "valid"
    REJECTED = "rejected"


class RunStatus(enum.StrEnum):
    """Status of an ``ingestion_runs`` row."""

    LOADED = "loaded"
    FAILED = "failed"
    SUPERSEDED = "superseded"


class QualityFlag(enum.StrEnum):
    """Outcome of the seed's validation of one plant-day (``mrv_results.quality_flag``)."""

    VALID = "VALID"
    INVALID = "INVALID"
    NO_OPS_DATA = "NO_OPS_DATA"
    INVALID_FLOW = "INVALID_FLOW"
    MISSING_CA_READINGS = "MISSING_CA_READINGS"


class QaLevel(enum.IntEnum):
    """The seed's QA/QC hierarchy (level 5, expert review, is the review step)."""

    RAW = 1
    COMPLETENESS = 2
    SCHEMA = 3
    QUALITY = 4


class Severity(enum.StrEnum):
    """Severity of a QA finding."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Check(enum.StrEnum):
    """The QA check a finding belongs to (``qa_findings.check``)."""

    FILE_READABLE = "file_readable"
    ENCODING = "encoding"
    ROW_SKIPPED = "row_skipped"
    PARSE = "parse"
    DUPLICATE = "duplicate"
    OVERLAP_CONFLICT = "overlap_conflict"
    REQUIRED_FIELD = "required_field"
    MISSING_DAY = "missing_day"
    UPSTREAM_DOWNSTREAM_PAIR = "upstream_downstream_pair"
    RANGE = "range"
    SCHEMA = "schema"
    FOREIGN_KEY = "foreign_key"
    UNIT_CONVERTED = "unit_converted"
    FLOW_CONSISTENCY = "flow_consistency"
    BELOW_DETECTION = "below_detection"
    CA_DELTA = "ca_delta"
    OPS_DATA = "ops_data"
    FLOW_RATE = "flow_rate"
    CA_READINGS = "ca_readings"
    PH_COVERAGE = "ph_coverage"


class FlagCode(enum.StrEnum):
    """What is wrong with (or worth knowing about) a row; the column is kept beside it."""

    DUPLICATE = "duplicate"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    #: The same pH sensor and minute in another file (:mod:`~weir.mrv.pipeline.step1_ingest.
    #: ph_overlap`), with the same value or with another one.
    CROSS_FILE_DUPLICATE = "cross_file_duplicate"
    CONFLICTING_CROSS_FILE_DUPLICATE = "conflicting_cross_file_duplicate"
    UNPARSEABLE = "unparseable"
    SHORT_ROW = "short_row"
    MISSING = "missing"
    OUT_OF_RANGE = "out_of_range"
    INVALID = "invalid"
    SPIKE = "spike"
    UNKNOWN_SENSOR = "unknown_sensor"
    CONVERTED_FROM_G_PER_L = "converted_from_g_per_l"
    FLOW_OUTSIDE_MIN_MAX = "flow_outside_min_max"
    BELOW_DETECTION = "below_detection"


class Rule(NamedTuple):
    """What a flag means for QA/QC: the finding's level, check, severity and default column."""

    level: QaLevel
    check: Check
    severity: Severity
    column: str | None = None


_L1, _L2, _L3, _L4 = QaLevel
_ERROR, _WARNING, _INFO = Severity

#: The one table of rules: row flag codes (raised at ingestion) and the non-VALID quality
#: flags of ``mrv_results`` days → the finding QA/QC writes for them.
RULES: dict[FlagCode | QualityFlag, Rule] = {
    FlagCode.DUPLICATE: Rule(_L1, Check.DUPLICATE, _WARNING, "value"),
    FlagCode.CONFLICTING_DUPLICATE: Rule(_L1, Check.DUPLICATE, _ERROR, "value"),
    FlagCode.CROSS_FILE_DUPLICATE: Rule(_L1, Check.DUPLICATE, _WARNING, "value"),
    FlagCode.CONFLICTING_CROSS_FILE_DUPLICATE: Rule(_L1, Check.DUPLICATE, _ERROR, "value"),
    FlagCode.UNPARSEABLE: Rule(_L1, Check.PARSE, _ERROR),
    FlagCode.SHORT_ROW: Rule(_L1, Check.PARSE, _ERROR),
    FlagCode.MISSING: Rule(_L2, Check.REQUIRED_FIELD, _ERROR),
    FlagCode.OUT_OF_RANGE: Rule(_L3, Check.RANGE, _ERROR),
    FlagCode.INVALID: Rule(_L3, Check.SCHEMA, _ERROR),
    FlagCode.SPIKE: Rule(_L3, Check.RANGE, _ERROR, "ph"),
    FlagCode.UNKNOWN_SENSOR: Rule(_L3, Check.FOREIGN_KEY, _ERROR),
    FlagCode.CONVERTED_FROM_G_PER_L: Rule(_L3, Check.UNIT_CONVERTED, _INFO, "unit"),
    FlagCode.FLOW_OUTSIDE_MIN_MAX: Rule(_L3, Check.FLOW_CONSISTENCY, _WARNING),
    FlagCode.BELOW_DETECTION: Rule(_L4, Check.BELOW_DETECTION, _WARNING, "value"),
    QualityFlag.INVALID: Rule(_L4, Check.CA_DELTA, _WARNING, "quality_flag"),
    QualityFlag.NO_OPS_DATA: Rule(_L4, Check.OPS_DATA, _ERROR, "quality_flag"),
    QualityFlag.INVALID_FLOW: Rule(_L4, Check.FLOW_RATE, _ERROR, "quality_flag"),
    QualityFlag.MISSING_CA_READINGS: Rule(_L4, Check.CA_READINGS, _ERROR, "quality_flag"),
}

#: Every quality flag, as plain strings (for choices and filters).
QUALITY_FLAGS = tuple(f.value for f in QualityFlag)
#: Quality flags whose day is not calculated.
SKIPPED_FLAGS = (QualityFlag.NO_OPS_DATA, QualityFlag.INVALID_FLOW, QualityFlag.MISSING_CA_READINGS)
#: Colour of each quality flag wherever days are drawn (dashboard chart, statement PDF).
FLAG_COLOURS: dict[QualityFlag, str] = {
    QualityFlag.VALID: "#2e7d32",
    QualityFlag.INVALID: "#c62828",
    QualityFlag.NO_OPS_DATA: "#9e9e9e",
    QualityFlag.INVALID_FLOW: "#ef6c00",
    QualityFlag.MISSING_CA_READINGS: "#6a1b9a",
}
#: The codes whose column is part of the flag's name (``unparseable_value``).
_PER_COLUMN = (FlagCode.UNPARSEABLE, FlagCode.MISSING, FlagCode.OUT_OF_RANGE, FlagCode.INVALID)
#: Names that are neither the code nor ``<code>_<column>``.
_NAMES: dict[tuple[FlagCode, str | None], str] = {
    (FlagCode.MISSING, "eff_flow_actual_mgd"): "missing_effluent_flow"
}


class StoredFlag(TypedDict):
    """A flag as stored in the JSON ``flags`` column."""

    code: str
    column: str | None


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag on a row: its code and the column it is about (None: the whole row)."""

    code: FlagCode
    column: str | None = None

    @property
    def rule(self) -> Rule:
        """The flag's QA rule."""
        return RULES[self.code]

    @property
    def label(self) -> str:
        """The flag's name as QA messages show it: ``spike``, ``unparseable_value``,
        ``missing_effluent_flow``."""
        if self.code not in _PER_COLUMN:
            return self.code.value
        return _NAMES.get((self.code, self.column), f"{self.code}_{self.column}")

    def to_json(self) -> StoredFlag:
        """The stored form."""
        return {"code": self.code.value, "column": self.column}

    @classmethod
    def from_json(cls, stored: StoredFlag) -> Flag:
        """A flag from its stored form.

        Raises:
            ValueError: the code is unknown.
        """
        return cls(FlagCode(stored["code"]), stored["column"])


def flag(code: FlagCode, column: str | None = None) -> Flag:
    """A flag of ``code`` on ``column`` (default: the column of the code's rule)."""
    return Flag(code, column if column is not None else RULES[code].column)


class FlagList(TypeDecorator[list[Flag]]):
    """A JSON ``flags`` column (JSONB on PostgreSQL) read and written as a list of :class:`Flag`."""

    impl = JSON().with_variant(JSONB(), "postgresql")
    cache_ok = True

    def process_bind_param(self, value: list[Flag] | None, dialect: Dialect) -> Any:
        """Flags to their stored dicts."""
        return None if value is None else [f.to_json() for f in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Flag] | None:
        """Stored dicts to flags."""
        return None if value is None else [Flag.from_json(v) for v in value]


class _HasFlag(ColumnElement[bool]):
    """SQL: a JSON ``flags`` column holds a flag with one of ``codes`` (see :func:`has_flag`)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, column: ColumnElement[Any], codes: tuple[FlagCode, ...]) -> None:
        self.column = column
        self.codes = codes


def has_flag(column: ColumnElement[Any] | Any, *codes: FlagCode) -> ColumnElement[bool]:
    """SQL: the JSON ``flags`` column holds a flag with one of ``codes``.

    The stored code is compared exactly (never matched as text): on PostgreSQL by JSONB
    containment (``flags @> '[{"code": "spike"}]'``, one per code), elsewhere (SQLite) by an
    ``EXISTS`` over ``json_each(flags)``. Put after a cheaper condition (``status``), it only
    looks at the few rejected rows.

    Why in SQL: the flags stay in one column (a second ``flag_codes`` column would be a copy to
    keep in step with it), the pH statistics stay one aggregate query, and the cross-file
    duplicate pass keeps selecting its candidates in the database however many rows it marked
    (filtering in Python would need their ids back in an ``IN (...)`` list that grows with the
    data).
    """
    return _HasFlag(column, codes)


@compiles(_HasFlag)
def _has_flag_json_each(element: _HasFlag, compiler: SQLCompiler, **kw: Any) -> str:
    each = func.json_each(element.column).table_valued("value").alias("flag")
    code = func.json_extract(each.c.value, "$.code")
    wanted = [c.value for c in element.codes]
    return compiler.process(exists().select_from(each).where(code.in_(wanted)), **kw)


@compiles(_HasFlag, "postgresql")
def _has_flag_jsonb(element: _HasFlag, compiler: SQLCompiler, **kw: Any) -> str:
    column = type_coerce(element.column, JSONB)
    contained = or_(false(), *(column.contains([{"code": c.value}]) for c in element.codes))
    return compiler.process(contained, **kw)
