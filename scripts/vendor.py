#!/usr/bin/env python3
"""Vendor browser assets from npm, checked by hash, with their licences.

Usage::

    python scripts/vendor.py            # fetch every package in vendor.lock.json, verify, place
    python scripts/vendor.py --check    # verify the vendored files against the lock (no network)
    python scripts/vendor.py --add TARGET PKG VERSION FILE...   # add (or update) one entry

Each entry names the folder it fills (``src/weir/<system>/static/vendor/<pkg>@<version>``),
the npm tarball's ``integrity`` (SRI sha512, from the registry, checked on every fetch), the files
taken from the tarball, and the sha256 of each placed file (checked by ``--check`` and by the
test suite). The package's licence file is always copied next to the assets.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "scripts" / "vendor.lock.json"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE", "License.md")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pack(package: str, version: str, workdir: Path) -> tuple[Path, str]:
    """Download the tarball with ``npm pack``; returns it and the registry's integrity."""
    out = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=workdir,
    )
    info = json.loads(out.stdout)[0]
    return workdir / info["filename"], info["integrity"]


def _integrity(tarball: Path) -> str:
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch(entry: dict, *, update: bool = False) -> dict:
    """Fetch one entry's tarball, verify its integrity, place its files and licence."""
    target = ROOT / entry["target"]
    with tempfile.TemporaryDirectory() as tmp:
        tarball, registry_integrity = _pack(entry["package"], entry["version"], Path(tmp))
        actual = _integrity(tarball)
        expected = entry.get("integrity") or (registry_integrity if update else None)
        if expected is None or actual != expected or actual != registry_integrity:
            sys.exit(f"{entry['package']}@{entry['version']}: integrity mismatch ({actual})")
        entry["integrity"] = actual
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            names = {member.name.removeprefix("package/"): member for member in archive}
            licence = next((n for n in LICENCE_NAMES if n in names), None)
            if licence is None:
                sys.exit(f"{entry['package']}: no licence file in the package")
            hashes = {}
            for name in [*entry["files"], licence]:
                member = names.get(name)
                if member is None:
                    sys.exit(f"{entry['package']}: no file {name!r} in the package")
                data = archive.extractfile(member).read()  # type: ignore[union-attr]
                placed = target / (Path(name).name if name != licence else "LICENSE")
                placed.write_bytes(data)
                hashes[placed.name] = hashlib.sha256(data).hexdigest()
        entry["sha256"] = hashes
    return entry


def check(entries: list[dict]) -> list[str]:
    """Problems with the vendored files (missing, changed, no licence); empty when all good."""
    problems = []
    for entry in entries:
        target = ROOT / entry["target"]
        if "LICENSE" not in entry.get("sha256", {}):
            problems.append(f"{entry['target']}: no licence recorded")
        for name, digest in entry.get("sha256", {}).items():
            path = target / name
            if not path.exists():
                problems.append(f"{entry['target']}/{name}: missing")
            elif _sha256(path) != digest:
                problems.append(f"{entry['target']}/{name}: sha256 differs from the lock")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--add", nargs="+", metavar="ARG")
    args = parser.parse_args()
    entries = json.loads(LOCK.read_text()) if LOCK.exists() else []
    if args.check:
        problems = check(entries)
        print("\n".join(problems) or f"{len(entries)} vendored packages match the lock")
        sys.exit(1 if problems else 0)
    if args.add:
        target, package, version, *files = args.add
        entries = [e for e in entries if e["target"] != target]
        entries.append({"target": target, "package": package, "version": version, "files": files})
        fetch(entries[-1], update=True)
    else:
        for entry in entries:
            fetch(entry)
    entries.sort(key=lambda e: e["target"])
    LOCK.write_text(json.dumps(entries, indent=2) + "\n")
    print(f"vendored {len(entries)} packages")


if __name__ == "__main__":
    main()
