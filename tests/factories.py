"""Builders of import documents (docs/data-format.md) for tests.

`valid_document()` returns a fresh, small, valid document every call, so a test
can mutate it freely. The single-entity builders take keyword overrides.
"""

from __future__ import annotations

import copy
from typing import Any

# Ids used by valid_document(), for tests that refer to them.
SELLER_ZH = "S-1"  # Chinese-speaking, CN, enrolled (two periods, one closed)
SELLER_EN = "S-2"  # English-speaking, US, enrolled since October
SELLER_NOT_INVITED = "S-3"  # professional, in good standing, not invited, no periods
BUYER_1 = "B-1"
BUYER_2 = "B-2"
TUMBLER = "B0TEST0001"  # S-1, returnable
KETTLE = "B0TEST0002"  # S-1, returnable
CANDLES = "B0TEST0003"  # S-2, not returnable
ORDER_SHIPPED = "112-1234567-1234567"  # S-1, B-1, shipped, two lines
ORDER_DELIVERED = "113-0000001-0000002"  # S-2, B-1, delivered
ORDER_UNSHIPPED = "114-7654321-7654321"  # S-1, B-2, unshipped


def seller(**overrides: Any) -> dict[str, Any]:
    doc = {
        "id": SELLER_ZH,
        "name": "Shenzhen Hearth Kitchenware Co.",
        "email": "cs@hearth.example.cn",
        "preferred_language": "zh",
        "professional": True,
        "good_standing": True,
        "invited": True,
        "country": "CN",
        "return_window_days": 30,
        "international_return_option": "prepaid_label",
        "return_address": None,
        "enrollments": [
            enrollment(
                opted_in_at="2026-01-05T08:00:00Z",
                opted_out_at="2026-06-01T00:00:00Z",
            ),
            enrollment(
                opted_in_at="2026-09-01T08:00:00+08:00",
                activated_at="2026-09-01T00:40:00Z",
            ),
        ],
    }
    doc.update(overrides)
    return doc


def enrollment(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "opted_in_at": "2026-01-05T08:00:00Z",
        "activated_at": None,
        "opted_out_at": None,
    }
    doc.update(overrides)
    return doc


def buyer(**overrides: Any) -> dict[str, Any]:
    doc = {
        "id": BUYER_1,
        "name": "Alice Johnson",
        "email": "alice@example.com",
        "postal_code": "98101",
        "language": "en",
    }
    doc.update(overrides)
    return doc


def product(**overrides: Any) -> dict[str, Any]:
    doc = {
        "asin": TUMBLER,
        "seller_id": SELLER_ZH,
        "title": "Hearth 20 oz Insulated Tumbler",
        "category": "kitchen",
        "bullets": ["Keeps drinks cold for 24 hours", "Top-rack dishwasher safe"],
        "description": "A 20 oz tumbler made of 18/8 stainless steel.",
        "attributes": {"material": "stainless steel", "capacity": "20 oz"},
        "returnable": True,
        "customizable": False,
    }
    doc.update(overrides)
    return doc


def item(**overrides: Any) -> dict[str, Any]:
    doc = {"asin": TUMBLER, "quantity": 1, "unit_price": "24.99", "customization": None}
    doc.update(overrides)
    return doc


def order(**overrides: Any) -> dict[str, Any]:
    doc = {
        "id": ORDER_SHIPPED,
        "buyer_id": BUYER_1,
        "seller_id": SELLER_ZH,
        "fulfillment": "seller",
        "placed_at": "2026-11-10T18:12:00Z",
        "status": "shipped",
        "shipped_at": "2026-11-12T02:00:00Z",
        "delivered_at": None,
        "promised_delivery_by": "2026-11-20T08:00:00Z",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "ship_to": {"country": "US", "postal_code": "98101"},
        "items": [item(), item(asin=KETTLE, quantity=2, unit_price="39.90")],
    }
    doc.update(overrides)
    return doc


_VALID_DOCUMENT: dict[str, Any] = {
    "sellers": [
        seller(),
        seller(
            id=SELLER_EN,
            name="Pacific Outdoor Supply",
            email="support@pacific.example.com",
            preferred_language="en",
            country="US",
            return_window_days=45,
            return_address="88 Harbor Way, Tacoma, WA 98402, US",
            enrollments=[enrollment(opted_in_at="2026-10-01T14:00:00Z")],
        ),
        seller(
            id=SELLER_NOT_INVITED,
            name="Hangzhou Silk Studio",
            email="hello@silk.example.cn",
            invited=False,
            international_return_option="returnless_refund",
            enrollments=[],
        ),
    ],
    "buyers": [
        buyer(),
        buyer(id=BUYER_2, name="陈伟", email="chen@example.com", language="zh"),
    ],
    "products": [
        product(),
        product(
            asin=KETTLE,
            title="Hearth 1.7 L Electric Kettle",
            bullets=["1500 W"],
            attributes={"wattage": "1500 W"},
        ),
        product(
            asin=CANDLES,
            seller_id=SELLER_EN,
            title="Birthday candles, 24 pack",
            category="party",
            bullets=[],
            description="",
            attributes={},
            returnable=False,
        ),
    ],
    "orders": [
        order(),
        order(
            id=ORDER_DELIVERED,
            seller_id=SELLER_EN,
            placed_at="2026-11-02T19:00:00Z",
            status="delivered",
            shipped_at="2026-11-03T18:00:00Z",
            delivered_at="2026-11-06T21:00:00Z",
            promised_delivery_by="2026-11-08T08:00:00Z",
            items=[item(asin=CANDLES, quantity=3, unit_price=4.5)],
        ),
        order(
            id=ORDER_UNSHIPPED,
            buyer_id=BUYER_2,
            placed_at="2026-11-25T16:45:00-08:00",
            status="unshipped",
            shipped_at=None,
            promised_delivery_by="2026-12-05T08:00:00Z",
            carrier=None,
            tracking_number=None,
            ship_to={"country": "US", "postal_code": "94103"},
            items=[item(customization="Engrave: The Chens")],
        ),
    ],
}


def valid_document() -> dict[str, Any]:
    """A small valid document: 3 sellers, 2 buyers, 3 products, 3 orders."""
    return copy.deepcopy(_VALID_DOCUMENT)


def database_dump(connectable: Any) -> dict[str, list[tuple]]:
    """Every row of every table, ids included, in primary-key order: compare two
    dumps to prove that something wrote nothing (or changed nothing)."""
    from sqlalchemy import select

    from bot.adapters.orm import metadata

    dump: dict[str, list[tuple]] = {}
    with connectable.connect() as conn:
        for table in metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            dump[table.name] = [tuple(row) for row in conn.execute(query)]
    return dump
