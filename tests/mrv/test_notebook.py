"""notebooks/mrv_eda.ipynb runs top to bottom (nbclient, a real kernel) against the sample
database, on a read-only connection: it never rots, and it never writes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from weir.core.db import make_engine
from weir.mrv import reviews, service
from weir.mrv.settings import MrvSettings

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "mrv_eda.ipynb"


def outputs(cell: dict[str, object]) -> str:
    return "".join(str(o.get("text", "")) for o in cell["outputs"])  # type: ignore[attr-defined]


@pytest.mark.slow
def test_notebook_executes_read_only(
    sample_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    url = f"sqlite:///{tmp_path / 'weir.db'}"
    shutil.copyfile(sample_sqlite, tmp_path / "weir.db")
    engine = make_engine(url)
    keys = MrvSettings(reviewer_keys={"ada": "k"})  # type: ignore[dict-item]
    reviews.decide(engine, keys, 2, "approved", "ada", "k", "ok")  # PLANT_A 2025-05
    rows = service.results(engine)
    monthly = service.totals(rows, MrvSettings(), by_month=True)
    engine.dispose()
    before = hashlib.sha256((tmp_path / "weir.db").read_bytes()).hexdigest()

    monkeypatch.setenv("WEIR_DATABASE_URL", url)
    monkeypatch.setenv("WEIR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()

    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not any(o.get("output_type") == "error" for o in c.outputs) for c in code)
    text = [outputs(c) for c in code]
    assert text[1].startswith("database: sqlite:///")
    assert text[2] == "read-only: write refused: OperationalError\n"
    ca = [line.split() for line in text[3].splitlines()]
    assert ca[0] == ["days", "upstream_mean", "downstream_mean", "delta_mean", "delta_le_0"]
    assert [r[0] for r in ca[2:]] == ["PLANT_A", "PLANT_B"]
    assert [(r[1], r[5]) for r in ca[2:]] == [("121", "2"), ("122", "1")]  # paired days, Δ ≤ 0
    flow = [line.split() for line in text[4].splitlines()]
    assert [r[:2] for r in flow[2:]] == [["PLANT_A", "90"], ["PLANT_B", "152"]]
    ph = [line.split() for line in text[5].splitlines()]
    assert ph[2:] == [["PLANT_A", "122", "14", "11.27"], ["PLANT_B", "122", "15", "11.88"]]
    flags = {
        r[0]: [int(n) for n in r[1:]] for r in (line.split() for line in text[6].splitlines()[2:])
    }
    assert flags == {
        flag: [
            sum(r["quality_flag"] == flag and r["plant_id"] == p for r in rows)
            for p in ("PLANT_A", "PLANT_B")
        ]
        for flag in sorted({r["quality_flag"] for r in rows})
    }
    assert flags["VALID"] == [85, 119]
    assert [line.split() for line in text[7].splitlines()[1:]] == [
        [
            t["plant_id"],
            t["period"],
            str(t["days_valid"]),
            f"{t['co2_t']:.3f}",
            f"{t['conservative_t']:.3f}",
        ]
        for t in monthly
    ]
    assert [line.split() for line in text[8].splitlines()[2:]] == [
        ["2025-04", "pending", "pending"],
        ["2025-05", "approved", "pending"],
        ["2025-06", "pending", "pending"],
        ["2025-07", "pending", "pending"],
    ]
    after = hashlib.sha256((tmp_path / "weir.db").read_bytes()).hexdigest()
    assert after == before
