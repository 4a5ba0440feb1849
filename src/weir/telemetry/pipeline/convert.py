"""DynamoDB typed attribute values → plain JSON values, with exact numbers.

DynamoDB streams carry items in the typed wire format (``{"N": "12.5"}``, ``{"M": {...}}`` ...).
:func:`to_plain` turns one attribute value into the value a JSON encoder (orjson) can write
without losing anything:

- ``S`` → str, ``BOOL`` → bool, ``NULL`` → None, ``M`` → dict, ``L`` → list.
- ``N`` → int when the string is an integer that fits 64 bits (orjson's range); float when the
  shortest float repr denotes exactly the same decimal number (``"12345.67"`` → 12345.67, so the
  JSON text keeps every digit); otherwise the canonical decimal **string**
  (``"0.1000000000000000000001"``, ``"123456789012345678901234567890"``). No digit is ever
  lost and no Decimal reaches the encoder; a string where a float column is expected ends up
  in ``_rescued_data`` downstream.
- ``SS`` → list of str, ``NS`` → list of numbers as above, ``BS`` / ``B`` → base64 text as sent
  (the stream's JSON already carries binary as base64; it is validated, not decoded). Sets keep
  the order the stream sent.

boto3's ``TypeDeserializer`` is the oracle in the tests: ``Decimal(str(ours)) == theirs``.
"""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from weir.telemetry.errors import ConversionError

_INT = re.compile(r"[+-]?\d+")
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def number(text: str, path: str = "") -> int | float | str:
    """Convert the text of a DynamoDB ``N`` into an exact JSON number (or decimal string).

    Args:
        text: The number as DynamoDB sends it.
        path: Where the number sits, for error messages.

    Raises:
        ConversionError: `text` is not a finite decimal number.
    """
    if not isinstance(text, str):
        raise ConversionError(f"N value must be a string, got {type(text).__name__}", path=path)
    stripped = text.strip()
    if _INT.fullmatch(stripped):
        value = int(stripped)
        if _INT64_MIN <= value <= _UINT64_MAX:
            return value
        return str(value)
    try:
        exact = Decimal(stripped)
    except InvalidOperation:
        raise ConversionError(f"N value {text!r} is not a number", path=path) from None
    if not exact.is_finite():
        raise ConversionError(f"N value {text!r} is not a finite number", path=path)
    as_float = float(exact)
    if as_float != float("inf") and as_float != float("-inf") and Decimal(repr(as_float)) == exact:
        return as_float
    return str(exact)


def _binary(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ConversionError(f"B value must be base64 text, got {type(value).__name__}", path=path)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConversionError(f"B value {value[:40]!r} is not valid base64", path=path) from None
    return value


def to_plain(attribute: Any, path: str = "") -> Any:
    """Convert one typed attribute value (``{"S": "x"}``) into a plain JSON value.

    Args:
        attribute: A dict with exactly one type descriptor key.
        path: Where the value sits, for error messages (``signals[2].meta.retrievedAt``).

    Raises:
        ConversionError: unknown descriptor, wrong payload type, or a bad number/base64.
    """
    if not isinstance(attribute, dict) or len(attribute) != 1:
        raise ConversionError(
            f"attribute value must be an object with one type key, got {str(attribute)[:60]}",
            path=path,
        )
    ((kind, value),) = attribute.items()
    if kind == "S":
        if not isinstance(value, str):
            raise ConversionError("S value must be a string", path=path)
        return value
    if kind == "N":
        return number(value, path)
    if kind == "BOOL":
        if not isinstance(value, bool):
            raise ConversionError("BOOL value must be true or false", path=path)
        return value
    if kind == "NULL":
        return None
    if kind == "M":
        return to_plain_map(value, path)
    if kind == "L":
        if not isinstance(value, list):
            raise ConversionError("L value must be a list", path=path)
        return [to_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind in ("SS", "NS", "BS"):
        if not isinstance(value, list):
            raise ConversionError(f"{kind} value must be a list", path=path)
        if kind == "SS":
            if not all(isinstance(item, str) for item in value):
                raise ConversionError("SS members must be strings", path=path)
            return list(value)
        if kind == "NS":
            return [number(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return [_binary(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "B":
        return _binary(value, path)
    raise ConversionError(f"unknown attribute type {kind!r}", path=path)


def to_plain_map(image: Any, path: str = "") -> dict[str, Any]:
    """Convert a typed map (a DynamoDB item image such as ``NewImage``) into a plain dict.

    Raises:
        ConversionError: the image is not an object or one of its values cannot be converted.
    """
    if not isinstance(image, dict):
        raise ConversionError("M value must be an object", path=path)
    prefix = f"{path}." if path else ""
    return {key: to_plain(value, f"{prefix}{key}") for key, value in image.items()}
