"""The import file's shape (bot/services/importer/schema.py, shape.py, formats.py)
and the order in which problems are met, without a database. The loader's
behaviour on real databases is tests/integration/test_importer.py."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from bot.services.importer import ImportValidationError
from bot.services.importer.errors import Problem
from bot.services.importer.formats import parse_instant, parse_price
from bot.services.importer.plan import build_plan
from bot.services.importer.schema import DOCUMENT
from bot.services.importer.shape import Shape
from tests.factories import valid_document

ROOT = Path(__file__).resolve().parents[2]


def first_problem(document) -> tuple[str, str]:
    with pytest.raises(ImportValidationError) as raised:
        build_plan(document)
    return raised.value.path, raised.value.key.removeprefix("importer.error.")


def test_the_schema_is_a_json_schema_the_documented_example_meets():
    Draft7Validator.check_schema(DOCUMENT)
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\s+```json\n(.*?)```", text, re.S).group(1)
    Shape(DOCUMENT).check(json.loads(example), "$")
    Shape(DOCUMENT).check(valid_document(), "$")


def test_unknown_keys_come_before_missing_fields():
    document = valid_document()
    del document["buyers"][0]["email"]
    document["buyers"][0]["nickname"] = "Al"
    assert first_problem(document) == ("buyers[0].nickname", "unknown_key")


def test_fields_are_read_in_schema_order_not_document_order():
    document = valid_document()
    buyer = document["buyers"][0]
    buyer["postal_code"] = 12345
    buyer["name"] = ""  # `name` comes before `postal_code` in the schema
    assert first_problem(document) == ("buyers[0].name", "empty_string")


@pytest.mark.parametrize(
    ("value", "problem"),
    [(7, "not_string"), ("   ", "empty_string"), ("S 1" + "x" * 80, "bad_id")],
)
def test_a_value_type_before_blank_before_format_before_length(value, problem):
    document = valid_document()
    document["products"][0]["seller_id"] = value
    assert first_problem(document) == ("products[0].seller_id", problem)


def test_records_are_read_in_order_with_their_rules():
    document = valid_document()
    document["sellers"][1]["professional"] = False  # a rule of an earlier record
    document["orders"][0]["id"] = "nope"  # a shape problem of a later record
    assert first_problem(document) == (
        "sellers[1].enrollments[0]",
        "enrollment_not_professional",
    )


def test_within_a_record_its_shape_comes_before_its_rules():
    document = valid_document()
    document["orders"][0]["shipped_at"] = None  # needed for status "shipped"
    document["orders"][0]["items"][0]["quantity"] = 0
    assert first_problem(document) == (
        "orders[0].items[0].quantity",
        "integer_too_small",
    )


def test_an_empty_attribute_name_is_named_by_its_key():
    document = valid_document()
    document["products"][0]["attributes"] = {"colour": "red", " ": "x"}
    assert first_problem(document) == ('products[0].attributes[" "]', "empty_key")


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("24.99", "24.99"),
        (4.5, "4.50"),
        (Decimal("4.5"), "4.50"),
        ("-0.00", "0.00"),
        (3, "3.00"),
    ],
)
def test_prices(value, amount):
    assert str(parse_price(value)) == amount


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "bad_price"),
        (" 1", "bad_price"),
        ("Infinity", "bad_price"),
        ("-1", "negative_price"),
        ("1e10", "price_too_large"),
        ("0.001", "price_precision"),
    ],
)
def test_bad_prices(value, problem):
    with pytest.raises(Problem) as raised:
        parse_price(value)
    assert raised.value.problem == problem


def test_instants_are_aware_utc():
    assert parse_instant("2026-09-01T08:40:00+08:00") == datetime(
        2026, 9, 1, 0, 40, tzinfo=timezone.utc
    )
    assert parse_instant("2026-01-05T08:00:00z").tzinfo == timezone.utc
    for text, problem in (("2026-01-05", "naive_timestamp"), ("soon", "bad_timestamp")):
        with pytest.raises(Problem) as raised:
            parse_instant(text)
        assert raised.value.problem == problem


def test_an_empty_period_overlaps_nothing():
    """Coverage starts an hour after opt-in (EnrollmentPeriod.coverage_start): a
    period opted out within that hour covers nothing, so it overlaps no other."""
    document = valid_document()
    document["sellers"][1]["enrollments"].insert(
        0,
        {"opted_in_at": "2026-10-01T14:00:00Z", "opted_out_at": "2026-10-01T14:30:00Z"},
    )
    build_plan(document)
