"""The MRV CLI's machine-readable outputs on the sample, compared byte for byte with golden files.

The golden files in ``tests/mrv/golden`` were written by the code before the typed rules
(enums, flags stored as codes) and the pipeline's arrangement by step: a change inside the
pipeline that alters a figure, a finding or its wording fails here. Only the ingest batch id
(a fresh UUID per run) is blanked. Tables are left out: their layout depends on the terminal.

To rewrite the files after an intended change:
``MRV_WRITE_GOLDEN=1 pytest tests/mrv/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.core.settings import Settings
from weir.mrv import service
from weir.mrv.cli import app
from weir.mrv.sample import generate

GOLDEN = Path(__file__).parent / "golden"
#: (golden file, CLI arguments after ``weir mrv``), in the order they run.
COMMANDS = (
    ("ingest.json", ("ingest", "{sample}", "--json")),
    ("calculate.json", ("calculate", "--json")),
    ("report.json", ("report", "--json")),
    ("report.csv", ("report", "--format", "csv")),
    ("report_totals.json", ("report", "--totals", "--json")),
    ("report_by_month.json", ("report", "--totals", "--by-month", "--json")),
    ("qa.json", ("qa", "--json")),
)


def _stable(name: str, out: str) -> str:
    if name == "ingest.json":
        data = json.loads(out)
        data["batch_id"] = ""
        return json.dumps(data, indent=1) + "\n"
    return out


@pytest.mark.slow
def test_cli_outputs_match_the_golden_files(settings: Settings, tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    generate(sample, 7)
    service.migrate(settings.database_url)
    runner = CliRunner()
    write = os.environ.get("MRV_WRITE_GOLDEN") == "1"
    for name, args in COMMANDS:
        result = runner.invoke(app, [a.replace("{sample}", str(sample)) for a in args])
        assert result.exit_code == 0, (name, result.output)
        got = _stable(name, result.stdout)
        if write:
            (GOLDEN / name).write_text(got, encoding="utf-8")
        assert got == (GOLDEN / name).read_text(encoding="utf-8"), name
