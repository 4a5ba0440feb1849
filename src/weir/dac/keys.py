"""Which artifact keys a client may ask for: the seed's allowlist, and the tricks it missed.

A key is accepted only if it is plain ASCII from a small alphabet, names a file under ``data/``,
``js/`` or ``config/`` with a ``.csv``, ``.js`` or ``.json`` extension, has no empty, ``.`` or
``..`` segment and at most one ``*`` (in the file name). Everything else is refused with the
reason: percent-encoded and double-encoded forms, backslashes, NUL and control characters,
Unicode look-alikes (anything NFC/NFKC would change, or any non-ASCII character) and overlong keys.
"""

from __future__ import annotations

import re
import unicodedata

from weir.dac.errors import InvalidKeyError

ALLOWED_PREFIXES = ("data/", "js/", "config/")
ALLOWED_EXTENSIONS = (".csv", ".js", ".json")
MAX_KEY_LENGTH = 200
SAFE = re.compile(r"[A-Za-z0-9_\-./*]+")


def _refuse(reason: str) -> InvalidKeyError:
    return InvalidKeyError(f"invalid key: {reason}", field="key")


def validate_key(key: str) -> str:
    """`key` unchanged when a client may request it.

    Raises:
        InvalidKeyError: the key is not allowed (the message says why, never echoing it).
    """
    if not key:
        raise _refuse("empty")
    if len(key) > MAX_KEY_LENGTH:
        raise _refuse(f"longer than {MAX_KEY_LENGTH} characters")
    if any(unicodedata.category(char)[0] == "C" for char in key):
        raise _refuse("control or invisible characters")
    if unicodedata.normalize("NFKC", key) != key or unicodedata.normalize("NFC", key) != key:
        raise _refuse("characters that Unicode normalization changes")
    if not key.isascii():
        raise _refuse("non-ASCII characters")
    if "%" in key:
        raise _refuse("percent-encoded characters")
    if "\\" in key:
        raise _refuse("backslash")
    if key.startswith("/"):
        raise _refuse("absolute path")
    segments = key.split("/")
    if any(segment in ("", ".", "..") for segment in segments) or ".." in key:
        raise _refuse("path traversal")
    if not SAFE.fullmatch(key):
        raise _refuse("characters outside A-Z a-z 0-9 _ - . / *")
    if not key.startswith(ALLOWED_PREFIXES):
        raise _refuse(f"must start with one of {', '.join(ALLOWED_PREFIXES)}")
    if not key.endswith(ALLOWED_EXTENSIONS):
        raise _refuse(f"must end with one of {', '.join(ALLOWED_EXTENSIONS)}")
    if key.count("*") > 1 or "*" in "/".join(segments[:-1]):
        raise _refuse("at most one * and only in the file name")
    return key


def pattern(key: str) -> re.Pattern[str]:
    """The regular expression of a wildcard key (``*`` matches within one segment)."""
    return re.compile("[^/]*".join(re.escape(part) for part in key.split("*")))
