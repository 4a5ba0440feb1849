"""Every forecast setting is documented in docs/forecast.md."""

from __future__ import annotations

from pathlib import Path

from weir.forecast.settings import ForecastSettings

DOCS = Path(__file__).parents[2] / "docs" / "forecast.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        f"WEIR_FORECAST_{name.upper()}"
        for name in ForecastSettings.model_fields
        if f"`WEIR_FORECAST_{name.upper()}`" not in text
    ]
    assert missing == []
