"""The sample generator: deterministic, realistic and messy."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import openpyxl

from weir.mrv.sample import generate


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_deterministic_per_seed(sample_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", 7)
    generate(tmp_path / "other", 8)
    assert digest(tmp_path / "again") == digest(sample_dir)
    other = digest(tmp_path / "other")
    assert other.keys() == digest(sample_dir).keys()
    assert other["lab/calcium.csv"] != digest(sample_dir)["lab/calcium.csv"]


def test_layout_and_messy_cases(sample_dir: Path) -> None:
    assert sorted(digest(sample_dir)) == [
        "lab/calcium.csv",
        "ops/plant_a/PlantA_Ops_2025-04.xlsx",
        "ops/plant_a/PlantA_Ops_2025-05.xlsx",
        "ops/plant_a/PlantA_Ops_2025-06.xlsx",
        "ops/plant_b/PlantB_Flows_2025-03.xlsx",
        "ops/plant_b/PlantB_Flows_2025-04.xlsx",
        "ops/plant_b/PlantB_Flows_2025-05.xlsx",
        "ops/plant_b/PlantB_Flows_2025-05_REV1.xlsx",
        "ops/plant_b/PlantB_Flows_2025-06.xlsx",
        "ops/plant_b/PlantB_Flows_2025-07.xlsx",
        "sensors/ph_PHA1.csv",
        "sensors/ph_PHB1.csv",
    ]
    with (sample_dir / "lab/calcium.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["value"] for r in rows if r["value"].startswith("<")] == ["<0.5"]
    assert [r["unit"] for r in rows].count("g/L") == 1
    keyed = [tuple(r.values()) for r in rows]
    assert len(keyed) - len(set(keyed)) == 1
    assert {r["sample_date"] for r in rows} >= {"2025-04-01", "2025-07-31"}
    sheet = openpyxl.load_workbook(sample_dir / "ops/plant_a/PlantA_Ops_2025-04.xlsx").active
    assert sheet is not None
    assert sheet["B4"].value == "Effluent\nFlow\n(MGD)"
    b = openpyxl.load_workbook(sample_dir / "ops/plant_b/PlantB_Flows_2025-03.xlsx").active
    assert b is not None
    assert {str(r) for r in b.merged_cells.ranges} == {"A4:A5", "B4:C4", "D4:E4"}
    assert [b.cell(row=r, column=1).value for r in range(b.max_row - 3, b.max_row + 1)] == [
        "TOTAL",
        "MAX",
        "MIN",
        "AVG",
    ]
    ph = (sample_dir / "sensors/ph_PHB1.csv").read_text(encoding="utf-8").splitlines()
    assert ph[0] == "timestamp,sensor_id,ph,temperature_c"
    assert sum(",15.20," in line for line in ph) == 1
    pha1 = (sample_dir / "sensors/ph_PHA1.csv").read_text(encoding="utf-8").splitlines()
    stamps = sorted(line.split(",")[0].replace("T", " ") for line in pha1[1:] + ph[1:])
    assert (stamps[0], stamps[-1]) == ("2025-04-01 00:00:00", "2025-07-31 23:59:00")
    forwarded = [line for line in ph[1:] if ",PHA1," in line]
    assert len(forwarded) == 120
    in_pha1 = {line.split(",")[0]: line.split(",")[2] for line in pha1[1:]}
    differ = [f for f in forwarded if in_pha1[f.split(",")[0].replace("T", " ")] != f.split(",")[2]]
    assert len(differ) == 10
