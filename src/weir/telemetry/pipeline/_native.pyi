"""Types of the native flatten path (``_native.pyx``, compiled by ``hatch_build.py``)."""

from types import ModuleType
from typing import Any

from weir.telemetry.pipeline.columns import Columns

def bind(flatten: ModuleType) -> None: ...
def record(
    columns: Columns, row: int, record: Any, source_file: str, processed_at: int
) -> None: ...
