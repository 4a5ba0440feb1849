"""Config loading: shipped configs, every problem in one pass with its path, the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from weir.health.cli import app
from weir.health.errors import InvalidConfigError
from weir.health.pipeline.config import load_config, parse_config
from weir.health.settings import CONFIGS

KNOWN = (
    "command, delta_fresh, file_exists, file_fresh, heartbeat, http, json_value, process, "
    "run_fresh, sql, tcp"
)


def test_shipped_configs_are_valid() -> None:
    helicopter = load_config(CONFIGS / "helicopter.yaml").config
    assert len(helicopter.processes) == 8
    assert len(helicopter.checks()) == 5
    assert [p.id for p in helicopter.processes] == [
        "download",
        "extract",
        "parse",
        "compress",
        "store_tsv",
        "spark",
        "algorithms",
        "sql",
    ]
    weir = load_config(CONFIGS / "weir.yaml").config
    assert {p.group for p in weir.processes} == {"telemetry", "mrv", "dac", "forecast", "health"}


def test_every_problem_in_one_pass_with_its_path() -> None:
    text = """
pipeline: {name: P, colour: red}
processes:
  - {id: a, name: A}
  - id: a
    checks:
      - {id: c1, type: file_fresh, path: "x/*", max_age: 2hours}
      - {id: c1, type: teleport}
      - {id: c3, type: http, url: "http://127.0.0.1:1/", bogus: 1, interval: soon}
edges:
  - {from: a, to: nowhere}
  - {from: ghost, to: a, label: x}
"""
    with pytest.raises(InvalidConfigError) as caught:
        parse_config(text, "p.yaml", Path("."))
    assert sorted(caught.value.problems) == sorted(
        [
            "pipeline.colour: unknown field",
            'processes[1].checks[2].interval: invalid duration "soon": use a number with s, m, '
            "h or d (30s)",
            'processes[1].checks[0].max_age: invalid duration "2hours": use a number with s, m, '
            "h or d (30s)",
            f"processes[1].checks[1].type: unknown check type 'teleport'; known: {KNOWN}",
            "processes[1].checks[2].bogus: unknown field",
            "processes: duplicate process id 'a' (2 times)",
            "processes: duplicate check id 'c1' (2 times)",
            "edges[0].to: unknown process 'nowhere'",
            "edges[1].from: unknown process 'ghost'",
        ]
    )
    assert caught.value.message.startswith("p.yaml: 9 problems\n  ")


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(InvalidConfigError) as caught:
        parse_config("pipeline: {name: [\n", "bad.yaml", Path("."))
    assert caught.value.problems[0].startswith("line 2, column 1: not valid YAML")


def test_custom_kind_by_dotted_path_and_bad_path(write_config: Callable[..., Path]) -> None:
    good = {
        "pipeline": {"name": "P"},
        "check_types": {"flag": "tests.health.kinds:Flag", "nope": "tests.health.kinds:Missing"},
        "processes": [
            {"id": "a", "checks": [{"id": "f", "type": "flag", "flag": "up"}]},
            {"id": "b", "checks": [{"id": "n", "type": "nope"}]},
        ],
    }
    with pytest.raises(InvalidConfigError) as caught:
        load_config(write_config(good))
    assert caught.value.problems == [
        "processes[1].checks[0].type: check type 'nope': cannot import "
        "'tests.health.kinds:Missing' (module 'tests.health.kinds' has no attribute 'Missing')"
    ]
    del good["check_types"]["nope"]  # type: ignore[attr-defined]
    good["processes"].pop()  # type: ignore[attr-defined]
    loaded = load_config(write_config(good))
    assert loaded.registry.get("flag").__name__ == "Flag"


def test_validate_cli_exit_codes(write_config: Callable[[dict[str, Any]], Path]) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(CONFIGS / "helicopter.yaml"), "--json"])
    assert ok.exit_code == 0
    assert '"processes":8' in ok.stdout
    assert '"checks":5' in ok.stdout
    bad = write_config(
        {"pipeline": {"name": "P"}, "processes": [{"id": "a", "checks": [{"id": "x"}]}]}
    )
    result = runner.invoke(app, ["validate", str(bad), "--json"])
    assert result.exit_code == 2
    assert '"problems":["processes[0].checks[0].type: Field required"]' in result.stdout
    check = runner.invoke(app, ["check", "--config", str(bad)])
    assert check.exit_code == 2


def test_custom_kind_by_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution on sys.path declaring ``weir.health.checks`` entry points."""
    dist = tmp_path / "heli_checks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: heli-checks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[weir.health.checks]\nflag_file = tests.health.kinds:Flag\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    text = (
        "pipeline: {name: P}\nprocesses:\n"
        "  - {id: a, checks: [{id: f, type: flag_file, flag: up}]}\n"
    )
    loaded = parse_config(text, "p.yaml", tmp_path)
    assert loaded.registry.paths["flag_file"] == "tests.health.kinds:Flag"
    assert loaded.registry.get("flag_file").__name__ == "Flag"
