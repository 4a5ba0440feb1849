"""The helicopter sample pipeline's stage files, and a simulator that breaks and mends stages.

:func:`populate` writes what each stage leaves behind (RDF zips, parsed TSV, compressed TSV,
cluster TSV, algorithm results, a SQLite results table) with fresh times. :func:`apply` sets a
scenario: ``0`` all healthy, then one stage failing at a time (stale parse output, compressed
files gone, stale cluster TSV, stale algorithm results, an empty results table).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sqlite3
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCENARIOS = ("healthy", "parse", "compress", "store_tsv", "algorithms", "sql")
ALGORITHMS = ("oil_pressure", "fuel_system", "rotor_vibration", "gearbox_temperature")
PARAMETERS = ("oil_pressure_psi", "fuel_flow_pph", "rotor_rpm", "gearbox_temp_c", "altitude_ft")
STALE = timedelta(hours=3)


def _rdf(flight: str, rng: random.Random) -> str:
    rows = "".join(
        f'  <obs:Sample obs:t="{t}" obs:param="{p}" obs:value="{rng.gauss(100, 15):.2f}"/>\n'
        for t in range(0, 60, 10)
        for p in PARAMETERS
    )
    return (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns:obs="urn:heli:obs">\n <obs:Flight rdf:about="urn:flight:{flight}">\n{rows}'
        " </obs:Flight>\n</rdf:RDF>\n"
    )


def _tsv(flight: str, rng: random.Random) -> str:
    lines = ["flight\tt_s\tparameter\tvalue"]
    for t in range(0, 60, 10):
        for parameter in PARAMETERS:
            lines.append(f"{flight}\t{t}\t{parameter}\t{rng.gauss(100, 15):.2f}")
    return "\n".join(lines) + "\n"


def populate(root: Path, seed: int = 7, flights: int = 6) -> int:
    """Write every stage's files under ``root/data`` with fresh times; returns files written."""
    rng = random.Random(seed)
    data = root / "data"
    folders = ["downloads", "parsed", "compressed", "cluster/tsv", "algorithms"]
    for folder in folders:
        (data / folder).mkdir(parents=True, exist_ok=True)
    written = 0
    for number in range(flights):
        flight = f"H{1000 + number}-{20261120 + number}"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{flight}.rdf", _rdf(flight, rng))
        payload = buffer.getvalue()
        if number == flights - 1:  # messy: a transfer cut short
            payload = payload[: len(payload) // 2]
        (data / "downloads" / f"{flight}.zip").write_bytes(payload)
        table = _tsv(flight, rng)
        (data / "parsed" / f"{flight}.tsv").write_text(table)
        (data / "compressed" / f"{flight}.tsv.gz").write_bytes(gzip.compress(table.encode(), 6))
        (data / "cluster" / "tsv" / f"{flight}.tsv").write_text(table)
        written += 4
    results = []
    for algorithm in ALGORITHMS:
        finding = {"algorithm": algorithm, "flights": flights, "alerts": rng.randint(0, 2)}
        (data / "algorithms" / f"{algorithm}.json").write_text(json.dumps(finding))
        results.append(finding)
        written += 1
    with sqlite3.connect(data / "results.db") as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS algorithm_results"
            " (algorithm TEXT PRIMARY KEY, alerts INTEGER, uploaded_at TEXT)"
        )
        connection.executemany(
            "INSERT OR REPLACE INTO algorithm_results VALUES (?, ?, ?)",
            [(r["algorithm"], r["alerts"], datetime.now(UTC).isoformat()) for r in results],
        )
    return written + 1


def _age(folder: Path, pattern: str, by: timedelta) -> None:
    stamp = time.time() - by.total_seconds()
    for path in folder.glob(pattern):
        os.utime(path, (stamp, stamp))


def apply(root: Path, scenario: int | str, seed: int = 7) -> str:
    """Mend every stage, then break the one `scenario` names; returns the scenario's name."""
    name = scenario if isinstance(scenario, str) else SCENARIOS[scenario % len(SCENARIOS)]
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    populate(root, seed)
    data = root / "data"
    if name == "parse":
        _age(data / "parsed", "*.tsv", STALE)
    elif name == "compress":
        for path in (data / "compressed").glob("*.tsv.gz"):
            path.unlink()
    elif name == "store_tsv":
        _age(data / "cluster" / "tsv", "*.tsv", STALE)
    elif name == "algorithms":
        _age(data / "algorithms", "*.json", STALE)
    elif name == "sql":
        with sqlite3.connect(data / "results.db") as connection:
            connection.execute("DELETE FROM algorithm_results")
    return name
