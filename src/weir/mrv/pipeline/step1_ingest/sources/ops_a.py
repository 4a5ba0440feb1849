"""Plant A monthly operating reports (``ops/plant_a/*.xlsx``): Load → Clean → Validate → Normalize.

Title rows sit above a one-row header whose labels hold newlines (``Effluent\\nFlow\\n(MGD)``);
columns are found by content (see :mod:`weir.mrv.pipeline.step1_ingest.parsers.excel.headers`),
dates may be date cells, text or serial numbers, and a trailing notes row is skipped with its
reason.
"""

from __future__ import annotations

from pathlib import Path

from weir.mrv.pipeline.step1_ingest.parsers.common import ParsedFile
from weir.mrv.pipeline.step1_ingest.parsers.excel.ops_table import parse_ops_workbook
from weir.mrv.settings import MrvSettings

PLANT_ID = "PLANT_A"


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one Plant A workbook into ``plant_operations`` records.

    Raises:
        FileReadError: unreadable workbook or no recognisable header.
    """
    result = parse_ops_workbook(path, display, PLANT_ID, "ops_a", settings)
    period = result.details.get("period", ["", ""])
    result.details["revision_key"] = f"{period[1]}|000|{path.name}"
    for rec in result.records:
        rec["revision_key"] = result.details["revision_key"]
    return result
