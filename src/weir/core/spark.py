"""The one way weir gets a SparkSession (telemetry and DAC engines, their tests, benchmarks).

The active session (a cluster's, as on Databricks) is used as it is; otherwise one local session
is created and reused by every system in the process (a session costs ~13 s to start).
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from weir.core.optional import require

#: pyspark 4.3 warns "PySpark does not yet fully support pandas >= 3.0.0" when SparkContext
#: starts: py4j's NumpyArrayConverter imports ``pyspark.testing.utils`` to probe for numpy, and
#: that module checks the pandas version at import. weir's Spark paths never use pandas (paths
#: in, pickled results and Arrow IPC bytes out, through ``mapPartitions``; no pandas UDF, no
#: ``toPandas``): ``tests/telemetry/test_spark_pandas.py`` runs the telemetry job with pandas
#: made unimportable. Only that import-time probe is silenced; a pandas feature of PySpark
#: called elsewhere (``pyspark.sql.pandas``) still warns.
PANDAS_PROBE: dict[str, Any] = {
    "action": "ignore",
    "message": "PySpark does not yet fully support pandas",
    "category": FutureWarning,
    "module": r"pyspark\.testing\.utils",
}


def session(master: str = "local[2]") -> Any:
    """The active SparkSession, else a local one; its session time zone is UTC.

    Raises:
        MissingExtraError: pyspark is not installed (``pip install 'weir[spark]'``).
    """
    spark_sql = require("pyspark.sql")
    warnings.filterwarnings(**PANDAS_PROBE)
    active = spark_sql.SparkSession.getActiveSession()
    if active is None:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        active = (
            spark_sql.SparkSession.builder.master(master)
            .appName("weir")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
    active.conf.set("spark.sql.session.timeZone", "UTC")
    return active
