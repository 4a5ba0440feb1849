"""The telemetry pipeline steps, one module per step."""
