"""The Spark engine: the same flattening, distributed by PySpark over landed file paths.

Each Spark task reads whole files through the store and calls
:func:`~weir.telemetry.pipeline.engines.flatten_paths` (the one flattening implementation); the
per-batch Arrow tables come back to the driver as Arrow IPC bytes and the job merges them
through the core table helper, exactly as with the local engine. pyspark is imported here only.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from weir.core.errors import BadInputError
from weir.core.settings import Settings
from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.flatten import FileResult

#: pyspark 4.3 warns "PySpark does not yet fully support pandas >= 3.0.0" when SparkContext
#: starts: py4j's NumpyArrayConverter imports ``pyspark.testing.utils`` to probe for numpy, and
#: that module checks the pandas version at import. weir's Spark path never uses pandas (paths
#: in, pickled results and Arrow IPC bytes out, through ``mapPartitions``; no DataFrame, no
#: pandas UDF, no ``toPandas``): ``tests/telemetry/test_spark_pandas.py`` runs it with pandas
#: made unimportable. Only that import-time probe is silenced; a pandas feature of PySpark
#: called elsewhere (``pyspark.sql.pandas``) still warns.
PANDAS_PROBE: dict[str, Any] = {
    "action": "ignore",
    "message": "PySpark does not yet fully support pandas",
    "category": FutureWarning,
    "module": r"pyspark\.testing\.utils",
}


def session(master: str = "local[2]") -> Any:
    """The active SparkSession (a cluster's, as on Databricks) used as it is, else a local one."""
    import warnings

    from weir.core.optional import require

    SparkSession = require("pyspark.sql").SparkSession

    warnings.filterwarnings(**PANDAS_PROBE)

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("weir-telemetry")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )


def _flatten_partition(
    rows: Iterator[tuple[int, str]],
    spec: StoreSpec,
    processed_at: int,
    kinds: dict[str, Kind],
) -> Iterator[tuple[int, bytes, bytes]]:
    from weir.telemetry.pipeline.engines import batches, flatten_paths

    store = spec.open()
    indexed = list(rows)
    start = 0
    for batch in batches([path for _, path in indexed], 1):
        result = flatten_paths(store, batch, processed_at, kinds)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, result.table.schema) as writer:
            writer.write_table(result.table)
        result.table = pa.table({})
        yield indexed[start][0], pickle.dumps(result), sink.getvalue().to_pybytes()
        start += len(batch)


class SparkEngine:
    """Flattening distributed by Spark (local mode here, a cluster in production).

    Args:
        spark: A SparkSession to use; by default a local one is created (and reused).
    """

    name = "spark"

    def __init__(self, spark: Any = None) -> None:
        self._spark = spark

    def close(self) -> None:
        """Nothing to release: the session outlives the engine (it is costly to start)."""

    def flatten(
        self,
        store: Store,
        settings: Settings,
        paths: Sequence[str],
        processed_at: int,
        established: Mapping[str, Kind],
    ) -> list[FileResult]:
        """Flatten `paths` on Spark; results come back in the order of `paths`."""
        if store.scheme == "memory":
            raise BadInputError("the spark engine needs a file:// or s3:// store")
        if not paths:
            return []
        spark = self._spark or session()
        self._spark = spark
        context = spark.sparkContext
        spec, kinds = store.spec, dict(established)
        slices = max(1, min(len(paths), context.defaultParallelism * 4))
        rdd = context.parallelize(list(enumerate(paths)), slices)
        collected = rdd.mapPartitions(
            lambda rows: _flatten_partition(rows, spec, processed_at, kinds)
        ).collect()
        results = []
        for _, meta, ipc in sorted(collected, key=lambda item: item[0]):
            result: FileResult = pickle.loads(meta)
            result.table = pa.ipc.open_stream(ipc).read_all()
            results.append(result)
        return results
