"""Data contracts of the normalized rows (pandera on polars), validated lazily in one pass.

Each schema checks types, required fields and ranges (QA level 3). :func:`validate_records`
runs a schema with ``lazy=True`` over every record, including those already rejected while
parsing (on the columns that did parse), so every failure of every row is collected at once;
the failing rows are kept, marked ``rejected`` with every check that failed.
"""

from __future__ import annotations

import functools
import importlib.abc
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weir.mrv.pipeline.step1_ingest.parsers.common import reject
from weir.mrv.rules import Flag, FlagCode, RowStatus, flag
from weir.mrv.settings import MrvSettings

PH_MIN, PH_MAX = 0.0, 14.0


#: Optional packages pandera imports when installed and its polars API never uses: its pandas
#: extra (pandas, ~900 modules, and numpy), data synthesis (hypothesis) and pandas-on-Spark
#: (``pyspark.pandas``: ~90 pyspark modules and a warning about pandas ≥ 3).
_UNUSED_BY_POLARS_API = ("pandas", "numpy", "hypothesis", "pyspark.pandas")


class _Absent(importlib.abc.MetaPathFinder):
    """Reports ``names`` (and their submodules) as not installed to imports in this thread,
    as ``import`` would; other threads import them as usual."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.thread = threading.get_ident()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() != self.thread:
            return None
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextmanager
def _polars_only() -> Iterator[None]:
    """pandera as installed with only its polars extra, for what runs inside.

    pandera imports each of :data:`_UNUSED_BY_POLARS_API` that is installed (on import, and on
    the first validation when it registers its check backends) and carries on without the
    missing ones: ``pandera[polars]`` alone is a supported install. Importing them costs more
    than a second of every ``weir mrv ingest`` (several without bytecode cache) for nothing
    the polars API uses, so inside this block they are reported missing, unless already
    imported. The block is lifted on exit: other code imports them as usual.
    """
    import polars  # noqa: F401  # outside the block: polars looks for pandas when it loads

    absent = _Absent(tuple(n for n in _UNUSED_BY_POLARS_API if n not in sys.modules))
    sys.meta_path.insert(0, absent)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        sys.meta_path.remove(absent)


def _pandera() -> Any:
    """pandera's polars API (imported without the packages it does not use)."""
    if "pandera.polars" in sys.modules:
        return sys.modules["pandera.polars"]
    with _polars_only():
        import pandera.polars as pa
    return pa


@functools.cache
def _schemas(max_flow_mgd: float, max_ca_mg_l: float) -> dict[str, Any]:
    """The contracts with these plausibility bounds, built once per process (they were built
    for each of an ingest's 12 files, which took as long as validating its 41,000 pH rows)."""
    import polars as pl

    pa = _pandera()

    flow = [pa.Check.ge(0.0), pa.Check.le(max_flow_mgd)]
    ops_columns = {
        name: pa.Column(pl.Float64, flow, nullable=True)
        for name in (
            "eff_flow_actual_mgd",
            "eff_flow_max_mgd",
            "eff_flow_min_mgd",
            "influent_flow_mgd",
            "bypass_volume_mg",
        )
    }
    return {
        "calcium": pa.DataFrameSchema(
            {
                "plant_id": pa.Column(pl.Utf8, pa.Check.str_matches(r"^[A-Z][A-Z0-9_]*$")),
                "location": pa.Column(pl.Utf8, pa.Check.isin(["upstream", "downstream"])),
                "sample_date": pa.Column(pl.Date),
                "value": pa.Column(pl.Float64, [pa.Check.ge(0.0), pa.Check.le(max_ca_mg_l)]),
                "unit": pa.Column(pl.Utf8, pa.Check.isin(["mg/L"])),
            }
        ),
        "ph": pa.DataFrameSchema(
            {
                "sampled_at": pa.Column(pl.Datetime),
                "value": pa.Column(pl.Float64, [pa.Check.ge(PH_MIN), pa.Check.le(PH_MAX)]),
            }
        ),
        "ops": pa.DataFrameSchema(
            {
                "date": pa.Column(pl.Date),
                **ops_columns,
                "bypass_hours": pa.Column(
                    pl.Float64, [pa.Check.ge(0.0), pa.Check.le(24.0)], nullable=True
                ),
            }
        ),
    }


def _flag(kind: str, column: str, check: str) -> Flag:
    """The flag of a failed check: a pH outside 0–14 is an impossible spike, a null a missing
    value, a failed bound out of range, any other check an invalid value."""
    if (kind, column) == ("ph", "value") and check != "not_nullable":
        return flag(FlagCode.SPIKE)
    if check == "not_nullable":
        return flag(FlagCode.MISSING, column)
    return flag(FlagCode.OUT_OF_RANGE if "than" in check else FlagCode.INVALID, column)


def validate_records(kind: str, records: list[dict[str, Any]], settings: MrvSettings) -> int:
    """Validate every record against the ``kind`` contract; reject failures, adding reasons.

    A column listed in a record's ``_unparsed`` set (it failed to parse and is already a
    reason) is not reported again.

    Args:
        kind: ``calcium``, ``ph`` or ``ops``.
        records: Row dicts (model attributes); failing ones get status ``rejected``.
        settings: Supplies the plausibility bounds.

    Returns:
        The number of records this validation rejected that were not rejected before.
    """
    import polars as pl

    pa = _pandera()
    schema = _schemas(settings.max_plausible_flow_mgd, settings.max_plausible_ca_mg_l)[kind]
    if not records:
        return 0
    columns = list(schema.columns)
    frame = pl.DataFrame(
        {c: [r.get(c) for r in records] for c in columns},
        schema={c: schema.columns[c].dtype.type for c in columns},
    )
    try:
        with _polars_only():  # the first validation registers pandera's check backends
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    else:
        return 0
    rejected = 0
    for case in failures.iter_rows(named=True):
        index, column = case["index"], case["column"]
        if index is None:
            continue
        record = records[int(index)]
        if column in record.get("_unparsed", ()):
            continue
        if record["status"] != RowStatus.REJECTED:
            rejected += 1
        failed = _flag(kind, str(column), case["check"])
        reason = f"{column} {case['failure_case']!s} fails {case['check']}"
        if failed.code is FlagCode.SPIKE:
            reason = f"impossible pH spike {case['failure_case']!s} outside {PH_MIN:g}–{PH_MAX:g}"
        reject(record, reason, failed)
        record.setdefault("_failed_columns", []).append(column)
    return rejected
