"""Sample gold data (every messy case, deterministic), settings, config and CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from weir.cli import app
from weir.core.errors import BadInputError
from weir.core.settings import Settings
from weir.dac.models import parse_config
from weir.dac.sample import generate
from weir.dac.settings import DacSettings

END = datetime(2025, 6, 25, 9, 35, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dac-sample")
    generate(out, days=3, seed=11, end=END)
    return out


def test_sample_has_every_messy_case(sample_dir: Path) -> None:
    readings = pl.read_parquet(sample_dir / "readings" / "**" / "*.parquet")
    assert readings.schema == pl.Schema(
        {
            "timestamp": pl.Datetime("us", "UTC"),
            "metric": pl.String(),
            "value": pl.Float64(),
            "unit": pl.String(),
        }
    )
    assert readings["timestamp"].max() == END
    assert readings["metric"].n_unique() == 9
    minutes = 3 * 1440 - 90  # the gap has no rows at all
    assert readings.unique(["timestamp", "metric"]).height == minutes * 9
    assert readings.height == minutes * 9 + 90  # ten minutes of duplicated rows
    assert readings.filter(pl.col("value").is_nan()).height == 1
    assert readings.filter((pl.col("metric") == "humidity") & (pl.col("value") == 140)).height == 1
    assert (
        readings.filter((pl.col("metric") == "temperature") & (pl.col("value") == -80)).height == 1
    )
    tonnes = readings.filter(pl.col("metric") == "tonnes_removed_total").unique("timestamp")
    assert tonnes.sort("timestamp")["value"].diff().drop_nulls().min() >= 0  # type: ignore[operator]
    storage = readings.filter(pl.col("metric") == "storage_flow")["value"]
    assert storage.quantile(0.5) == 0
    assert 770 < storage.max() < 800
    co2 = readings.filter(pl.col("metric") == "ambient_co2").sort("timestamp")["value"]
    longest = co2.rle().struct.field("len").max()
    assert longest == 180  # the stuck sensor
    late = list((sample_dir / "readings").glob("date=2025-06-24/late-arrival.parquet"))
    assert len(late) == 1
    assert pl.read_parquet(late[0])["timestamp"].dt.hour().unique().to_list() == [3]
    status = pl.read_parquet(sample_dir / "machine_status" / "**" / "*.parquet")
    assert sorted(status["unit_id"].unique()) == ["DAC-01", "DAC-02", "DAC-03", "DAC-04"]
    assert set(status["status"].unique()) == {"running", "idle", "maintenance", "fault"}


def test_sample_is_deterministic(sample_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, days=3, seed=11, end=END)
    for path in sample_dir.rglob("*.parquet"):
        assert (tmp_path / path.relative_to(sample_dir)).read_bytes() == path.read_bytes()


def test_settings_defaults_and_parsing(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    dac = DacSettings()
    assert dac.gold_store(settings).url == f"file://{settings.home}/store/dac/gold"
    assert dac.public_store(settings).url == f"file://{settings.home}/store/dac/public"
    monkeypatch.setenv("WEIR_DAC_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert DacSettings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("WEIR_DAC_CORS_ORIGINS", '["https://c.example"]')
    assert DacSettings().cors_origins == ["https://c.example"]
    monkeypatch.setenv("WEIR_DAC_URL_EXPIRY_SECONDS", "3601")
    with pytest.raises(ValidationError, match="less than or equal to 3600"):
        DacSettings()
    monkeypatch.delenv("WEIR_DAC_URL_EXPIRY_SECONDS")
    monkeypatch.setenv("WEIR_DAC_RATE_LIMIT", "lots")
    with pytest.raises(ValidationError, match="not a rate limit like '100/minute': 'lots'"):
        DacSettings()
    monkeypatch.setenv("WEIR_DAC_RATE_LIMIT", "5/second")
    monkeypatch.setenv("WEIR_DAC_RATE_LIMIT_STORAGE", "mongodb://x")
    with pytest.raises(ValidationError, match="use memory:// or redis://host:port"):
        DacSettings()


def test_signing_secret_generated_once(settings: Settings) -> None:
    first = DacSettings().secret(settings)
    path = settings.home / "dac" / "signing_secret"
    assert len(first) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert DacSettings().secret(settings) == first
    assert DacSettings(signing_secret="s" * 20).secret(settings) == b"s" * 20  # type: ignore[arg-type]


def test_bad_config_names_metric_and_field() -> None:
    with pytest.raises(BadInputError) as caught:
        parse_config(b'{"temperature": {"display_name": "T"}}')
    assert caught.value.field == "temperature.display_unit"
    assert caught.value.file == "config/dac_dashboard_config.json"
    with pytest.raises(BadInputError, match="not JSON"):
        parse_config(b"{")


def test_cli_sample_publish_status(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    out = tmp_path / "gold"
    result = runner.invoke(
        app, ["sample", "dac", "--out", str(out), "--days", "2", "--end", "2025-06-25T09:35Z"]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("WEIR_DAC_GOLD_URL", f"file://{out}")
    result = runner.invoke(app, ["dac", "publish", "--as-of", "2025-06-25T09:40Z", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["as_of"] == "2025-06-25T09:40:00Z"
    assert summary["rows_read"] == (2 * 1440 - 90) * 9 + 90
    assert summary["excluded_duplicate"] == 90
    assert summary["excluded_nan"] == 1
    assert summary["excluded_out_of_range"] == 2
    bad = runner.invoke(app, ["dac", "publish", "--as-of", "yesterday"])
    assert bad.exit_code == 2
    assert "not an ISO 8601 time: 'yesterday'" in bad.output
    result = runner.invoke(app, ["dac", "status", "--json"])
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert state["data_quality"] == "degraded"
    assert state["last_run_status"] == "ok"
    assert state["rows_excluded"] == "93"


def test_demo_publishes_a_fresh_week(settings: Settings, tmp_path: Path) -> None:
    from weir.dac.cli import demo

    figures = demo(settings, tmp_path / "sample")
    gold = DacSettings().gold_store(settings)
    assert (
        figures["gold_files"]
        == len(list(gold.list("")))
        == len(list((tmp_path / "sample").rglob("*.parquet")))
    )
    assert figures["rows_read"] == (7 * 1440 - 90) * 9 + 90
    assert figures["rows_excluded"] == 93
    assert figures["data_quality"] == "degraded"
    public = DacSettings().public_store(settings)
    assert public.exists("data/metadata.csv")


def test_cli_publish_every_runs_the_schedule_loop(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weir.core.runs import history
    from weir.core.storage import Store

    runner = CliRunner()
    out = tmp_path / "gold"
    assert runner.invoke(app, ["sample", "dac", "--out", str(out), "--days", "1"]).exit_code == 0
    monkeypatch.setenv("WEIR_DAC_GOLD_URL", f"file://{out}")
    result = runner.invoke(app, ["dac", "publish", "--every", "1s", "--max-runs", "2", "--json"])
    assert result.exit_code == 0, result.output
    summaries = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert len(summaries) == 2
    assert all(s["data_quality"] in ("good", "degraded") for s in summaries)
    runs = history(Store.from_settings(settings), "dac", "publish")
    assert [run.status for run in runs] == ["ok", "ok"]
    both = runner.invoke(app, ["dac", "publish", "--every", "1h", "--as-of", "2025-01-01T00:00Z"])
    assert both.exit_code == 2
