"""Each check kind against real parts: files, a store, a Delta table, run records, SQLite and
PostgreSQL, an HTTP server, a TCP port, processes, commands and heartbeats."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from weir.core.runs import record_run
from weir.core.settings import Settings
from weir.core.storage import Store
from weir.health.models import CheckSpec
from weir.health.pipeline.checks.base import CheckContext, Outcome, Registry
from weir.health.pipeline.config import parse_config
from weir.health.pipeline.runner import Runner


def run_check(settings: Settings, base: Path, check: dict[str, Any], push: Any = None) -> Outcome:
    """Run one check through the runner, as a round would."""
    import yaml

    text = yaml.safe_dump(
        {"pipeline": {"name": "T"}, "processes": [{"id": "p", "checks": [check]}]}
    )
    loaded = parse_config(text, "t.yaml", base)
    context = CheckContext(settings, base, push or (lambda _id: None))
    runner = Runner(context, 4, 5.0)
    try:
        [result] = runner.run_round(loaded)
    finally:
        runner.close()
    return Outcome(result.ok, result.message)


def age(path: Path, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_file_exists_and_fresh_on_local_globs(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "data" / "parsed"
    folder.mkdir(parents=True)
    spec = {"id": "c", "type": "file_fresh", "path": "data/parsed/*.tsv", "max_age": "2h"}
    assert run_check(settings, tmp_path, spec) == Outcome(
        False, "0 files match data/parsed/*.tsv (need 1)"
    )
    (folder / "a.tsv").write_text("x\n")
    (folder / "b.tsv").write_text("yy\n")
    age(folder / "a.tsv", 3 * 3600)
    age(folder / "b.tsv", 3 * 3600 + 60)
    assert run_check(settings, tmp_path, spec) == Outcome(False, "newest a.tsv is 3h old (max 2h)")
    age(folder / "b.tsv", 30)
    assert run_check(settings, tmp_path, spec) == Outcome(True, "newest b.tsv is 30s old")
    exists = {"id": "c", "type": "file_exists", "path": "data/**/*.tsv", "max_count": 1}
    assert run_check(settings, tmp_path, exists) == Outcome(
        False, "2 files match data/**/*.tsv (max 1)"
    )
    size = {"id": "c", "type": "file_exists", "path": str(folder / "*.tsv"), "max_bytes": 2}
    assert run_check(settings, tmp_path, size) == Outcome(False, "b.tsv is 3 bytes (max 2)")


def test_files_in_the_store_and_by_url(settings: Settings, tmp_path: Path) -> None:
    store = Store.from_settings(settings)
    store.put("dac/public/data/current_snapshot_20261126.csv", b"timestamp,metric,value,unit\n")
    spec = {
        "id": "c",
        "type": "file_fresh",
        "path": "store:dac/public/data/current_snapshot_*.csv",
        "max_age": "2h",
    }
    outcome = run_check(settings, tmp_path, spec)
    assert outcome.ok
    assert outcome.message.startswith("newest current_snapshot_20261126.csv is ")
    by_url = {**spec, "path": f"{store.url}/dac/public/data/*.csv"}
    assert run_check(settings, tmp_path, by_url).ok
    missing = {**spec, "path": "store:dac/public/data/none_*.csv"}
    assert run_check(settings, tmp_path, missing) == Outcome(
        False, "0 files match store:dac/public/data/none_*.csv (need 1)"
    )


def test_json_value_bounds(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "inventory.json").write_text('{"cost": {"monthly_usd": 61.5}}')
    spec = {"id": "c", "type": "json_value", "path": "inventory.json", "field": "cost.monthly_usd"}
    assert run_check(settings, tmp_path, {**spec, "max": 50}) == Outcome(
        False, "cost.monthly_usd = 61.5 (max 50)"
    )
    assert run_check(settings, tmp_path, {**spec, "max": 100}) == Outcome(
        True, "cost.monthly_usd = 61.5"
    )
    assert run_check(settings, tmp_path, {**spec, "field": "cost.x"}) == Outcome(
        False, "cost.x missing in inventory.json"
    )


def test_delta_fresh_reads_the_last_commit(settings: Settings, tmp_path: Path) -> None:
    import pyarrow as pa

    from weir.core.tables import Table

    spec = {"id": "c", "type": "delta_fresh", "table": "t/events", "max_age": "1h"}
    missing = run_check(settings, tmp_path, spec)
    assert not missing.ok
    Table(Store.from_settings(settings), "t/events").append(pa.table({"x": [1, 2, 3]}))
    outcome = run_check(settings, tmp_path, spec)
    assert outcome.ok
    assert outcome.message.startswith("version 0, last commit ")
    assert outcome.message.endswith(" ago, 3 rows")


def test_run_fresh_reads_run_records(settings: Settings, tmp_path: Path) -> None:
    store = Store.from_settings(settings)
    spec = {"id": "c", "type": "run_fresh", "system": "mrv", "step": "ingest", "max_age": "26h"}
    assert run_check(settings, tmp_path, spec) == Outcome(False, "mrv/ingest never ran")
    with record_run(store, "mrv", "ingest") as run:
        run.counts["files"] = 3
    assert run_check(settings, tmp_path, spec) == Outcome(True, "mrv/ingest ok 0s ago")
    with pytest.raises(ValueError, match="unreadable"), record_run(store, "mrv", "ingest"):
        raise ValueError("lab file unreadable")
    assert run_check(settings, tmp_path, spec) == Outcome(
        False, "mrv/ingest failed 0s ago: ValueError: lab file unreadable"
    )


def test_sql_on_sqlite(settings: Settings, tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "r.db") as connection:
        connection.execute("CREATE TABLE results (n INTEGER)")
        connection.execute("INSERT INTO results VALUES (4)")
    spec = {
        "id": "c",
        "type": "sql",
        "url": "sqlite:///r.db",
        "query": "SELECT n FROM results",
        "expect": 5,
        "compare": "ge",
    }
    assert run_check(settings, tmp_path, spec) == Outcome(False, "got 4, expected ≥ 5")
    assert run_check(settings, tmp_path, {**spec, "expect": 4}) == Outcome(
        True, "got 4, expected ≥ 4"
    )
    broken = {**spec, "query": "SELECT n FROM nowhere"}
    assert run_check(settings, tmp_path, broken) == Outcome(
        False, "database error: no such table: nowhere"
    )


@pytest.mark.postgres
def test_sql_on_postgresql(settings: Settings, tmp_path: Path, pg_url: str) -> None:
    spec = {"id": "c", "type": "sql", "url": pg_url}
    assert run_check(settings, tmp_path, spec) == Outcome(True, "answered 1")
    query = {**spec, "query": "SELECT count(*) FROM pg_database WHERE datname = 'template1'"}
    assert run_check(settings, tmp_path, {**query, "expect": 1}) == Outcome(
        True, "got 1, expected = 1"
    )
    wrong = {**spec, "url": pg_url.replace("@", ":wrong@").rsplit("/", 1)[0] + "/nosuchdb"}
    outcome = run_check(settings, tmp_path, wrong)
    assert not outcome.ok
    assert outcome.message.startswith("database error: ")
    assert "wrong" not in outcome.message


def test_http_status_body_and_latency(
    settings: Settings, tmp_path: Path, serve_app: Callable[[Any], str]
) -> None:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    api = FastAPI()

    @api.get("/ok", response_class=PlainTextResponse)
    def ok() -> str:
        return "all systems go"

    @api.get("/slow", response_class=PlainTextResponse)
    def slow_page() -> str:
        time.sleep(0.3)
        return "late"

    base = serve_app(api)
    spec = {"id": "c", "type": "http", "url": f"{base}/ok", "contains": "systems go"}
    outcome = run_check(settings, tmp_path, spec)
    assert outcome.ok
    assert outcome.message.startswith("HTTP 200 in ")
    lacks = run_check(settings, tmp_path, {**spec, "contains": "nope"})
    assert not lacks.ok
    assert lacks.message.endswith(": body lacks 'nope'")
    missing = run_check(settings, tmp_path, {**spec, "url": f"{base}/missing"})
    assert not missing.ok
    assert missing.message.endswith("(expected 200)")
    slow = run_check(
        settings,
        tmp_path,
        {"id": "c", "type": "http", "url": f"{base}/slow", "max_latency": "100ms"},
    )
    assert not slow.ok
    assert slow.message.startswith("HTTP 200 in ")
    assert slow.message.endswith(" ms (max 100 ms)")


def test_tcp_process_and_command(settings: Settings, tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    outcome = run_check(
        settings, tmp_path, {"id": "c", "type": "tcp", "host": "127.0.0.1", "port": port}
    )
    assert outcome.ok
    assert outcome.message.startswith(f"127.0.0.1:{port} accepted in ")
    listener.close()
    closed = run_check(
        settings, tmp_path, {"id": "c", "type": "tcp", "host": "127.0.0.1", "port": port}
    )
    assert closed == Outcome(False, f"127.0.0.1:{port}: Connect call failed ('127.0.0.1', {port})")
    mine = run_check(
        settings, tmp_path, {"id": "c", "type": "process", "match": "pytest", "cmdline": True}
    )
    assert mine.ok, mine.message
    none = run_check(settings, tmp_path, {"id": "c", "type": "process", "match": "no-such-daemon"})
    assert none == Outcome(False, "0 processes named no-such-daemon (need 1)")
    good = run_check(
        settings, tmp_path, {"id": "c", "type": "command", "command": "sh -c 'echo fine; exit 0'"}
    )
    assert good == Outcome(True, "exit 0: fine")
    bad = run_check(
        settings,
        tmp_path,
        {"id": "c", "type": "command", "command": ["sh", "-c", "echo broken >&2; exit 3"]},
    )
    assert bad == Outcome(False, "exit 3: broken")
    missing = run_check(
        settings, tmp_path, {"id": "c", "type": "command", "command": "no-such-binary-xyz"}
    )
    assert missing == Outcome(False, "cannot run no-such-binary-xyz: No such file or directory")


def test_heartbeat_from_pushes(settings: Settings, tmp_path: Path) -> None:
    spec = {"id": "nightly", "type": "heartbeat", "max_age": "1m"}
    assert run_check(settings, tmp_path, spec) == Outcome(False, "no push received yet")
    recent = datetime.now(UTC)
    assert run_check(settings, tmp_path, spec, lambda _id: recent) == Outcome(
        True, "last push 0s ago"
    )
    old = datetime(2020, 1, 1, tzinfo=UTC)
    outcome = run_check(settings, tmp_path, spec, lambda _id: old)
    assert not outcome.ok
    assert outcome.message.endswith("(max 1m)")


def test_registry_lists_known_kinds() -> None:
    registry = Registry()
    with pytest.raises(KeyError) as caught:
        registry.get("nope")
    assert "known: command, delta_fresh" in caught.value.args[0]
    assert CheckSpec(id="x", type="sql").label == "x"
