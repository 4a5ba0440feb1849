"""``weir sample health``: the helicopter sample pipeline's stage files and its config."""

from __future__ import annotations

import shutil
from pathlib import Path

from weir.core.cli import SampleSummary
from weir.health.settings import CONFIGS


def sample(out: Path, seed: int) -> SampleSummary:
    """Write the helicopter pipeline's stage files and ``helicopter.yaml`` next to them.

    Relative paths in the config resolve against its folder, so ``weir health check --config
    OUT/helicopter.yaml`` checks these files; ``weir health simulate --root OUT`` breaks and
    mends stages.
    """
    from weir.health.pipeline.simulate import populate

    out.mkdir(parents=True, exist_ok=True)
    files = populate(out, seed)
    shutil.copyfile(CONFIGS / "helicopter.yaml", out / "helicopter.yaml")
    return SampleSummary(
        root=out,
        files=files + 1,
        messy={"truncated RDF zip (a transfer cut short)": 1},
        figures={"stages": 8, "checks": 5, "config": str(out / "helicopter.yaml")},
    )
