"""MRV level-5 benchmark: what review, locking and statements cost, on SQLite.

Run: ``uv run python benchmarks/mrv_review.py``. The sample (seed 7: 244 plant-days, 8
plant-months) is ingested once; then, each the median of runs in one process:

* storing a calculation: weir's versioned store (``store_results`` + ``sync_reviews``) against
  the peer it replaced, the plain "delete every row, insert every row" of the earlier
  ``run_calculation``, both on the same built results inside one transaction (rolled back);
* a recalculation with every plant-month approved and every number changed (244 new versions,
  8 reviews superseded and 8 opened), the worst case of locking;
* issuing a statement: JSON (build + serialise), CSV, PDF (matplotlib, two pages);
* ``list_reviews`` (8 reviews, totals with the Monte Carlo each) and ``show`` (with the diff).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from loguru import logger
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from weir.core.db import make_engine
from weir.mrv import reviews, service, statement
from weir.mrv.models import MrvResult
from weir.mrv.pipeline.step3_calculate.calculate import build_results
from weir.mrv.pipeline.step3_calculate.versions import store_results
from weir.mrv.pipeline.step4_review.review import sync_reviews
from weir.mrv.sample import generate
from weir.mrv.settings import MrvSettings
from weir.mrv.statement_pdf import render

REPEATS = 5
KEYS = MrvSettings(reviewer_keys={"bench": SecretStr("k")})


def median_s(run: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    logger.remove()
    root = Path(tempfile.mkdtemp(prefix="mrv-review-bench-"))
    generate(root / "sample", 7)
    url = f"sqlite:///{root / 'weir.db'}"
    service.migrate(url)
    engine = make_engine(url)
    service.ingest(engine, root / "sample", KEYS)
    service.calculate(engine, KEYS)
    rows: list[tuple[str, str, str]] = []

    with Session(engine) as session:
        results = build_results(session, KEYS)

    def store(versioned: bool) -> None:
        with Session(engine) as session, session.begin():
            if versioned:
                store_results(session, results)
                sync_reviews(session)
            else:
                session.execute(delete(MrvResult))
                session.execute(insert(MrvResult), results)
            session.rollback()

    versioned = median_s(lambda: store(True))
    plain = median_s(lambda: store(False))
    rows.append(
        ("store 244 results, versioned + review sync (weir)", f"{versioned * 1000:.1f} ms", "")
    )
    rows.append(
        ("store 244 results, delete + insert (earlier weir)", f"{plain * 1000:.1f} ms", "peer")
    )
    rows.append(("versioning overhead", f"{versioned / plain:.2f}×", ""))

    started = time.perf_counter()
    service.calculate(engine, KEYS)
    rows.append(
        (
            "`calculate` unchanged numbers (build + store + QA)",
            f"{(time.perf_counter() - started) * 1000:.0f} ms",
            "1 run",
        )
    )

    for review in reviews.list_reviews(engine, KEYS):
        reviews.decide(engine, KEYS, review["id"], "approved", "bench", "k")
    started = time.perf_counter()
    summary, _ = service.calculate(engine, MrvSettings(mol_co2_per_mol_ca=2.0))
    elapsed = time.perf_counter() - started
    rows.append(
        (
            f"`calculate` all approved, all changed ({summary.new_versions} new versions, "
            f"{len(summary.reviews_superseded)} superseded)",
            f"{elapsed * 1000:.0f} ms",
            "1 run",
        )
    )
    for review in reviews.list_reviews(engine, KEYS, state="pending"):
        reviews.decide(engine, KEYS, review["id"], "approved", "bench", "k")

    def issue() -> dict[str, object]:
        return statement.build(engine, KEYS, "PLANT_B", "2025-05")

    rows.append(
        (
            "statement JSON (build + serialise)",
            f"{median_s(lambda: statement.to_json(issue())) * 1000:.1f} ms",
            "",
        )
    )
    data = statement.build(engine, KEYS, "PLANT_B", "2025-05")
    rows.append(("statement CSV", f"{median_s(lambda: statement.to_csv(data)) * 1000:.2f} ms", ""))
    rows.append(
        (
            "statement PDF (2 pages)",
            f"{median_s(lambda: render(data)) * 1000:.0f} ms",
            f"{len(render(data)) // 1024} KiB",
        )
    )
    rows.append(
        (
            "review list (16 reviews)",
            f"{median_s(lambda: reviews.list_reviews(engine, KEYS)) * 1000:.1f} ms",
            "",
        )
    )
    latest = reviews.list_reviews(engine, KEYS)[0]["id"]
    rows.append(
        (
            "review show (with diff)",
            f"{median_s(lambda: reviews.show(engine, KEYS, latest)) * 1000:.1f} ms",
            "",
        )
    )
    engine.dispose()

    table = Table(title="MRV review and statements (SQLite, sample seed 7; 2 shared cores)")
    for column in ("measurement", "median", "notes"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
