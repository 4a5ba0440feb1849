"""DynamoDB typed attribute values → plain JSON values, with exact numbers.

DynamoDB streams carry items in the typed wire format (``{"N": "12.5"}``, ``{"M": {...}}`` ...).
:func:`to_plain` turns one attribute value into the value a JSON encoder (orjson) can write
without losing anything:

- ``S`` → str, ``BOOL`` → bool, ``NULL`` → None, ``M`` → dict, ``L`` → list.
- ``N`` → int when the number is an integer (``"42"``, ``"1E+3"``) that fits 64 bits (orjson's
  range); float when the
  shortest float repr denotes exactly the same decimal number (``"12345.67"`` → 12345.67, so the
  JSON text keeps every digit); otherwise the canonical decimal **string**
  (``"0.1000000000000000000001"``, ``"123456789012345678901234567890"``). No digit is ever
  lost and no Decimal reaches the encoder; a string where a float column is expected ends up
  in ``_rescued_data`` downstream.
- ``SS`` → list of str, ``NS`` → list of numbers as above, ``BS`` / ``B`` → base64 text as sent
  (the stream's JSON already carries binary as base64; it is validated, not decoded). Sets keep
  the order the stream sent.

boto3's ``TypeDeserializer`` is the oracle in the tests: ``Decimal(str(ours)) == theirs``.

Where a bad value sits (``NewImage.signals[3].body``) is only worked out when one is found: each
container adds its key to the error on the way out, so a clean item costs no path strings.
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


def number(text: str) -> int | float | str:
    """Convert the text of a DynamoDB ``N`` into an exact JSON number (or decimal string).

    Raises:
        ConversionError: `text` is not a finite decimal number.
    """
    if type(text) is not str:
        raise ConversionError(f"N value must be a string, got {type(text).__name__}")
    stripped = text.strip()
    if _INT.fullmatch(stripped):
        return _integer(int(stripped))
    try:
        exact = Decimal(stripped)
    except InvalidOperation:
        raise ConversionError(f"N value {text!r} is not a number") from None
    if not exact.is_finite():
        raise ConversionError(f"N value {text!r} is not a finite number")
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:  # an integer written with an exponent
        return _integer(int(exact)) if exact.adjusted() < 20 else str(exact)
    as_float = float(exact)
    if as_float != float("inf") and as_float != float("-inf") and Decimal(repr(as_float)) == exact:
        return as_float
    return str(exact)


def _integer(value: int) -> int | str:
    return value if _INT64_MIN <= value <= _UINT64_MAX else str(value)


def _binary(value: Any) -> str:
    if type(value) is not str:
        raise ConversionError(f"B value must be base64 text, got {type(value).__name__}")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConversionError(f"B value {value[:40]!r} is not valid base64") from None
    return value


def _items(kind: str, value: Any) -> list[Any]:
    """The members of an ``L``, ``SS``, ``NS`` or ``BS`` value."""
    if type(value) is not list:
        raise ConversionError(f"{kind} value must be a list")
    convert = {"L": _plain, "NS": number, "BS": _binary}.get(kind)
    if convert is None:  # SS
        if not all(type(item) is str for item in value):
            raise ConversionError("SS members must be strings")
        return list(value)
    out = []
    for index, item in enumerate(value):
        try:
            out.append(convert(item))
        except ConversionError as exc:
            raise exc.under(f"[{index}]") from None
    return out


def _plain(attribute: Any) -> Any:
    if type(attribute) is not dict or len(attribute) != 1:
        raise ConversionError(
            f"attribute value must be an object with one type key, got {str(attribute)[:60]}"
        )
    ((kind, value),) = attribute.items()
    if kind == "S":
        if type(value) is not str:
            raise ConversionError("S value must be a string")
        return value
    if kind == "N":
        return number(value)
    if kind == "M":
        return _map(value)
    if kind == "BOOL":
        if type(value) is not bool:
            raise ConversionError("BOOL value must be true or false")
        return value
    if kind == "NULL":
        return None
    if kind in ("L", "SS", "NS", "BS"):
        return _items(kind, value)
    if kind == "B":
        return _binary(value)
    raise ConversionError(f"unknown attribute type {kind!r}")


def _map(image: Any) -> dict[str, Any]:
    if type(image) is not dict:
        raise ConversionError("M value must be an object")
    out = {}
    for key, value in image.items():
        try:
            out[key] = _plain(value)
        except ConversionError as exc:
            raise exc.under(key) from None
    return out


def to_plain(attribute: Any, path: str = "") -> Any:
    """Convert one typed attribute value (``{"S": "x"}``) into a plain JSON value.

    Args:
        attribute: A dict with exactly one type descriptor key.
        path: Where the value sits, for error messages (``signals[2].meta.retrievedAt``).

    Raises:
        ConversionError: unknown descriptor, wrong payload type, or a bad number/base64.
    """
    try:
        return _plain(attribute)
    except ConversionError as exc:
        raise exc.under(path) from None


def to_plain_map(image: Any, path: str = "") -> dict[str, Any]:
    """Convert a typed map (a DynamoDB item image such as ``NewImage``) into a plain dict.

    Raises:
        ConversionError: the image is not an object or one of its values cannot be converted.
    """
    try:
        return _map(image)
    except ConversionError as exc:
        raise exc.under(path) from None
