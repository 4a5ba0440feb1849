"""``weir dac publish`` on a hand-made gold layer: exact CSVs, pruning, atomicity, retention."""

from __future__ import annotations

import threading
from datetime import timedelta

import orjson
import pytest

from tests.dac import gold as g
from weir.core.runs import last_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.dac.errors import FileTooLargeError, NoDataError
from weir.dac.models import default_config_bytes, widget_bytes
from weir.dac.pipeline.publish import publish
from weir.dac.settings import DacSettings


def text(store: Store, key: str) -> str:
    return store.get(key).decode()


def test_exact_files(settings: Settings, dac: DacSettings, gold: Store, public: Store) -> None:
    result = publish(settings, dac, as_of=g.AS_OF)
    assert text(public, "data/current_snapshot_20250625.csv") == g.SNAPSHOT
    assert text(public, "data/hourly_trends_20250625.csv") == g.TRENDS
    assert text(public, "data/daily_summary_20250625.csv") == g.DAILY
    assert text(public, "data/machine_status_20250625.csv") == g.MACHINES
    assert text(public, "data/metadata.csv") == g.METADATA
    assert public.get("config/dac_dashboard_config.json") == default_config_bytes()
    assert public.get("js/dac_dashboard.js") == widget_bytes()
    assert result.data_quality == "degraded"
    assert result.counts == {
        "rows_read": g.ROWS_READ,
        "files_read": 5,
        "rows_in_window": g.ROWS_READ - 1,
        "rows_excluded": 7,
        "excluded_unknown_metric": 1,
        "excluded_unit_mismatch": 1,
        "excluded_nan": 1,
        "excluded_out_of_range": 2,
        "excluded_duplicate": 2,
        "files_written": 7,
        "pruned": 0,
    }


def test_reads_only_the_needed_partitions(
    settings: Settings, dac: DacSettings, gold: Store
) -> None:
    # 2025-05-01 holds a corrupt file: publishing reads it only if it reads too much
    publish(settings, dac, as_of=g.AS_OF)
    with pytest.raises(Exception, match=r"(?i)parquet"):
        publish(settings, dac, as_of=g.AS_OF.replace(month=5, day=20))


def test_rerun_is_identical_and_recorded(
    settings: Settings, dac: DacSettings, gold: Store, public: Store
) -> None:
    publish(settings, dac, as_of=g.AS_OF)
    first = {meta.path: public.get(meta.path) for meta in public.list("data")}
    publish(settings, dac, as_of=g.AS_OF)
    assert {meta.path: public.get(meta.path) for meta in public.list("data")} == first
    record = last_run(Store.from_settings(settings), "dac", "publish")
    assert record is not None
    assert record.status == "ok"
    assert record.counts["rows_excluded"] == 7
    logs = list(public.list("logs/pipeline"))
    assert len(logs) == 2
    entries = [orjson.loads(line) for line in public.get(logs[-1].path).splitlines()]
    assert [e["message"] for e in entries] == [
        "Pipeline started",
        "Reading from Gold layer",
        "Successfully read Gold data",
        "Writing to public store",
        "Pipeline completed successfully",
    ]
    assert entries[2]["metadata"] == {"row_count": g.ROWS_READ, "files": 5}
    assert {e["run_id"] for e in entries} == {record.run_id}


def test_file_over_the_limit_publishes_nothing(
    settings: Settings, gold: Store, public: Store
) -> None:
    dac = DacSettings(max_file_bytes=2000)
    size = len(default_config_bytes())
    with pytest.raises(FileTooLargeError) as caught:
        publish(settings, dac, as_of=g.AS_OF)
    assert caught.value.message == (
        f"config/dac_dashboard_config.json is {size} bytes, over the 2000-byte limit "
        "(WEIR_DAC_MAX_FILE_BYTES); nothing was published"
    )
    assert list(public.list("data")) == []
    record = last_run(Store.from_settings(settings), "dac", "publish")
    assert record is not None
    assert record.status == "failed"
    assert "over the 2000-byte limit" in (record.error or "")
    (log,) = public.list("logs/pipeline")
    assert b'"Pipeline failed"' in public.get(log.path)


def test_no_data(settings: Settings, dac: DacSettings, public: Store) -> None:
    with pytest.raises(NoDataError, match="no valid reading between 2025-05-27T00:00:00Z"):
        publish(settings, dac, as_of=g.AS_OF)
    assert not public.exists("data/metadata.csv")


def test_retention_prunes_dated_versions(
    settings: Settings, dac: DacSettings, gold: Store, public: Store
) -> None:
    for days in (0, 1, 8):
        publish(settings, dac, as_of=g.AS_OF + timedelta(days=days))
    dated = [
        meta.path.rsplit("_", 1)[-1]
        for meta in public.list("data")
        if meta.path.startswith("data/current_snapshot_")
    ]
    # 20250625 is 8 days before 20250703: past the 7-day retention
    assert dated == ["20250626.csv", "20250703.csv"]
    assert public.exists("data/metadata.csv")
    assert not public.exists("data/hourly_trends_20250625.csv")


def test_a_concurrent_reader_never_sees_a_half_publication(
    settings: Settings, dac: DacSettings, gold: Store, public: Store
) -> None:
    publish(settings, dac, as_of=g.AS_OF)
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            meta = text(public, "data/metadata.csv")
            named = [line.split(",")[1] for line in meta.splitlines() if line.startswith("file_")]
            stamp = meta.splitlines()[1].rsplit(",", 1)[1]
            for key in named:
                body = text(public, key)
                if not body.endswith("\n") or not public.exists(key):
                    problems.append(key)
            snapshot = text(public, named[0])
            if stamp[:10] == "2025-06-26" and "2025-06-26" not in snapshot + stamp:
                problems.append(stamp)
            reads += 1

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for hours in range(1, 25, 3):
            publish(settings, dac, as_of=g.AS_OF + timedelta(hours=hours))
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert reads > 5


def test_edited_config_is_used_and_published(
    settings: Settings, gold: Store, public: Store, tmp_path: object
) -> None:
    from pathlib import Path

    config = orjson.loads(default_config_bytes())
    config["temperature"]["max_valid_value"] = 17.5  # 18, its duplicate and 20 out of range
    path = Path(str(tmp_path)) / "edited.json"
    path.write_bytes(orjson.dumps(config))
    result = publish(settings, DacSettings(config_path=path), as_of=g.AS_OF)
    assert result.counts["excluded_out_of_range"] == 5
    assert result.counts["excluded_duplicate"] == 1
    assert public.get("config/dac_dashboard_config.json") == path.read_bytes()
