"""DAC fixtures: settings whose gold and public stores live under the test's WEIR_HOME."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dac.gold import write_gold
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.dac.settings import DacSettings


@pytest.fixture
def dac(settings: Settings) -> DacSettings:
    """Default DAC settings (gold and public under the isolated store)."""
    return DacSettings()


@pytest.fixture
def gold(settings: Settings, dac: DacSettings) -> Store:
    """The hand-made gold layer, written."""
    store = dac.gold_store(settings)
    write_gold(store)
    return store


@pytest.fixture
def public(settings: Settings, dac: DacSettings) -> Store:
    """The public dashboard store."""
    return dac.public_store(settings)


@pytest.fixture
def published(settings: Settings, dac: DacSettings, gold: Store) -> Store:
    """The hand-made gold layer published at 2025-06-24 and 2025-06-25 (in that order)."""
    from datetime import timedelta

    from tests.dac.gold import AS_OF
    from weir.dac.pipeline.publish import publish

    publish(settings, dac, as_of=AS_OF - timedelta(days=1))
    publish(settings, dac, as_of=AS_OF)
    return dac.public_store(settings)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free port of 127.0.0.1, for the session."""
    import shutil
    import socket
    import subprocess
    import time

    from tests.fixtures.net import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not on PATH: apt-get install -y redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("redis-server did not start within 10 s") from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
