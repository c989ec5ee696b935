"""The JSON import (bot/services/importer/, docs/data-format.md) on real
databases: SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.db import session_scope
from bot.adapters.repository import SqlRepository
from bot.services.importer import (
    ImportSummary,
    ImportValidationError,
    load_document,
    load_file,
)
from tests import factories as f
from tests.factories import database_dump, valid_document

ROOT = Path(__file__).resolve().parents[2]


def load(engine, document: Any) -> ImportSummary:
    with session_scope(engine) as session:
        return load_document(session, document)


def counts(summary: ImportSummary) -> dict[str, tuple[int, int, int]]:
    return {
        kind: (c["created"], c["updated"], c["unchanged"])
        for kind, c in summary.as_dict().items()
    }


# -- a good document --------------------------------------------------------------


def test_valid_document_loads(engine):
    summary = load(engine, valid_document())

    assert counts(summary) == {
        "sellers": (3, 0, 0),
        "buyers": (2, 0, 0),
        "products": (3, 0, 0),
        "orders": (3, 0, 0),
    }
    with session_scope(engine) as session:
        repo = SqlRepository(session)
        seller = repo.get_seller(f.SELLER_ZH)
        assert seller.preferred_language.value == "zh"
        assert [p.opted_in_at for p in seller.enrollments] == [
            datetime(2026, 1, 5, 8, tzinfo=timezone.utc),
            datetime(2026, 9, 1, 0, tzinfo=timezone.utc),  # +08:00 stored in UTC
        ]
        assert seller.enrollments[1].activated_at == datetime(
            2026, 9, 1, 0, 40, tzinfo=timezone.utc
        )
        order = repo.get_order(f.ORDER_SHIPPED)
        assert [(i.asin, i.quantity, i.unit_price) for i in order.items] == [
            (f.TUMBLER, 1, Decimal("24.99")),
            (f.KETTLE, 2, Decimal("39.90")),
        ]
        delivered = repo.get_order(f.ORDER_DELIVERED)
        assert delivered.items[0].unit_price == Decimal("4.50")  # a JSON number
        assert delivered.items[0].returnable is False
        unshipped = repo.get_order(f.ORDER_UNSHIPPED)
        assert unshipped.placed_at == datetime(2026, 11, 26, 0, 45, tzinfo=timezone.utc)
        assert unshipped.items[0].customization == "Engrave: The Chens"
        assert repo.get_buyer(f.BUYER_2).name == "陈伟"
        candles = repo.get_product(f.CANDLES)
        assert (candles.bullets, dict(candles.attributes)) == ((), {})


def test_second_load_changes_nothing(engine):
    load(engine, valid_document())
    before = database_dump(engine)

    summary = load(engine, valid_document())

    assert counts(summary) == {
        "sellers": (0, 0, 3),
        "buyers": (0, 0, 2),
        "products": (0, 0, 3),
        "orders": (0, 0, 3),
    }
    assert not summary.changed
    assert database_dump(engine) == before


def test_second_load_of_a_file_changes_nothing(engine, tmp_path):
    path = tmp_path / "data.json"
    document = valid_document()
    document["orders"][0]["items"][0]["unit_price"] = 24.99  # a float in the file
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    load_file(path, engine)
    before = database_dump(engine)

    summary = load_file(path, engine)

    assert not summary.changed
    assert database_dump(engine) == before


def test_enrollments_listed_in_another_order_are_unchanged(engine):
    load(engine, valid_document())
    before = database_dump(engine)
    document = valid_document()
    document["sellers"][0]["enrollments"].reverse()

    summary = load(engine, document)

    assert counts(summary)["sellers"] == (0, 0, 3)
    assert database_dump(engine) == before


def test_changes_are_upserted_and_counted(engine):
    load(engine, valid_document())
    document = valid_document()
    document["sellers"][0]["name"] = "Hearth Kitchenware"
    document["sellers"][1]["enrollments"] = []  # replaces the stored period
    document["orders"][0]["items"] = [f.item(unit_price="19.99")]  # one line fewer
    document["orders"][2]["items"].append(f.item(asin=f.KETTLE))  # one line more
    document["buyers"].append(f.buyer(id="B-9"))

    summary = load(engine, document)

    assert counts(summary) == {
        "sellers": (0, 2, 1),
        "buyers": (1, 0, 2),
        "products": (0, 0, 3),
        "orders": (0, 2, 1),
    }
    with session_scope(engine) as session:
        repo = SqlRepository(session)
        assert repo.get_seller(f.SELLER_ZH).name == "Hearth Kitchenware"
        assert repo.get_seller(f.SELLER_EN).enrollments == ()
        assert [
            (i.asin, i.unit_price) for i in repo.get_order(f.ORDER_SHIPPED).items
        ] == [(f.TUMBLER, Decimal("19.99"))]
        assert [i.asin for i in repo.get_order(f.ORDER_UNSHIPPED).items] == [
            f.TUMBLER,
            f.KETTLE,
        ]
    # ... and loading the changed document again changes nothing more.
    before = database_dump(engine)
    assert not load(engine, document).changed
    assert database_dump(engine) == before


def test_references_may_point_to_the_database(engine):
    load(engine, valid_document())
    document = {
        "products": [f.product(asin="B0TEST0009", seller_id=f.SELLER_EN)],
        "orders": [
            f.order(
                id="115-0000000-0000009",
                seller_id=f.SELLER_ZH,
                buyer_id=f.BUYER_2,
                items=[f.item(asin=f.KETTLE)],  # stored product of S-1
            ),
            f.order(
                id="115-0000000-0000010",
                seller_id=f.SELLER_EN,
                items=[f.item(asin="B0TEST0009")],  # product from this document
            ),
        ],
    }

    summary = load(engine, document)

    assert counts(summary)["orders"] == (2, 0, 0)
    with session_scope(engine) as session:
        repo = SqlRepository(session)
        order = repo.get_order("115-0000000-0000009")
        assert (order.buyer_id, order.items[0].title) == (
            f.BUYER_2,
            "Hearth 1.7 L Electric Kettle",
        )


def test_a_stored_product_may_change_seller_with_its_orders(engine):
    load(engine, valid_document())
    document = valid_document()
    # The tumbler moves to S-2, and so do the stored orders that list it.
    document["products"][0]["seller_id"] = f.SELLER_EN
    document["orders"][0]["seller_id"] = f.SELLER_EN
    document["orders"][0]["items"] = [f.item()]
    document["orders"][2]["seller_id"] = f.SELLER_EN

    summary = load(engine, document)

    assert counts(summary)["products"] == (0, 1, 2)


def test_a_stored_product_cannot_leave_a_stored_order_of_its_seller(engine):
    load(engine, valid_document())
    before = database_dump(engine)
    document = {"products": [f.product(seller_id=f.SELLER_EN)]}

    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)

    assert raised.value.path == "products[0].seller_id"
    assert raised.value.message_key == "importer.error.product_on_stored_order"
    assert database_dump(engine) == before


def test_empty_document_loads_nothing(engine):
    assert counts(load(engine, {})) == {
        kind: (0, 0, 0) for kind in ("sellers", "buyers", "products", "orders")
    }


def test_optional_fields_take_their_defaults(engine):
    document = valid_document()
    seller = document["sellers"][2]
    del seller["return_address"], seller["enrollments"]
    product = document["products"][2]
    for name in ("category", "bullets", "description", "attributes"):
        del product[name]
    del document["buyers"][1]["language"]
    order = document["orders"][2]
    for name in ("shipped_at", "delivered_at", "promised_delivery_by", "carrier"):
        del order[name]
    del order["items"][0]["customization"]

    load(engine, document)

    with session_scope(engine) as session:
        repo = SqlRepository(session)
        assert repo.get_seller(f.SELLER_NOT_INVITED).enrollments == ()
        assert repo.get_product(f.CANDLES).description == ""
        assert repo.get_buyer(f.BUYER_2).language == "en"
        assert repo.get_order(f.ORDER_UNSHIPPED).items[0].customization is None


# -- invalid documents --------------------------------------------------------------

Mutation = Callable[[dict], Any]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets the value at a JSON path like `orders[0].items[1].asin`."""
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]

    def mutate(document: dict) -> None:
        target: Any = document
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = value

    return mutate


def _delete(path: str) -> Mutation:
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]

    def mutate(document: dict) -> None:
        target: Any = document
        for part in parts[:-1]:
            target = target[part]
        del target[parts[-1]]

    return mutate


def _append(path: str, value: Any) -> Mutation:
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]

    def mutate(document: dict) -> None:
        target: Any = document
        for part in parts:
            target = target[part]
        target.append(value)

    return mutate


# (id, mutation, the failing path, the catalogue key of the problem)
INVALID_CASES: list[tuple[str, Mutation, str, str]] = [
    # the document's shape
    ("unknown top-level key", _set("customers", []), "customers", "unknown_key"),
    ("sellers not an array", _set("sellers", {}), "sellers", "not_list"),
    ("seller not an object", _set("sellers[1]", "S-2"), "sellers[1]", "not_object"),
    (
        "unknown nested key",
        _set("orders[1].deliverd_at", None),
        "orders[1].deliverd_at",
        "unknown_key",
    ),
    (
        "odd unknown key is quoted",
        _set("orders[1].ship_to.zip code", "1"),
        'orders[1].ship_to["zip code"]',
        "unknown_key",
    ),
    ("missing field", _delete("sellers[1].email"), "sellers[1].email", "missing_field"),
    (
        "missing ship_to",
        _delete("orders[0].ship_to"),
        "orders[0].ship_to",
        "missing_field",
    ),
    ("null required", _set("buyers[1].name", None), "buyers[1].name", "not_string"),
    ("empty name", _set("buyers[1].name", "  "), "buyers[1].name", "empty_string"),
    (
        "name too long",
        _set("sellers[0].name", "x" * 201),
        "sellers[0].name",
        "too_long",
    ),
    (
        "boolean as string",
        _set("sellers[0].professional", "yes"),
        "sellers[0].professional",
        "not_boolean",
    ),
    # ids and formats
    (
        "malformed order id",
        _set("orders[2].id", "112-123"),
        "orders[2].id",
        "bad_order_id",
    ),
    (
        "order id with spaces",
        _set("orders[2].id", "112 1234567 7654321"),
        "orders[2].id",
        "bad_order_id",
    ),
    (
        "order id with non-ASCII digits",
        _set("orders[2].id", "١١٢-1234567-1234567"),
        "orders[2].id",
        "bad_order_id",
    ),
    (
        "order id with trailing newline",
        _set("orders[2].id", "112-1234567-7654321\n"),
        "orders[2].id",
        "bad_order_id",
    ),
    ("bad asin", _set("products[1].asin", "b0-kettle"), "products[1].asin", "bad_asin"),
    ("bad seller id", _set("sellers[2].id", "S 3"), "sellers[2].id", "bad_id"),
    ("bad email", _set("buyers[0].email", "alice"), "buyers[0].email", "bad_email"),
    (
        "bad country",
        _set("sellers[0].country", "China"),
        "sellers[0].country",
        "bad_country",
    ),
    (
        "bad ship-to country",
        _set("orders[0].ship_to.country", "us"),
        "orders[0].ship_to.country",
        "bad_country",
    ),
    (
        "attribute value not a string",
        _set("products[0].attributes.capacity", 20),
        "products[0].attributes.capacity",
        "not_string",
    ),
    (
        "bullet not a string",
        _set("products[0].bullets[1]", None),
        "products[0].bullets[1]",
        "not_string",
    ),
    # enums
    (
        "preferred_language",
        _set("sellers[1].preferred_language", "fr"),
        "sellers[1].preferred_language",
        "bad_choice",
    ),
    (
        "fulfillment",
        _set("orders[0].fulfillment", "amazon"),
        "orders[0].fulfillment",
        "bad_choice",
    ),
    ("status", _set("orders[0].status", "lost"), "orders[0].status", "bad_choice"),
    (
        "international_return_option",
        _set("sellers[0].international_return_option", "refund"),
        "sellers[0].international_return_option",
        "bad_choice",
    ),
    # numbers
    (
        "return window under 30 days",
        _set("sellers[1].return_window_days", 29),
        "sellers[1].return_window_days",
        "return_window_too_short",
    ),
    (
        "return window not an integer",
        _set("sellers[1].return_window_days", 30.5),
        "sellers[1].return_window_days",
        "not_integer",
    ),
    (
        "quantity 0",
        _set("orders[0].items[1].quantity", 0),
        "orders[0].items[1].quantity",
        "integer_too_small",
    ),
    (
        "quantity as string",
        _set("orders[0].items[1].quantity", "1"),
        "orders[0].items[1].quantity",
        "not_integer",
    ),
    (
        "quantity true",
        _set("orders[0].items[1].quantity", True),
        "orders[0].items[1].quantity",
        "not_integer",
    ),
    (
        "quantity too large",
        _set("orders[0].items[1].quantity", 2**40),
        "orders[0].items[1].quantity",
        "integer_too_large",
    ),
    (
        "negative price",
        _set("orders[1].items[0].unit_price", "-0.01"),
        "orders[1].items[0].unit_price",
        "negative_price",
    ),
    (
        "price not decimal",
        _set("orders[1].items[0].unit_price", "12,50"),
        "orders[1].items[0].unit_price",
        "bad_price",
    ),
    (
        "price NaN",
        _set("orders[1].items[0].unit_price", "NaN"),
        "orders[1].items[0].unit_price",
        "bad_price",
    ),
    (
        "price as boolean",
        _set("orders[1].items[0].unit_price", True),
        "orders[1].items[0].unit_price",
        "bad_price",
    ),
    (
        "price three decimals",
        _set("orders[1].items[0].unit_price", "1.999"),
        "orders[1].items[0].unit_price",
        "price_precision",
    ),
    (
        "price too large",
        _set("orders[1].items[0].unit_price", "1e12"),
        "orders[1].items[0].unit_price",
        "price_too_large",
    ),
    # timestamps
    (
        "naive timestamp",
        _set("orders[0].placed_at", "2026-11-10T18:12:00"),
        "orders[0].placed_at",
        "naive_timestamp",
    ),
    (
        "date only",
        _set("orders[0].placed_at", "2026-11-10"),
        "orders[0].placed_at",
        "naive_timestamp",
    ),
    (
        "not a timestamp",
        _set("orders[0].placed_at", "yesterday"),
        "orders[0].placed_at",
        "bad_timestamp",
    ),
    (
        "timestamp as number",
        _set("orders[0].placed_at", 1762798320),
        "orders[0].placed_at",
        "not_string",
    ),
    (
        "naive opt-out",
        _set("sellers[0].enrollments[1].opted_out_at", "2027-01-01T00:00:00"),
        "sellers[0].enrollments[1].opted_out_at",
        "naive_timestamp",
    ),
    # enrollment rules
    (
        "opted out before opted in",
        _set("sellers[0].enrollments[1].opted_out_at", "2026-08-31T23:59:59Z"),
        "sellers[0].enrollments[1].opted_out_at",
        "opted_out_before_opted_in",
    ),
    (
        "activated before opted in",
        _set("sellers[1].enrollments[0].activated_at", "2026-10-01T13:59:00Z"),
        "sellers[1].enrollments[0].activated_at",
        "activated_before_opted_in",
    ),
    (
        "enrollment for a non-professional seller",
        _set("sellers[1].professional", False),
        "sellers[1].enrollments[0]",
        "enrollment_not_professional",
    ),
    (
        "overlapping periods",
        _append(
            "sellers[0].enrollments",
            f.enrollment(
                opted_in_at="2026-05-31T22:00:00Z", opted_out_at="2026-07-01T00:00:00Z"
            ),
        ),
        "sellers[0].enrollments[2]",
        "enrollments_overlap",
    ),
    (
        "two open periods",
        _append(
            "sellers[1].enrollments", f.enrollment(opted_in_at="2026-12-01T00:00:00Z")
        ),
        "sellers[1].enrollments[1]",
        "enrollments_overlap",
    ),
    (
        "period inside the open one",
        _set(
            "sellers[1].enrollments",
            [
                f.enrollment(
                    opted_in_at="2026-10-05T00:00:00Z",
                    opted_out_at="2026-10-06T00:00:00Z",
                ),
                f.enrollment(opted_in_at="2026-10-01T14:00:00Z"),
            ],
        ),
        "sellers[1].enrollments[1]",
        "enrollments_overlap",
    ),
    # orders
    ("no items", _set("orders[0].items", []), "orders[0].items", "no_items"),
    (
        "delivered without delivered_at",
        _set("orders[1].delivered_at", None),
        "orders[1].delivered_at",
        "needed_for_status",
    ),
    (
        "shipped without shipped_at",
        _set("orders[0].shipped_at", None),
        "orders[0].shipped_at",
        "needed_for_status",
    ),
    (
        "delivered without shipped_at",
        _set("orders[1].shipped_at", None),
        "orders[1].shipped_at",
        "needed_for_status",
    ),
    (
        "unshipped with shipped_at",
        _set("orders[2].shipped_at", "2026-11-26T10:00:00Z"),
        "orders[2].shipped_at",
        "not_allowed_for_status",
    ),
    (
        "shipped with delivered_at",
        _set("orders[0].delivered_at", "2026-11-15T10:00:00Z"),
        "orders[0].delivered_at",
        "not_allowed_for_status",
    ),
    (
        "shipped before placed",
        _set("orders[0].shipped_at", "2026-11-10T18:11:59Z"),
        "orders[0].shipped_at",
        "time_before",
    ),
    (
        "delivered before shipped",
        _set("orders[1].delivered_at", "2026-11-03T17:00:00Z"),
        "orders[1].delivered_at",
        "time_before",
    ),
    # references and duplicates
    (
        "unknown seller of a product",
        _set("products[2].seller_id", "S-404"),
        "products[2].seller_id",
        "unknown_seller",
    ),
    (
        "unknown seller of an order",
        _set("orders[1].seller_id", "S-404"),
        "orders[1].seller_id",
        "unknown_seller",
    ),
    (
        "unknown buyer",
        _set("orders[0].buyer_id", "B-404"),
        "orders[0].buyer_id",
        "unknown_buyer",
    ),
    (
        "unknown product",
        _set("orders[0].items[1].asin", "B0NOTHERE0"),
        "orders[0].items[1].asin",
        "unknown_product",
    ),
    (
        "product of another seller",
        _set("orders[0].items[0].asin", f.CANDLES),
        "orders[0].items[0].asin",
        "product_of_other_seller",
    ),
    (
        "duplicate order id",
        _set("orders[2].id", f.ORDER_SHIPPED),
        "orders[2].id",
        "duplicate_id",
    ),
    (
        "duplicate seller id",
        _set("sellers[2].id", f.SELLER_ZH),
        "sellers[2].id",
        "duplicate_id",
    ),
    (
        "duplicate asin",
        _set("products[1].asin", f.TUMBLER),
        "products[1].asin",
        "duplicate_id",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "problem"),
    [pytest.param(m, p, k, id=name) for name, m, p, k in INVALID_CASES],
)
def test_invalid_document_names_the_path_and_writes_nothing(
    engine, mutate, path, problem
):
    load(engine, valid_document())
    before = database_dump(engine)
    document = valid_document()
    # Valid changes before the fault: a partial write would show in the dump.
    document["sellers"][0]["name"] = "Changed before the fault"
    document["buyers"].append(f.buyer(id="B-NEW"))
    mutate(document)

    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)

    error = raised.value
    assert (error.path, error.message_key) == (path, f"importer.error.{problem}")
    assert str(error) == f"{path}: {error.message()}"
    assert "\n" not in str(error)
    assert database_dump(engine) == before


@pytest.mark.parametrize(
    ("mutate", "path", "problem"),
    [pytest.param(m, p, k, id=name) for name, m, p, k in INVALID_CASES],
)
def test_invalid_document_writes_nothing_into_an_empty_database(
    engine, mutate, path, problem
):
    document = valid_document()
    mutate(document)

    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)

    assert raised.value.path == path
    assert database_dump(engine) == {table: [] for table in database_dump(engine)}


@pytest.mark.parametrize(
    ("document", "got"),
    [([], "an array"), ("text", "a string"), (None, "null")],
)
def test_a_document_that_is_not_an_object(engine, document, got):
    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)
    assert raised.value.path == "$"
    assert str(raised.value) == f"$: must be a JSON object, got {got}"


def test_error_messages_are_one_line_in_both_languages(engine):
    document = valid_document()
    document["orders"][0]["buyer_id"] = "B-404"
    document["sellers"][0]["name"] = "two\nlines"

    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)

    error = raised.value
    assert str(error) == (
        'orders[0].buyer_id: unknown buyer "B-404": '
        "neither in this document nor in the database"
    )
    chinese = error.line("zh")
    assert chinese.startswith("orders[0].buyer_id: ")
    assert "未知买家" in chinese and "\n" not in chinese


def test_values_with_newlines_are_shown_on_one_line(engine):
    document = valid_document()
    document["orders"][0]["id"] = "112-1234567\n-1234567"
    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)
    assert "\n" not in str(raised.value)
    assert "\n" not in raised.value.line("zh")


# -- files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"sellers": [}', r"^\$: not valid JSON: .+ \(line 1, column 14\)$"),
        ("", r"^\$: not valid JSON: "),
        ('{"orders": [], "orders": []}', r'^\$: the key "orders" appears twice'),
        ('{"orders": [{"quantity": NaN}]}', r"^\$: .*NaN.* is not allowed in JSON"),
        ("[1, 2]", r"^\$: must be a JSON object, got an array$"),
    ],
    ids=["syntax", "empty", "duplicate key", "NaN", "array"],
)
def test_invalid_json_file_writes_nothing(engine, tmp_path, text, message):
    load(engine, valid_document())
    before = database_dump(engine)
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ImportValidationError) as raised:
        load_file(path, engine)

    assert raised.value.path == "$"
    assert re.search(message, str(raised.value)), str(raised.value)
    assert database_dump(engine) == before


def test_unreadable_and_non_utf8_files(engine, tmp_path):
    with pytest.raises(ImportValidationError) as raised:
        load_file(tmp_path / "missing.json", engine)
    assert raised.value.path == "$"
    assert raised.value.message_key == "importer.error.unreadable_file"

    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"buyers": [{"name": "José"}]}'.encode("latin-1"))
    with pytest.raises(ImportValidationError) as raised:
        load_file(latin1, engine)
    assert raised.value.message_key == "importer.error.not_utf8"


def test_a_file_with_a_byte_order_mark_loads(engine, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid_document()).encode("utf-8"))
    assert counts(load_file(path, engine))["orders"] == (3, 0, 0)


def test_timestamps_keep_microseconds_and_offsets(engine):
    document = valid_document()
    document["orders"][0]["placed_at"] = "2026-11-10T10:12:00.123456-08:00"
    load(engine, document)
    with session_scope(engine) as session:
        placed_at = SqlRepository(session).get_order(f.ORDER_SHIPPED).placed_at
    assert placed_at == datetime(2026, 11, 10, 18, 12, 0, 123456, tzinfo=timezone.utc)
    assert placed_at.utcoffset() == timedelta(0)
    assert not load(engine, document).changed


# -- the documentation and the demo data agree with the loader ---------------------


def test_the_documented_example_loads_twice(engine):
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\s+```json\n(.*?)```", text, re.S).group(1)

    first = load(engine, json.loads(example))
    second = load(engine, json.loads(example))

    assert counts(first)["orders"] == (1, 0, 0)
    assert not second.changed


def test_the_documented_error_line_is_what_the_loader_prints(engine):
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    document = valid_document()
    document["orders"][2]["id"] = "112-123"
    with pytest.raises(ImportValidationError) as raised:
        load(engine, document)
    assert str(raised.value) in text


def test_the_demo_data_loads_twice(engine):
    demo = ROOT / "data" / "demo" / "demo.json"
    if not demo.exists():
        pytest.skip("no demo data set yet")
    load_file(demo, engine)
    before = database_dump(engine)
    assert not load_file(demo, engine).changed
    assert database_dump(engine) == before
