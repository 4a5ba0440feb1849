"""The PHP and TypeScript examples in examples/health, run against a live server."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.health.test_api import build_app
from weir.core.settings import Settings
from weir.health.pipeline.simulate import apply
from weir.health.sample import sample
from weir.health.settings import HealthSettings

EXAMPLES = Path(__file__).parents[2] / "examples" / "health"


@pytest.fixture
def served(settings: Settings, tmp_path: Path, serve_app: Callable[[Any], str]) -> tuple[str, Path]:
    root = tmp_path / "heli"
    sample(root, 7)
    config = yaml.safe_load((root / "helicopter.yaml").read_text())
    config["processes"][5]["checks"] = [
        {"id": "spark_job", "type": "heartbeat", "max_age": "1h", "token": "t0k"}
    ]
    (root / "helicopter.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    health = HealthSettings(config=root / "helicopter.yaml", round_every=0.2, svg_renderer="none")
    url = serve_app(build_app(settings, health)) + "/api/health"
    wait_until(lambda: httpx.get(f"{url}/v1/health").json()["data"]["round"] >= 1)
    return url, root


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=cwd)


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_php_example(served: tuple[str, Path]) -> None:
    php = shutil.which("php")
    if php is None:
        pytest.skip("php-cli not installed: apt-get install -y php-cli")
    url, root = served
    script = str(EXAMPLES / "status.php")
    first = run(php, script, url)
    assert first.returncode == 1  # spark's heartbeat never came
    assert first.stdout.splitlines()[0] == "Helicopter data ingestion: FAILED"
    assert "  spark        failed   Hadoop/PySpark processing" in first.stdout.splitlines()
    denied = run(php, script, url, "push", "spark_job", "wrong")
    assert (denied.returncode, denied.stderr) == (2, "error unauthorized: push token missing or "
                                                  "wrong\n")  # fmt: skip
    pushed = run(php, script, url, "push", "spark_job", "t0k")
    assert pushed.stdout.startswith("pushed spark_job at ")
    wait_until(lambda: run(php, script, url).returncode == 0)
    apply(root, "compress")
    wait_until(lambda: run(php, script, url).returncode == 1)
    final = run(php, script, url)
    assert "  compress     failed   Compress parametric data" in final.stdout.splitlines()
    assert final.stdout.splitlines()[-1].startswith("diagram: flowchart LR, ")
    down = run(php, script, "http://127.0.0.1:9/api/health")
    expected = "health API unreachable: http://127.0.0.1:9/api/health/v1/status\n"
    assert (down.returncode, down.stderr) == (2, expected)


@pytest.fixture(scope="session")
def typescript(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tsc from npm, installed once into a temporary folder."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm not installed: apt-get install -y nodejs npm")
    folder = tmp_path_factory.mktemp("typescript")
    installed = run(npm, "install", "--no-audit", "--no-fund", "typescript@5.9", cwd=folder)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install typescript: {installed.stderr.strip()[:200]}")
    return folder / "node_modules" / ".bin" / "tsc"


def test_typescript_example(served: tuple[str, Path], typescript: Path, tmp_path: Path) -> None:
    url, _root = served
    project = tmp_path / "ts"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("*.php", "dist"))
    compiled = run(str(typescript), "-p", str(project))
    assert compiled.returncode == 0, compiled.stdout
    node = shutil.which("node")
    assert node is not None
    polled = run(node, str(project / "dist" / "status.js"), url, "2", "300")
    assert polled.returncode == 1
    lines = polled.stdout.splitlines()
    assert lines[0] == "poll 1: Helicopter data ingestion FAILED"
    assert "  FAIL spark" in lines
    assert "  ??   download" in lines
    assert lines[-1].startswith("diagram: flowchart LR, ")
    broken = project / "broken.ts"
    broken.write_text('import { Snapshot } from "./status";\nconst s: Snapshot = {pipeline: 1};\n')
    (project / "tsconfig.json").write_text(
        (project / "tsconfig.json").read_text().replace('"status.ts"', '"broken.ts"')
    )
    rejected = run(str(typescript), "-p", str(project), "--noEmit")
    assert rejected.returncode == 2
    assert "error TS2322" in rejected.stdout or "error TS2741" in rejected.stdout
