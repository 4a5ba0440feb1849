"""Vehicle telemetry: DynamoDB stream records → hourly NDJSON landing → flattened Delta table.

Entry points: :func:`weir.telemetry.stream_handler.handler` (AWS Lambda), the ``weir telemetry``
CLI (:mod:`weir.telemetry.cli`) and :func:`weir.telemetry.cli.demo`.
"""
