"""The Spark engine: the same flattening, distributed by PySpark over landed file paths.

Each Spark task reads whole files through the store and calls
:func:`~weir.telemetry.pipeline.engine.flatten_paths` (the one flattening implementation); the
per-batch Arrow tables come back to the driver as Arrow IPC bytes and the job merges them
through the core table helper, exactly as with the local engine. pyspark is imported here only,
and this module only when the spark engine is asked for
(:func:`~weir.telemetry.pipeline.engines.make_engine`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pyarrow as pa

from weir.core.errors import BadInputError
from weir.core.spark import session
from weir.core.storage import Store, StoreSpec
from weir.telemetry.models import Kind
from weir.telemetry.pipeline.engine import Engine, batches, flatten_paths
from weir.telemetry.pipeline.flatten import FileResult
from weir.telemetry.settings import TelemetrySettings


def _flatten_partition(
    rows: Iterator[tuple[int, str]],
    spec: StoreSpec,
    processed_at: int,
    kinds: dict[str, Kind],
    native: bool,
) -> Iterator[tuple[int, bytes, bytes]]:
    store = spec.open()
    indexed = list(rows)
    start = 0
    for batch in batches([path for _, path in indexed], 1):
        result = flatten_paths(store, batch, processed_at, kinds, native)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, result.table.schema) as writer:
            writer.write_table(result.table)
        result.table = pa.table({})
        yield indexed[start][0], pickle.dumps(result), sink.getvalue().to_pybytes()
        start += len(batch)


class SparkEngine(Engine):
    """Flattening distributed by Spark (local mode here, a cluster in production).

    Args:
        settings: The telemetry settings (the Spark engine has no options of its own yet).
        spark: A SparkSession to use; by default a local one is created (and reused).
    """

    name: ClassVar[str] = "spark"

    def __init__(self, settings: TelemetrySettings | None = None, spark: Any = None) -> None:
        self.settings = settings or TelemetrySettings()
        self._spark = spark

    def start(self) -> None:
        """Start (or find) the SparkSession now: it takes seconds."""
        self._spark = self._spark or session()

    def close(self) -> None:
        """Nothing to release: the session outlives the engine (it is costly to start)."""

    def flatten(
        self,
        store: Store,
        paths: Sequence[str],
        *,
        processed_at: int,
        established: Mapping[str, Kind],
    ) -> list[FileResult]:
        """Flatten `paths` on Spark; results come back in the order of `paths`."""
        if store.scheme == "memory":
            raise BadInputError("the spark engine needs a file:// or s3:// store")
        if not paths:
            return []
        self.start()
        context = self._spark.sparkContext
        spec, kinds, native = store.spec, dict(established), self.settings.native
        slices = max(1, min(len(paths), context.defaultParallelism * 4))
        rdd = context.parallelize(list(enumerate(paths)), slices)
        collected = rdd.mapPartitions(
            lambda rows: _flatten_partition(rows, spec, processed_at, kinds, native)
        ).collect()
        results = []
        for _, meta, ipc in sorted(collected, key=lambda item: item[0]):
            result: FileResult = pickle.loads(meta)
            result.table = pa.ipc.open_stream(ipc).read_all()
            results.append(result)
        return results
