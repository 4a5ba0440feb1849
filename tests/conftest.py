"""Fixtures every system's tests use: isolated WEIR_HOME, stores, PostgreSQL, browser, server."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weir.core.settings import Settings
from weir.core.storage import Store

S3_KEYS = {"WEIR_S3_ACCESS_KEY_ID": "testing", "WEIR_S3_SECRET_ACCESS_KEY": "testing"}
PG_USER = "weirpg"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on an isolated WEIR_HOME, also exported so entry points see it."""
    for key in list(os.environ):
        if key.startswith("WEIR_"):
            monkeypatch.delenv(key)
    home = tmp_path / "weir-home"
    monkeypatch.setenv("WEIR_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return Settings()


# --- S3 through moto's server --------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 for the whole session.

    It runs in its own process, not as a ThreadedMotoServer: deltalake holds the GIL during some
    blocking calls, which would starve a server thread in this process into a deadlock.
    """
    import sys
    import urllib.request

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto's server did not start within 30 s") from None
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_settings(
    settings: Settings, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings whose store is a fresh bucket on the moto server (also in the environment)."""
    import boto3

    bucket = f"weir-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    env = {
        **S3_KEYS,
        "WEIR_STORE_URL": f"s3://{bucket}/weir",
        "WEIR_S3_ENDPOINT_URL": moto_endpoint,
        "WEIR_S3_ALLOW_HTTP": "true",
        "WEIR_S3_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


@pytest.fixture
def s3_store(s3_settings: Settings) -> Store:
    """A Store on a fresh moto bucket, reached over HTTP."""
    return Store.from_settings(s3_settings)


@pytest.fixture
def file_store(settings: Settings) -> Store:
    """A Store in the isolated WEIR_HOME."""
    return Store.from_settings(settings)


@pytest.fixture(params=["file", "memory", "s3"])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on every backend: local folder, memory, S3 (moto over HTTP)."""
    if request.param == "file":
        return Store.from_settings(request.getfixturevalue("settings"))
    if request.param == "memory":
        return Store.from_url("memory://")
    return Store.from_settings(request.getfixturevalue("s3_settings"))


# --- PostgreSQL through pytest-postgresql ----------------------------------------------------


def _pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        if (bindir / "pg_ctl").exists():
            return bindir
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _unprivileged_pg_ctl(bindir: Path, workdir: Path) -> str:
    """pg_ctl itself, or as root a wrapper that runs it as an unprivileged user."""
    if os.geteuid() != 0:
        return str(bindir / "pg_ctl")
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
        )
    wrapper = workdir / "pg_ctl"
    wrapper.write_text(
        f'#!/bin/sh\nexec runuser -u {PG_USER} -- "{bindir / "pg_ctl"}" "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    subprocess.run(["chown", "-R", PG_USER, str(workdir)], check=True)
    return str(wrapper)


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[Any]:
    """A throwaway PostgreSQL server from the local binaries, listening on 127.0.0.1."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (pg_ctl, initdb, postgres) not found")
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    workdir = Path(tempfile.mkdtemp(prefix="weir-pg-"))
    workdir.chmod(0o755)
    (workdir / "data").mkdir()
    executable = _unprivileged_pg_ctl(bindir, workdir)
    executor = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=free_port(),
        datadir=str(workdir / "data"),
        unixsocketdir=str(workdir),
        logfile=str(workdir / "postgresql.log"),
        startparams="-w",
        dbname="weir",
        user="postgres",
        password=None,  # trust on a loopback-only throwaway server; no password file to share
    )
    executor.start()
    executor.wait_for_postgres()
    yield executor
    executor.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(postgresql_server: Any) -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty database on the throwaway server."""
    from pytest_postgresql.janitor import DatabaseJanitor

    name = f"weir_{uuid.uuid4().hex[:10]}"
    server = postgresql_server
    with DatabaseJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        dbname=name,
        password=server.password,
    ):
        yield f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{name}"


# --- Browser and served apps -----------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium not on PATH: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], str]]:
    """Serve ASGI apps on 127.0.0.1 in threads; returns each app's base URL."""
    import uvicorn

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the app did not start within 30 s")
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Keep a screenshot of every open Playwright page when a browser test fails."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        target = Path("test-artifacts") / f"{item.name}.png"
        target.parent.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(target), full_page=True)
        except Exception:  # the page may already be gone
            return


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page (screenshot kept under test-artifacts/ on failure)."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
