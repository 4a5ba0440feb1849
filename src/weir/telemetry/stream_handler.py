"""The AWS Lambda entry point for the DynamoDB stream: ``weir.telemetry.stream_handler.handler``.

Deploy with the handler path ``weir.telemetry.stream_handler.handler``, ``WEIR_STORE_URL`` set to
``s3://bucket/prefix`` and ``FunctionResponseTypes: ["ReportBatchItemFailures"]`` on the event
source mapping (see ``docs/telemetry.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from weir.core.settings import Settings
from weir.core.storage import Store
from weir.telemetry.pipeline.landing import land


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, list[dict[str, str]]]:
    """Land a DynamoDB Streams batch; return the partial batch response.

    Args:
        event: The Lambda event (``{"Records": [...]}``).
        context: The Lambda context (unused).

    Returns:
        ``{"batchItemFailures": [{"itemIdentifier": SequenceNumber}, ...]}`` for the records
        that went to the dead letter prefix.
    """
    store = Store.from_settings(Settings())
    result = land(event, store)
    log = logger.bind(system="telemetry", step="land")
    log.info(
        "landed {} records ({} tombstones) to {}; {} dead-lettered",
        result.landed,
        result.tombstones,
        result.path,
        len(result.failures),
    )
    return result.response()
