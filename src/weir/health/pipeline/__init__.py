"""The health pipeline: config loading, checks, rounds, status, history, alerts, diagram."""
