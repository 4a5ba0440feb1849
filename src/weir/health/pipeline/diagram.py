"""Mermaid flowchart of a pipeline's status (MermaidGenerator of the seed).

Process nodes coloured by status, health-check sensor nodes beside their processes, labelled
edges, groups as subgraphs and a legend. Safe with any names: node ids are synthetic (``p0``,
``c3``, ``g1``) and every label is quoted with each character outside a small safe set written
as a Mermaid entity code (``#34;``), so quotes, ``#…;`` look-alikes, keywords such as ``end``,
brackets and HTML reach the renderer as text. A graph with more processes than the collapse
limit draws each group as one node (its worst status and counts; ungrouped processes too when
they alone pass the limit), and leaves sensors out.
"""

from __future__ import annotations

from collections import defaultdict

from weir.health.models import PipelineConfig, ProcessView, Snapshot, Status
from weir.health.pipeline.status import ORDER

SAFE = frozenset(" _.,:/-+()=@!?%*'")
STYLES = {
    Status.HEALTHY: "fill:#dcfce7,stroke:#15803d,color:#14532d,stroke-width:2px",
    Status.FAILED: "fill:#fee2e2,stroke:#b91c1c,color:#7f1d1d,stroke-width:3px",
    Status.DEGRADED: "fill:#fef3c7,stroke:#b45309,color:#78350f,stroke-width:2px",
    Status.PENDING: "fill:#e0e7ff,stroke:#4338ca,color:#312e81,stroke-width:2px",
    Status.UNKNOWN: "fill:#f3f4f6,stroke:#6b7280,color:#374151,stroke-width:1px",
    Status.MAINTENANCE: "fill:#e0f2fe,stroke:#0369a1,color:#0c4a6e,stroke-dasharray:4 3",
}
MAX_LABEL = 120


def escape(text: str) -> str:
    """A label safe inside Mermaid double quotes: unsafe characters as ``#<code>;``."""
    text = " ".join(str(text).split())[:MAX_LABEL]
    return "".join(c if c.isalnum() or c in SAFE else f"#{ord(c)};" for c in text)


def _label(*parts: str) -> str:
    return '"' + escape(" · ".join(p for p in parts if p)) + '"'


class MermaidGenerator:
    """Turns a config and its snapshot into Mermaid flowchart text.

    Args:
        collapse_over: Above this many processes, groups are drawn as one node each.
        sensors: Draw each check as a sensor node beside its process.
    """

    def __init__(self, collapse_over: int = 60, sensors: bool = True) -> None:
        self.collapse_over = collapse_over
        self.sensors = sensors

    def generate(self, config: PipelineConfig, snapshot: Snapshot | None = None) -> str:
        """The flowchart text."""
        views = {p.id: p for p in snapshot.processes} if snapshot else {}
        collapse = len(config.processes) > self.collapse_over
        lines = [f"flowchart {config.pipeline.direction}"]
        lines += [f"  classDef {status.value} {style}" for status, style in STYLES.items()]
        node_of: dict[str, str] = {}
        groups: dict[str | None, list[int]] = defaultdict(list)
        for index, process in enumerate(config.processes):
            groups[process.group].append(index)
        group_ids = {name: f"g{n}" for n, name in enumerate(g for g in groups if g is not None)}
        body: list[str] = []
        links: list[str] = []
        lone = collapse and len(groups.get(None, [])) > self.collapse_over
        for group, members in groups.items():
            if collapse and (group is not None or lone):
                node = group_ids[group] if group is not None else "g_none"
                statuses = [_status(views.get(config.processes[i].id)) for i in members]
                worst = min(statuses, key=ORDER.index)
                failed = statuses.count(Status.FAILED)
                counts = f"{len(members)} processes" + (f", {failed} failed" if failed else "")
                body.append(f"  {node}[{_label(group or 'ungrouped', counts)}]:::{worst.value}")
                for index in members:
                    node_of[config.processes[index].id] = node
                continue
            indent = "  "
            if group is not None:
                body.append(f"  subgraph {group_ids[group]}[{_label(group)}]")
                indent = "    "
            for index in members:
                process = config.processes[index]
                view = views.get(process.id)
                node = f"p{index}"
                node_of[process.id] = node
                status = _status(view)
                note = ""
                if view is not None and view.root_cause:
                    cause = views.get(view.root_cause)
                    note = f"caused by {cause.name if cause else view.root_cause}"
                body.append(f"{indent}{node}[{_label(process.label, note)}]:::{status.value}")
                if self.sensors and not collapse:
                    for number, check in enumerate(process.checks):
                        sensor = f"c{index}_{number}"
                        check_status = _check_status(view, check.id)
                        body.append(
                            f"{indent}{sensor}{{{{{_label(check.label)}}}}}:::{check_status}"
                        )
                        links.append(f"  {node} -.- {sensor}")
            if group is not None:
                body.append("  end")
        lines += body
        seen: set[tuple[str, str]] = set()
        for edge in config.edges:
            source, target = node_of[edge.source], node_of[edge.target]
            if source == target or (source, target) in seen:
                continue
            seen.add((source, target))
            label = f"|{_label(edge.label)}|" if edge.label and not collapse else ""
            lines.append(f"  {source} -->{label} {target}")
        lines += links
        lines += _legend(config.pipeline.direction)
        return "\n".join(lines) + "\n"


def _status(view: ProcessView | None) -> Status:
    return view.status if view is not None else Status.UNKNOWN


def _check_status(view: ProcessView | None, check_id: str) -> str:
    if view is None:
        return Status.UNKNOWN.value
    for check in view.checks:
        if check.id == check_id:
            return check.status.value
    return Status.UNKNOWN.value


def _legend(direction: str) -> list[str]:
    lines = ['  subgraph legend["Legend"]', f"    direction {direction}"]
    for status in STYLES:
        lines.append(f'    legend_{status.value}["{status.value}"]:::{status.value}')
    lines.append("  end")
    return lines
