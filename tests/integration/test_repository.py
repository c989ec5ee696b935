"""SqlRepository on real databases: domain objects out, never ORM rows."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.adapters.db import session_scope
from bot.adapters.repository import SqlRepository
from bot.domain.model import (
    Buyer,
    EnrollmentPeriod,
    Fulfillment,
    Language,
    Order,
    OrderStatus,
    Product,
    ReturnOption,
    Seller,
)
from bot.services.importer import load_document
from tests import factories as f
from tests.factories import valid_document


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def repo(engine):
    document = valid_document()
    # List S-1's periods newest first: the repository must still order them.
    document["sellers"][0]["enrollments"].reverse()
    # More orders for buyer B-2, to check "newest first" and the limit.
    for n, placed_at in enumerate(
        ["2026-10-01T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-20T00:00:00Z"]
    ):
        document["orders"].append(
            f.order(
                id=f"111-0000000-000000{n}",
                buyer_id=f.BUYER_2,
                placed_at=placed_at,
                shipped_at="2026-11-21T00:00:00Z",
                items=[f.item(asin=f.KETTLE), f.item(), f.item(asin=f.KETTLE)],
            )
        )
    with session_scope(engine) as session:
        load_document(session, document)
    with session_scope(engine) as session:
        yield SqlRepository(session)


def test_get_order_returns_the_order_with_product_details(repo):
    order = repo.get_order(f.ORDER_SHIPPED)

    assert isinstance(order, Order)
    assert order.fulfillment is Fulfillment.SELLER
    assert order.status is OrderStatus.SHIPPED
    assert (order.buyer_id, order.seller_id) == (f.BUYER_1, f.SELLER_ZH)
    assert order.placed_at == utc(2026, 11, 10, 18, 12)
    assert order.placed_at.tzinfo is not None
    assert order.shipped_at == utc(2026, 11, 12, 2)
    assert order.delivered_at is None
    assert order.promised_delivery_by == utc(2026, 11, 20, 8)
    assert (order.carrier, order.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert (order.ship_to_country, order.ship_to_postal_code) == ("US", "98101")
    assert [
        (i.asin, i.quantity, i.unit_price, i.customization, i.title, i.returnable)
        for i in order.items
    ] == [
        (f.TUMBLER, 1, Decimal("24.99"), None, "Hearth 20 oz Insulated Tumbler", True),
        (f.KETTLE, 2, Decimal("39.90"), None, "Hearth 1.7 L Electric Kettle", True),
    ]
    assert isinstance(order.items[0].unit_price, Decimal)


def test_items_carry_whether_their_product_is_returnable(repo):
    order = repo.get_order(f.ORDER_DELIVERED)
    assert order.status is OrderStatus.DELIVERED
    assert [(i.title, i.returnable) for i in order.items] == [
        ("Birthday candles, 24 pack", False)
    ]


@pytest.mark.parametrize(
    "order_id", ["112-0000000-0000000", "", "112 1234567 1234567", "x' OR '1'='1"]
)
def test_unknown_order_is_none(repo, order_id):
    assert repo.get_order(order_id) is None
    assert repo.order_exists(order_id) is False
    assert repo.products_for_order(order_id) == []


def test_get_seller_with_enrollments_in_opt_in_order(repo):
    seller = repo.get_seller(f.SELLER_ZH)

    assert isinstance(seller, Seller)
    assert seller.preferred_language is Language.ZH
    assert seller.international_return_option is ReturnOption.PREPAID_LABEL
    assert (seller.professional, seller.good_standing, seller.invited) == (
        True,
        True,
        True,
    )
    assert (seller.country, seller.return_window_days, seller.return_address) == (
        "CN",
        30,
        None,
    )
    assert seller.enrollments == (
        EnrollmentPeriod(opted_in_at=utc(2026, 1, 5, 8), opted_out_at=utc(2026, 6, 1)),
        EnrollmentPeriod(
            opted_in_at=utc(2026, 9, 1), activated_at=utc(2026, 9, 1, 0, 40)
        ),
    )
    assert repo.enrollments_of(f.SELLER_ZH) == seller.enrollments


def test_seller_without_enrollments(repo):
    seller = repo.get_seller(f.SELLER_NOT_INVITED)
    assert seller.invited is False
    assert seller.international_return_option is ReturnOption.RETURNLESS_REFUND
    assert seller.enrollments == ()


def test_get_buyer_and_product(repo):
    assert repo.get_buyer(f.BUYER_2) == Buyer(
        id=f.BUYER_2,
        name="陈伟",
        email="chen@example.com",
        postal_code="98101",
        language="zh",
    )
    product = repo.get_product(f.TUMBLER)
    assert isinstance(product, Product)
    assert product.seller_id == f.SELLER_ZH
    assert product.bullets == (
        "Keeps drinks cold for 24 hours",
        "Top-rack dishwasher safe",
    )
    assert dict(product.attributes) == {
        "material": "stainless steel",
        "capacity": "20 oz",
    }
    assert (product.returnable, product.customizable) == (True, False)


def test_unknown_seller_buyer_and_product_are_none(repo):
    assert repo.get_seller("S-404") is None
    assert repo.get_buyer("B-404") is None
    assert repo.get_product("B0NOTHERE0") is None


def test_products_for_order_are_distinct_in_line_order(repo):
    products = repo.products_for_order("111-0000000-0000000")
    assert [p.asin for p in products] == [f.KETTLE, f.TUMBLER]
    assert all(isinstance(p, Product) for p in products)


def test_titles_containing_a_word_ignore_case_and_wildcards(repo):
    assert repo.titles_containing(["kettle"], 10) == ["Hearth 1.7 L Electric Kettle"]
    assert repo.titles_containing(["candle", "tumbler"], 10) == [
        "Hearth 20 oz Insulated Tumbler",
        "Birthday candles, 24 pack",
    ]  # in ASIN order
    assert repo.titles_containing(["hearth"], 1) == ["Hearth 20 oz Insulated Tumbler"]
    # LIKE's wildcards are plain characters here
    assert repo.titles_containing(["%"], 10) == []
    assert repo.titles_containing(["h_arth"], 10) == []
    assert repo.titles_containing([], 10) == []


def test_recent_orders_for_buyer_newest_first(repo):
    orders = repo.recent_orders_for_buyer(f.BUYER_2)

    # 114-... was placed 2026-11-26 00:45 UTC; two orders tie at 11-20 (higher id first).
    assert [o.id for o in orders] == [
        f.ORDER_UNSHIPPED,
        "111-0000000-0000002",
        "111-0000000-0000001",
        "111-0000000-0000000",
    ]
    assert all(isinstance(o, Order) and o.items for o in orders)
    assert [i.asin for i in orders[1].items] == [f.KETTLE, f.TUMBLER, f.KETTLE]


def test_recent_orders_for_buyer_respects_the_limit(repo):
    assert [o.id for o in repo.recent_orders_for_buyer(f.BUYER_2, limit=2)] == [
        f.ORDER_UNSHIPPED,
        "111-0000000-0000002",
    ]
    assert repo.recent_orders_for_buyer("B-404") == []


def test_list_orders_and_sellers(repo):
    assert repo.list_orders() == sorted(
        [
            f.ORDER_SHIPPED,
            f.ORDER_DELIVERED,
            f.ORDER_UNSHIPPED,
            "111-0000000-0000000",
            "111-0000000-0000001",
            "111-0000000-0000002",
        ]
    )
    assert repo.list_sellers() == [f.SELLER_ZH, f.SELLER_EN, f.SELLER_NOT_INVITED]
