"""DAC fixtures: settings whose gold and public stores live under the test's WEIR_HOME."""

from __future__ import annotations

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
