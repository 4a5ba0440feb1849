"""Plant B flow summaries (``ops/plant_b/*.xlsx``): Load → Clean → Validate → Normalize.

Two-row merged headers (``Effluent`` over ``Flow (MGD)``) are flattened, empty rows and
TOTAL/MAX/MIN/AVG rows are skipped with their reason. Files overlap in time; each carries a
revision key used by :mod:`weir.mrv.pipeline.step1_ingest.precedence`:

    ``<prepared date>|<revision number>|<file name>``

The prepared date is read from a ``Prepared: YYYY-MM-DD`` cell above the header (fallback: the
file's last data date); the revision number from ``Revision N``/``Rev N`` above the header or a
``_REVN`` file-name suffix (default 0). The greatest key wins per date.
"""

from __future__ import annotations

import re
from pathlib import Path

from weir.mrv.pipeline.step1_ingest.parsers.common import ParsedFile, parse_date
from weir.mrv.pipeline.step1_ingest.parsers.excel.ops_table import parse_ops_workbook
from weir.mrv.pipeline.step1_ingest.parsers.excel.reader import read_workbook
from weir.mrv.settings import MrvSettings

PLANT_ID = "PLANT_B"
PREPARED = re.compile(r"prepared\s*(?:on)?\s*:?\s*(\S+)", re.IGNORECASE)
REVISION = re.compile(r"\brev(?:ision)?\.?\s*(\d+)", re.IGNORECASE)


def revision_key(path: Path, title_cells: list[str], last_date: str) -> str:
    """The precedence key of a file from its title cells and name."""
    prepared, revision = "", 0
    for text in title_cells:
        if (match := PREPARED.search(text)) and not prepared:
            try:
                day = parse_date(match.group(1))
                prepared = day.isoformat() if day else ""
            except ValueError:
                pass
        if match := REVISION.search(text):
            revision = max(revision, int(match.group(1)))
    if match := re.search(r"_rev(\d+)", path.stem, re.IGNORECASE):
        revision = max(revision, int(match.group(1)))
    return f"{prepared or last_date}|{revision:03d}|{path.name}"


def parse(path: Path, display: str, settings: MrvSettings) -> ParsedFile:
    """Parse one Plant B workbook into ``plant_operations`` records.

    Raises:
        FileReadError: unreadable workbook or no recognisable header.
    """
    sheets = read_workbook(path, display)
    result = parse_ops_workbook(path, display, PLANT_ID, "ops_b", settings, sheets)
    sheet = next(s for s in sheets if s.name == result.details["sheet"])
    header_at = int(result.details["header_row"]) - sheet.first_row
    titles = [str(c) for row in sheet.rows[:header_at] for c in row if isinstance(c, str) and c]
    key = revision_key(path, titles, result.details.get("period", ["", ""])[1])
    result.details["revision_key"] = key
    for rec in result.records:
        rec["revision_key"] = key
    return result
