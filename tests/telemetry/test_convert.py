"""DynamoDB attribute values → plain JSON, checked against boto3's TypeDeserializer."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import orjson
import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer

from weir.telemetry.errors import ConversionError
from weir.telemetry.pipeline.convert import number, to_plain, to_plain_map

B64 = base64.b64encode(b"\x00\x01weir").decode()


def oracle(attribute: dict[str, Any]) -> Any:
    """boto3's reading of a stream attribute (binary arrives as base64 text in stream JSON)."""

    def decode(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "B":
                return {"B": base64.b64decode(inner)}
            if kind == "BS":
                return {"BS": [base64.b64decode(item) for item in inner]}
            if kind == "M":
                return {"M": {key: decode(item) for key, item in inner.items()}}
            if kind == "L":
                return {"L": [decode(item) for item in inner]}
        return value

    return TypeDeserializer().deserialize(decode(attribute))


def same(ours: Any, theirs: Any) -> bool:
    """Our plain value equals boto3's (Decimals compared exactly, sets as sets)."""
    if isinstance(theirs, Decimal):  # an integer stays int; anything else float or exact text
        integral = theirs.as_tuple().exponent >= 0  # type: ignore[operator]
        kinds = (int, str) if integral else (float, str)
        return type(ours) in kinds and Decimal(str(ours)) == theirs
    if isinstance(theirs, Binary):
        return base64.b64decode(ours) == theirs.value
    if isinstance(theirs, set):
        return len(ours) == len(theirs) and all(any(same(o, t) for o in ours) for t in theirs)
    if isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in theirs)
    if isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(same, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


ITEM = {
    "s": {"S": "héllo"},
    "n_int": {"N": "42"},
    "n_neg": {"N": "-7"},
    "n_float": {"N": "12345.67"},
    "n_exp": {"N": "1E+3"},
    "n_big": {"N": "123456789012345678901234567890"},
    "n_precise": {"N": "0.1000000000000000000001"},
    "n_max64": {"N": "18446744073709551615"},
    "bool": {"BOOL": False},
    "null": {"NULL": True},
    "b": {"B": B64},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5", "99999999999999999999999"]},
    "bs": {"BS": [B64]},
    "l": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"deep": {"L": [{"NULL": True}]}}}]},
    "m": {"M": {"retrievedAt": {"N": "1736935200000"}, "unit": {"S": "km"}}},
}


def test_every_type_matches_boto3() -> None:
    plain = to_plain_map(ITEM)
    expected = oracle({"M": ITEM})
    for key in ITEM:
        assert same(plain[key], expected[key]), key


def test_exact_number_rules() -> None:
    plain = to_plain_map(ITEM)
    assert plain["n_int"] == 42
    assert type(plain["n_int"]) is int
    assert plain["n_float"] == 12345.67
    assert type(plain["n_float"]) is float
    assert plain["n_exp"] == 1000
    assert type(plain["n_exp"]) is int
    assert plain["n_big"] == "123456789012345678901234567890"
    assert plain["n_precise"] == "0.1000000000000000000001"
    assert plain["n_max64"] == 18446744073709551615
    assert plain["ns"] == [1, 2.5, "99999999999999999999999"]
    assert plain["m"] == {"retrievedAt": 1736935200000, "unit": "km"}


def test_orjson_encodes_without_loss() -> None:
    text = orjson.dumps(to_plain_map(ITEM)).decode()
    assert '"n_float":12345.67' in text
    assert '"n_max64":18446744073709551615' in text
    assert '"n_big":"123456789012345678901234567890"' in text
    assert '"null":null' in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("-0.5", -0.5), ("3.14159", 3.14159), ("1E-400", "1E-400"), ("1e400", "1E+400")],
)
def test_number_edges(text: str, expected: Any) -> None:
    assert number(text) == expected


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ({"N": "12..5"}, "N value '12..5' is not a number (field x.y)"),
        ({"N": "NaN"}, "N value 'NaN' is not a finite number (field x.y)"),
        ({"X": "1"}, "unknown attribute type 'X' (field x.y)"),
        ({"B": "not base64!"}, "B value 'not base64!' is not valid base64 (field x.y)"),
        ({"S": 5}, "S value must be a string (field x.y)"),
        ({"S": "a", "N": "1"}, "attribute value must be an object with one type key"),
    ],
)
def test_bad_values_name_the_field(attribute: dict[str, Any], message: str) -> None:
    with pytest.raises(ConversionError) as caught:
        to_plain(attribute, "x.y")
    assert str(caught.value).startswith(message)
    assert caught.value.status == 400


def test_nested_bad_value_names_its_full_path() -> None:
    image = {
        "signals": {
            "L": [{"M": {"body": {"S": "{}"}}}, {"M": {"meta": {"M": {"at": {"N": "x"}}}}}]
        },
        "tags": {"NS": ["1", "2", "y"]},
    }
    with pytest.raises(ConversionError) as caught:
        to_plain_map(image, "NewImage")
    assert caught.value.path == "NewImage.signals[1].meta.at"
    assert str(caught.value) == "N value 'x' is not a number (field NewImage.signals[1].meta.at)"
    del image["signals"]
    with pytest.raises(ConversionError, match=r"\(field tags\[2\]\)$"):
        to_plain_map(image)
