"""The Spark engine: the same flattening, distributed by PySpark over landed file paths.

Each Spark task reads whole files through the store and calls
:func:`~weir.telemetry.pipeline.engines.flatten_paths` (the one flattening implementation); the
per-batch Arrow tables come back to the driver as Arrow IPC bytes and the job merges them
through the core table helper, exactly as with the local engine. pyspark is imported here only.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from weir.core.errors import BadInputError
from weir.core.settings import Settings
from weir.core.spark import session
from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.flatten import FileResult


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
