"""The commands of docs/telemetry.md's "Try it" run as written after `make demo`."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weir.cli import app
from weir.core.settings import Settings
from weir.telemetry.cli import demo

DOC = Path(__file__).parents[2] / "docs" / "telemetry.md"


def documented_commands() -> list[list[str]]:
    """The ``uv run weir …`` lines of the first bash block after "## Try it"."""
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("## Try it") :].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        assert words[:3] == ["uv", "run", "weir"], line
        commands.append(words[3:])
    return commands


def test_try_it_runs_as_written_after_the_demo(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEIR_TELEMETRY_WORKERS", "1")
    monkeypatch.chdir(tmp_path)  # the documented relative --out lands here
    before = demo(settings, settings.home / "samples" / "telemetry")  # what `make demo` ran
    runner = CliRunner()
    outputs = []
    for words in documented_commands():
        result = runner.invoke(app, words)
        assert result.exit_code == 0, (words, result.stdout, result.stderr)
        outputs.append(result.stdout)
    assert [words[:2] for words in documented_commands()] == [
        ["sample", "telemetry"],
        ["telemetry", "replay"],
        ["telemetry", "run"],
        ["telemetry", "status"],
        ["telemetry", "query"],
    ]
    assert "nothing to do" not in outputs[2]  # --seed 8: new events, merged
    rows = json.loads(outputs[4])
    assert len(rows) > before["vehicles"]  # the new sample's fleet joined the demo's
    assert set(rows[0]) == {"vehicle_id", "Odometer_TraveledDistance_value"}
