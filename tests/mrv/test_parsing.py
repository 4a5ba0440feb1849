"""Header detection by content, cell parsing and the per-source parsers (no database)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from tests.mrv.conftest import write_calcium, write_xlsx
from weir.mrv.errors import FileReadError
from weir.mrv.pipeline.step1_ingest.parsers.common import column_letter, parse_date, parse_number
from weir.mrv.pipeline.step1_ingest.parsers.excel.headers import OPS_FIELDS, detect_header
from weir.mrv.pipeline.step1_ingest.sources import lab as ingest_lab
from weir.mrv.pipeline.step1_ingest.sources import ops_a as ingest_ops_a
from weir.mrv.pipeline.step1_ingest.sources import ops_b as ingest_ops_b
from weir.mrv.pipeline.step1_ingest.sources import ph as ingest_ph
from weir.mrv.rules import Flag, FlagCode
from weir.mrv.settings import MrvSettings

REQUIRED = {"date", "eff_flow_actual_mgd"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1)),
        (dt.datetime(2025, 4, 1, 8, 30), dt.date(2025, 4, 1)),
        (45748.0, dt.date(2025, 4, 1)),
        ("45748", dt.date(2025, 4, 1)),
        ("04/01/2025", dt.date(2025, 4, 1)),
        ("2025-04-01", dt.date(2025, 4, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["TOTAL", "31/31/2025", 12.5, True])
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(ValueError, match=r"date|number|serial"):
        parse_date(value)


def test_parse_number() -> None:
    assert parse_number(" 1,234.5 ") == 1234.5
    assert parse_number(3) == 3.0
    assert parse_number("") is None
    with pytest.raises(ValueError, match="not a number: 'n/a'"):
        parse_number("n/a")
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_header_after_title_rows_with_newlines() -> None:
    rows = [
        ["PLANT A"],
        ["Monthly report"],
        [""],
        ["Date", "Effluent\nFlow\n(MGD)", "Max Effluent\nFlow\n(MGD)", "Bypass\nHours"],
        [dt.date(2025, 4, 1), 4.1, 5.0, 0],
    ]
    header = detect_header(rows, OPS_FIELDS, REQUIRED)
    assert header is not None
    assert (header.row_index, header.height, header.data_start) == (3, 1, 4)
    assert header.columns == {
        "date": 0,
        "eff_flow_actual_mgd": 1,
        "eff_flow_max_mgd": 2,
        "bypass_hours": 3,
    }


def test_header_reordered_and_extra_columns_shifted_right() -> None:
    rows = [
        ["", "", "Log"],
        [
            "",
            "Operator",
            "Min Effluent Flow (MGD)",
            "Weather",
            "Date",
            "Effluent Flow (MGD)",
            "Bypass Volume (MG)",
        ],
    ]
    header = detect_header(rows, OPS_FIELDS, REQUIRED)
    assert header is not None
    assert header.row_index == 1
    assert header.columns == {
        "eff_flow_min_mgd": 2,
        "date": 4,
        "eff_flow_actual_mgd": 5,
        "bypass_volume_mg": 6,
    }


def test_two_row_merged_header() -> None:
    rows = [
        ["PLANT B"],
        ["Prepared: 2025-04-02"],
        ["Date", "Effluent", "", "Influent", ""],
        ["", "Flow (MGD)", "Temp (°C)", "Flow (MGD)", "BOD (mg/L)"],
        [dt.date(2025, 3, 1), 6.5, 20.0, 6.8, 200],
    ]
    header = detect_header(rows, OPS_FIELDS, REQUIRED)
    assert header is not None
    assert (header.row_index, header.height, header.data_start) == (2, 2, 4)
    assert header.columns == {"date": 0, "eff_flow_actual_mgd": 1, "influent_flow_mgd": 3}
    assert header.labels[1] == "effluent flow (mgd)"


def test_no_header_found() -> None:
    assert detect_header([["Flow", "Value"], [1, 2]], OPS_FIELDS, REQUIRED) is None


def test_calcium_parser_cleans_messy_values(sample_dir: Path) -> None:
    parsed = ingest_lab.parse(sample_dir / "lab" / "calcium.csv", "lab/calcium.csv", MrvSettings())
    assert len(parsed.records) == 485
    flagged = {
        r["source_row"]: (r["value"], r["flags"], r["status"]) for r in parsed.records if r["flags"]
    }
    assert flagged == {
        87: (pytest.approx(65.6), [Flag(FlagCode.CONVERTED_FROM_G_PER_L, "unit")], "valid"),
        144: (63.1, [Flag(FlagCode.DUPLICATE, "value")], "rejected"),
        336: (0.5, [Flag(FlagCode.BELOW_DETECTION, "value")], "valid"),
    }
    row87 = next(r for r in parsed.records if r["source_row"] == 87)
    assert row87["meta"]["raw_value"] == "0.0656"
    assert row87["meta"]["raw_unit"] == "g/L"


def test_calcium_rejections_keep_the_row(tmp_path: Path) -> None:
    path = write_calcium(
        tmp_path / "c.csv",
        [
            ["S1", "PLANT_A", "upstream", "calcium", "abc", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "-3", "mg/L", "2025-04-01"],
            ["S3", "PLANT_A", "sideways", "calcium", "40", "mg/L", "2025-04-02"],
            ["S4", "PLANT_A", "upstream", "calcium", "41", "mg/L", "2025-04-02"],
            ["S5", "PLANT_A", "upstream", "calcium", "44", "mg/L", "2025-04-02"],
        ],
    )
    parsed = ingest_lab.parse(path, "c.csv", MrvSettings())
    got = [(r["source_row"], r["status"], r["flags"]) for r in parsed.records]
    assert got == [
        (2, "rejected", [Flag(FlagCode.UNPARSEABLE, "value")]),
        (3, "rejected", [Flag(FlagCode.OUT_OF_RANGE, "value")]),
        (4, "rejected", [Flag(FlagCode.INVALID, "location")]),
        (5, "valid", []),
        (6, "rejected", [Flag(FlagCode.CONFLICTING_DUPLICATE, "value")]),
    ]
    assert [f.label for r in parsed.records for f in r["flags"]] == [
        "unparseable_value",
        "out_of_range_value",
        "invalid_location",
        "conflicting_duplicate",
    ]
    assert parsed.records[0]["reject_reason"] == "c.csv row 2, column 'value': not a number: 'abc'"
    assert parsed.records[4]["reject_reason"] == (
        "conflicting duplicate of row 5 (44.0 vs 41.0); first row kept"
    )


def test_calcium_without_header_fails(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(FileReadError, match=r"no header row .*\(file lab/x.csv\)"):
        ingest_lab.parse(path, "lab/x.csv", MrvSettings())


def test_ph_parser_spikes_and_duplicates(sample_dir: Path) -> None:
    parsed = ingest_ph.parse(
        sample_dir / "sensors" / "ph_PHA1.csv", "sensors/ph_PHA1.csv", MrvSettings()
    )
    rejected = [r for r in parsed.records if r["status"] == "rejected"]
    spikes = [r for r in rejected if Flag(FlagCode.SPIKE, "ph") in r["flags"]]
    assert len(parsed.records) == 19830
    assert len(rejected) == 32
    assert [(r["sampled_at"], r["value"]) for r in spikes] == [
        (dt.datetime(2025, 6, 4, 13, 7), 15.2),
        (dt.datetime(2025, 6, 6, 3, 41), 14.9),
    ]
    assert spikes[0]["reject_reason"] == "impossible pH spike 15.2 outside 0–14"
    assert sum(Flag(FlagCode.DUPLICATE, "value") in r["flags"] for r in rejected) == 30
    assert {r["plant_id"] for r in parsed.records} == {"PLANT_A"}


def test_ph_unknown_sensor(tmp_path: Path) -> None:
    path = tmp_path / "ph_X.csv"
    path.write_text("timestamp,sensor_id,ph\n2025-06-01 00:00:00,ZZZ,7.1\n", encoding="utf-8")
    parsed = ingest_ph.parse(path, "ph_X.csv", MrvSettings())
    assert parsed.records[0]["flags"] == [Flag(FlagCode.UNKNOWN_SENSOR)]


def test_plant_a_parser(sample_dir: Path) -> None:
    settings = MrvSettings()
    may = ingest_ops_a.parse(sample_dir / "ops/plant_a/PlantA_Ops_2025-05.xlsx", "m", settings)
    june = ingest_ops_a.parse(sample_dir / "ops/plant_a/PlantA_Ops_2025-06.xlsx", "j", settings)
    assert may.details["header_row"] == 5  # one extra title row in May
    assert june.details["header_row"] == 4
    assert [r["date"] for r in may.records][:2] == [dt.date(2025, 5, 1), dt.date(2025, 5, 2)]
    assert [r["date"] for r in june.records][-1] == dt.date(2025, 6, 30)  # serial numbers
    assert [(s.row, s.reason.split(":")[0]) for s in june.skipped] == [
        (35, "empty row"),
        (36, "notes row"),
    ]
    zero = next(r for r in may.records if r["date"] == dt.date(2025, 5, 19))
    assert zero["eff_flow_actual_mgd"] == 0.0


def test_plant_b_parser(sample_dir: Path) -> None:
    parsed = ingest_ops_b.parse(
        sample_dir / "ops/plant_b/PlantB_Flows_2025-05_REV1.xlsx", "b", MrvSettings()
    )
    assert parsed.details["revision_key"] == "2025-06-20|001|PlantB_Flows_2025-05_REV1.xlsx"
    assert parsed.details["columns"] == {
        "date": "date",
        "eff_flow_actual_mgd": "effluent flow (mgd)",
        "influent_flow_mgd": "influent flow (mgd)",
    }
    reasons = [s.reason for s in parsed.skipped]
    assert reasons[-4:] == [
        "summary row TOTAL",
        "summary row MAX",
        "summary row MIN",
        "summary row AVG",
    ]
    assert reasons.count("empty row") == 4
    assert len(parsed.records) == 31


def test_corrupt_workbook(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(FileReadError, match=r"cannot read workbook.*\(file ops/plant_a/bad.xlsx\)"):
        ingest_ops_a.parse(path, "ops/plant_a/bad.xlsx", MrvSettings())


def test_workbook_without_header_names_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "nohdr.xlsx", [["hello"], ["Date", "Comment"]], sheet="Log")
    with pytest.raises(FileReadError) as info:
        ingest_ops_a.parse(path, "ops/plant_a/nohdr.xlsx", MrvSettings())
    assert info.value.as_dict() == {
        "file": "ops/plant_a/nohdr.xlsx",
        "sheet": "Log",
        "row": None,
        "column": None,
        "message": "no header with a Date and an effluent flow column in the first 30 rows; "
        "sheet Log (file ops/plant_a/nohdr.xlsx)",
    }


def test_bad_cell_names_sheet_row_and_column(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "cell.xlsx",
        [
            ["Date", "Effluent Flow (MGD)"],
            [dt.date(2025, 4, 1), "n/a"],
            ["04/02/2025", 3.0],
            ["junk-date", 2.0],
        ],
        sheet="Daily",
    )
    parsed = ingest_ops_a.parse(path, "cell.xlsx", MrvSettings())
    assert [(r["source_row"], r["status"], r["reject_reason"]) for r in parsed.records] == [
        (
            2,
            "rejected",
            "cell.xlsx sheet Daily row 2, column B (eff_flow_actual_mgd): not a number: 'n/a'",
        ),
        (3, "valid", None),
        (
            4,
            "rejected",
            "cell.xlsx sheet Daily row 4, column A (date): unrecognised date 'junk-date'",
        ),
    ]


def test_corrupt_worksheet_names_the_sheet(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [["Date", "Effluent Flow (MGD)"]], sheet="Daily")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # truncated sheet XML
            zout.writestr(item, data)
    with pytest.raises(FileReadError) as info:
        ingest_ops_a.parse(broken, "ops/plant_a/broken.xlsx", MrvSettings())
    assert info.value.as_dict() == {
        "file": "ops/plant_a/broken.xlsx",
        "sheet": "Daily",
        "row": None,
        "column": None,
        "message": "cannot read worksheet: XmlError: syntax error: tag not closed: `>` not found "
        "before end of input; sheet Daily (file ops/plant_a/broken.xlsx)",
    }


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = write_calcium(
        tmp_path / "c.csv",
        [
            ["S1", "PLANT_A", "upstream", "calcium", "40", "mg/L", "2025-04-01"],
            ["S2", "PLANT_A", "downstream", "calcium", "x" * 200_000, "mg/L", "2025-04-01"],
        ],
    )
    with pytest.raises(FileReadError) as info:
        ingest_lab.parse(path, "lab/calcium.csv", MrvSettings())
    assert info.value.as_dict() == {
        "file": "lab/calcium.csv",
        "sheet": None,
        "row": 3,
        "column": None,
        "message": "malformed CSV: field larger than field limit (131072) "
        "(file lab/calcium.csv, row 3)",
    }


def test_nul_byte_in_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ph_PHA1.csv"
    path.write_bytes(b"timestamp,sensor_id,ph\n2025-04-01 00:00:00,PHA1,7.1\n\x00\x00\n")
    with pytest.raises(FileReadError) as info:
        ingest_ph.parse(path, "sensors/ph_PHA1.csv", MrvSettings())
    assert (info.value.row, info.value.message) == (
        3,
        "binary content (NUL byte) in a CSV file (file sensors/ph_PHA1.csv, row 3)",
    )


@pytest.mark.parametrize(
    "lines",
    [
        # alias labels in another order
        [
            "Plant,Location,Result,Units,Sample Date",
            "PLANT_A,Upstream,40.5,mg/L,2025-04-01",
        ],
        # title rows above, a shifted and reordered header with punctuation and units
        [
            "Riverbend contract lab,,,,,",
            "Report 2025-04,,,,,",
            ",DATE SAMPLED,Concentration (mg/L),units,Sampling-Point,Site",
            ",2025-04-01,40.5,mg/L,UP,plant_a",
        ],
        # snake case and extra columns
        [
            "lab_id,comments,facility,sample_date,position,conc,unit,qc",
            "L1,,PLANT_A,04/01/2025,us,40.5,mg/L,ok",
        ],
    ],
)
def test_calcium_headers_matched_by_content(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "c.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = ingest_lab.parse(path, "c.csv", MrvSettings())
    assert [
        (r["plant_id"], r["location"], r["value"], r["unit"], r["sample_date"], r["status"])
        for r in parsed.records
    ] == [("PLANT_A", "upstream", 40.5, "mg/L", dt.date(2025, 4, 1), "valid")]
    assert parsed.details["header_row"] == len(lines) - 1


def test_pandera_import_does_not_load_pyspark() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from weir.mrv.pipeline.step1_ingest.schemas import _pandera; pa = _pandera(); "
        "print(sorted(m for m in sys.modules if m.startswith('pyspark')), "
        "'pyspark.pandas' in sys.modules, pa.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "False", "pandera.polars"]
