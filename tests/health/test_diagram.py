"""The Mermaid generator with hostile names, rendered by real renderers (mmdr in process,
mermaid 11 in Chromium); collapse of large graphs; the SVG cache."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from weir.health.models import CheckResult, PipelineConfig
from weir.health.pipeline.diagram import MermaidGenerator, escape
from weir.health.pipeline.render import ChromiumRenderer, SvgCache, render_mmdr
from weir.health.pipeline.status import StatusTracker

HOSTILE = [
    'end "quoted" #quot; #35;',
    "<script>alert(1)</script> & <b>bold</b>",
    "brackets [a] {b} (c) ((d)) >e] |pipe|",
    "arrows --> -.-> ==> %% comment ; semi",
    "subgraph end click call style classDef",
    "newline\nand\ttab `backtick` \\ back",
    "unicode: Ωmega 日本語 🚁",
]


def hostile_config(count: int = len(HOSTILE), groups: int = 3) -> PipelineConfig:
    processes: list[dict[str, Any]] = []
    for index in range(count):
        name = HOSTILE[index % len(HOSTILE)]
        processes.append(
            {
                "id": f"end {index}" if index % 2 else f'p"{index}',
                "name": name,
                "group": HOSTILE[index % groups] if index % 3 else None,
                "checks": [{"id": f"check {index}", "name": name, "type": "tcp"}],
            }
        )
    edges = [
        {"from": processes[i]["id"], "to": processes[i + 1]["id"], "label": HOSTILE[i % 7]}
        for i in range(count - 1)
    ]
    return PipelineConfig.model_validate(
        {"pipeline": {"name": "hostile"}, "processes": processes, "edges": edges}
    )


def texts(svg: str) -> str:
    """Every text content of an SVG, unescaped, joined by spaces."""
    return html.unescape(" ".join(re.findall(r">([^<>]+)<", svg)))


def test_escape_turns_every_unsafe_character_into_an_entity_code() -> None:
    assert escape('a"b#c;<d>') == "a#34;b#35;c#59;#60;d#62;"
    assert escape("two\nlines") == "two lines"
    assert escape("Ωmega 日本") == "Ωmega 日本"


def test_generator_uses_synthetic_ids_groups_and_legend() -> None:
    config = hostile_config()
    now = datetime.now(UTC)
    results = [
        CheckResult(check_id=c.id, process_id=p.id, type="tcp", ok=i != 2, message="m",
                    duration_ms=1, checked_at=now)
        for i, (p, c) in enumerate(config.checks())
    ]  # fmt: skip
    text = MermaidGenerator().generate(config, StatusTracker().update(config, results))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    script = "#60;script#62;alert(1)#60;/script#62; #38; #60;b#62;bold#60;/b#62;"
    assert f'  subgraph g0["{script}"]' in lines
    brackets = "brackets #91;a#93; #123;b#125; (c) ((d)) #62;e#93; #124;pipe#124;"
    assert f'    p2["{brackets}"]:::failed' in lines
    assert "    c2_0{{" in text
    assert "  p2 -.- c2_0" in lines
    assert '  subgraph legend["Legend"]' in lines
    assert '    legend_failed["failed"]:::failed' in lines
    assert "end 1" not in text  # ids never reach the text
    assert "<script>" not in text


def test_hostile_names_render_with_mmdr() -> None:
    text = MermaidGenerator().generate(hostile_config())
    shown = "".join(texts(render_mmdr(text)).split())  # wrapping splits lines anywhere
    for name in HOSTILE:
        assert "".join(name.split()) in shown, name


@pytest.mark.browser
def test_hostile_and_large_graphs_render_with_mermaid_in_chromium() -> None:
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("chromium not on PATH: apt-get install -y chromium")
    renderer = ChromiumRenderer()
    try:
        shown = texts(renderer.render(MermaidGenerator().generate(hostile_config())))
        assert "<script>alert(1)</script> & <b>bold</b>" in shown
        assert 'end "quoted" #quot; #35;' in shown
        big = hostile_config(count=300, groups=7)
        full = MermaidGenerator(collapse_over=1000, sensors=False).generate(big)
        assert renderer.render(full).startswith("<svg")
        collapsed = MermaidGenerator(collapse_over=60).generate(big)
        assert collapsed.count("\n") < 60
        assert "ungrouped · 100 processes" in texts(renderer.render(collapsed))
        with pytest.raises(Exception, match="Parse error"):
            renderer.render("flowchart LR\n  a --> end\n")
    finally:
        renderer.close()


def test_large_graph_collapses_into_groups_mmdr_can_draw() -> None:
    big = hostile_config(count=300, groups=7)
    text = MermaidGenerator(collapse_over=60).generate(big)
    with pytest.raises(ValueError, match="max_layout_work_units"):  # mmdr's limit
        render_mmdr(MermaidGenerator(collapse_over=1000).generate(big))
    assert render_mmdr(text).startswith("<svg")
    groups = [line for line in text.splitlines() if re.match(r"  g(\d+|_none)\[", line)]
    assert len(groups) == 8  # 7 groups and the 100 ungrouped processes
    assert sum(int(m) for m in re.findall(r"#183; (\d+) processes", text)) == 300


def test_svg_cache_serves_without_waiting(tmp_path: Path) -> None:
    cache = SvgCache("mmdr")
    try:
        text = MermaidGenerator().generate(hostile_config())
        svg, renderer, fresh = cache.get(text, lambda: "<svg>fallback</svg>")
        assert (svg, renderer, fresh) == ("<svg>fallback</svg>", "fallback", False)
        cache.submit(text)
        assert cache.wait(text, 30)
        svg, renderer, fresh = cache.get(text, lambda: "unused")
        assert (renderer, fresh) == ("mmdr", True)
        assert svg.startswith("<svg")
        other = text.replace("hostile", "other") + "  %% changed\n"
        stale = cache.get(other, lambda: "unused")
        assert stale == (svg, "mmdr", False)  # the last render, marked stale
    finally:
        cache.close()
    none = SvgCache("none")
    none.submit("flowchart LR\n a --> b\n")
    assert none.get("flowchart LR\n a --> b\n", lambda: "<svg/>") == ("<svg/>", "fallback", False)
