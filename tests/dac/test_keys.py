"""Key validation: the seed's cases, the forms it missed, and property-based fuzzing."""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weir.dac.errors import InvalidKeyError
from weir.dac.keys import ALLOWED_EXTENSIONS, ALLOWED_PREFIXES, validate_key

VALID = [
    "data/current_snapshot_20250625.csv",
    "data/current_snapshot_*.csv",
    "js/dac_dashboard.js",
    "config/dac_dashboard_config.json",
    "data/metadata.csv",
]
MALICIOUS = {
    "../../../etc/passwd": "path traversal",
    "data/../../private/secrets.csv": "path traversal",
    "/absolute/path/file.csv": "absolute path",
    "data\\..\\..\\windows\\system32": "backslash",
    "data/%2e%2e/secret.csv": "percent-encoded",
    "data/%252e%252e/secret.csv": "percent-encoded",
    "data/..%2fsecret.csv": "percent-encoded",
    "data/x\x00.csv": "control",
    "data/x\n.csv": "control",
    "data/\u200bx.csv": "control",  # zero-width space
    "data/\uff0e\uff0e/secret.csv": "normalization",  # fullwidth dots
    "data\u2215..\u2215secret.csv": "non-ASCII",  # division slash
    "data/ﬁle.csv": "normalization",  # ligature
    "data/café.csv": "non-ASCII",
    "data/" + "a" * 200 + ".csv": "longer than 200",
    "data//x.csv": "path traversal",
    "data/./x.csv": "path traversal",
    "data/x.csv.exe": "must end with",
    "logs/frontend/errors.csv": "must start with",
    "data/*/x.csv": "at most one *",
    "data/a*b*.csv": "at most one *",
    "data/x y.csv": "characters outside",
    "data/x?.csv": "characters outside",
    "": "empty",
}


@pytest.mark.parametrize("key", VALID)
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(("key", "reason"), MALICIOUS.items())
def test_malicious_keys(key: str, reason: str) -> None:
    with pytest.raises(InvalidKeyError) as caught:
        validate_key(key)
    assert reason in caught.value.message
    assert key not in caught.value.message or not key  # the key is never echoed


PIECES = st.sampled_from(
    [
        "data/",
        "js/",
        "config/",
        "..",
        "/",
        ".",
        "\\",
        "%2e",
        "%2f",
        "%25",
        "*",
        "\x00",
        "\uff0e",
        "\u2024",
        "x",
        "_20250101",
        ".csv",
        ".js",
        ".json",
        "logs/",
        "~",
        "\u0338",
        "A",
    ]
)


def _check(key: str) -> None:
    try:
        validate_key(key)
    except InvalidKeyError:
        return
    # accepted: it must stay inside one allowed prefix once joined under any root
    root = PurePosixPath("/srv/public")
    joined = posixpath.normpath(str(root / key))
    assert joined.startswith(tuple(f"{root}/{p}" for p in ALLOWED_PREFIXES))
    assert posixpath.normpath(key) == key
    assert key.endswith(ALLOWED_EXTENSIONS)
    assert key.isascii()
    assert ".." not in key.split("/")


@settings(max_examples=1000, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=12).map("".join))
def test_fuzz_assembled_keys_never_escape(key: str) -> None:
    _check(key)


@settings(max_examples=600, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_fuzz_any_text_never_escapes(key: str) -> None:
    _check(key)
