"""Vendored browser assets match the lock (sha256 per file) and carry their licence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_files_match_the_lock() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout
    entries = json.loads((ROOT / "scripts" / "vendor.lock.json").read_text())
    assert {e["package"] for e in entries} >= {"swagger-ui-dist", "redoc"}
    for entry in entries:
        assert entry["integrity"].startswith("sha512-")
        assert (ROOT / entry["target"] / "LICENSE").is_file()
        assert Path(entry["target"]).name == f"{entry['package']}@{entry['version']}"


def test_a_changed_file_is_detected(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import vendor
    finally:
        sys.path.pop(0)
    target = tmp_path / "pkg@1.0.0"
    target.mkdir()
    (target / "a.js").write_text("ok")
    (target / "LICENSE").write_text("MIT")
    entry = {
        "target": str(target),
        "sha256": {
            "a.js": "2689367b205c16ce32ed4200942b8b8b1e262dfc70d9bc9fbc77c49699a4f1df",
            "LICENSE": "0" * 64,
        },
    }
    assert vendor.check([entry]) == [f"{target}/LICENSE: sha256 differs from the lock"]
