"""PySpark 4.3 warns that it does not fully support pandas >= 3 (the lock has pandas 3.1).

weir silences that warning on ``--engine spark`` (see ``weir.telemetry.pipeline.spark``) because
its Spark path does not use pandas at all. This proves it: the whole ``weir telemetry run
--engine spark`` runs, driver and Python workers, with pandas unimportable, and gives the same
table as the local engine; and the silenced warning is only the import-time probe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.telemetry.known import record, signal, stream_record
from weir.core.settings import Settings
from weir.core.spark import PANDAS_PROBE
from weir.core.storage import Store
from weir.telemetry import service
from weir.telemetry.pipeline import job
from weir.telemetry.pipeline.landing import land
from weir.telemetry.settings import TelemetrySettings

pytestmark = pytest.mark.spark
BLOCKER = 'raise ImportError("pandas is blocked in this test")\n'
QUERY = (
    "select event_id, vehicle_id, Charge_IsCharging, Odometer_TraveledDistance_value, "
    "_rescued_data from car_telemetry_flattened order by event_id"
)


def fill(home: Path) -> Settings:
    settings = Settings(home=home)
    store = Store.from_settings(settings)
    conflict = signal("Charge", "IsCharging", {"value": "on"})
    land(
        {
            "Records": [
                stream_record("1", item=record("e1")),
                stream_record("2", item=record("e2", signals=[conflict])),
            ]
        },
        store,
    )
    return settings


def test_the_spark_engine_runs_without_pandas(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    (blocked / "pandas").mkdir(parents=True)
    (blocked / "pandas" / "__init__.py").write_text(BLOCKER, encoding="utf-8")
    spark_home = tmp_path / "spark-home"
    fill(spark_home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR_")}
    env.update(
        WEIR_HOME=str(spark_home),
        # first on the path of the driver and of every Python worker Spark starts
        PYTHONPATH=os.pathsep.join([str(blocked), env.get("PYTHONPATH", "")]),
        PYSPARK_PYTHON=sys.executable,
    )
    script = (
        "import importlib.util, sys\n"
        "try:\n    import pandas\nexcept ImportError as e:\n    print('blocked:', e)\n"
        "from weir.cli import main\nsys.argv = ['weir', 'telemetry', 'run', '--engine', "
        "'spark', '--json']\nmain()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "blocked: pandas is blocked in this test"
    summary = json.loads(lines[-1])
    assert (summary["engine"], summary["files"], summary["rows_merged"]) == ("spark", 1, 2)

    local = fill(tmp_path / "local-home")
    job.run(Store.from_settings(local), TelemetrySettings(workers=1))
    spark_rows = service.query(Store.from_settings(Settings(home=spark_home)), QUERY)
    assert spark_rows == service.query(Store.from_settings(local), QUERY)
    assert [row["_rescued_data"] is not None for row in spark_rows] == [False, True]


def test_only_the_import_time_probe_is_silenced() -> None:
    import importlib

    from pyspark.sql.pandas.utils import require_minimum_pandas_version

    with warnings.catch_warnings():  # its first import warns; the test reloads it below
        warnings.simplefilter("ignore")
        import pyspark.testing.utils as probe

    def pandas_warnings(silenced: bool, call: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if silenced:
                warnings.filterwarnings(**PANDAS_PROBE)
            call()
        return [str(w.message)[:45] for w in caught if "pandas" in str(w.message)]

    warning = "PySpark does not yet fully support pandas >= "
    assert pandas_warnings(False, lambda: importlib.reload(probe)) == [warning]  # pandas 3
    assert pandas_warnings(True, lambda: importlib.reload(probe)) == []
    assert pandas_warnings(True, require_minimum_pandas_version) == [warning]  # a real use
