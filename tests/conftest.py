"""Fixtures every system's tests use, one plugin module per topic under ``tests/fixtures``."""

pytest_plugins = [
    "tests.fixtures.stores",
    "tests.fixtures.postgres",
    "tests.fixtures.browser",
    "tests.fixtures.servers",
]
