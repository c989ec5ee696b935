"""The shape of the import file (docs/data-format.md) as a JSON Schema.

Each record kind has its schema; `DOCUMENT` is the whole file. The validator is
jsonschema's, with a `nonBlank` keyword, the formats `instant` and `price`
(formats.py), and `problems` naming the catalogue problem of a keyword where
the default one is not precise enough (shape.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from bot.adapters.orm import BuyerRow, OrderItemRow, OrderRow, ProductRow, SellerRow
from bot.domain.model import (
    MIN_RETURN_WINDOW_DAYS,
    Fulfillment,
    Language,
    OrderStatus,
    ReturnOption,
)

from .shape import Shape

# The largest value an INTEGER column holds on PostgreSQL.
INT32_MAX = 2_147_483_647
# Longer windows than this are surely a typo, and would overflow date arithmetic.
MAX_RETURN_WINDOW_DAYS = 3650

# Whole-string patterns: \A and \Z (not ^ and $, which allow a final newline).
_ORDER_ID = r"\A[0-9]{3}-[0-9]{7}-[0-9]{7}\Z"
_ASIN = r"\A[A-Z0-9]{10}\Z"
_ENTITY_ID = r"\A[A-Za-z0-9][A-Za-z0-9._:-]*\Z"
_EMAIL = r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z"
_COUNTRY = r"\A[A-Z]{2}\Z"
_LANGUAGE_TAG = r"\A[a-z]{2,3}(?:-[A-Za-z0-9]{1,4})?\Z"


def _string(
    column: Any = None,
    *,
    pattern: str | None = None,
    problem: str = "bad_format",
    blank: bool = False,
    nullable: bool = False,
) -> dict[str, Any]:
    """A string; not blank unless `blank`; at most as long as `column` holds."""
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    if not blank:
        schema["nonBlank"] = True
    if pattern is not None:
        schema["pattern"] = pattern
        schema["problems"] = {"pattern": problem}
    length = column.property.columns[0].type.length if column is not None else None
    if length is not None:
        schema["maxLength"] = length
    return schema


def _choice(kind: type[Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in kind]}


def _instant(*, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "format": "instant"}


def _object(
    properties: dict[str, Any], *, optional: Sequence[str] = ()
) -> dict[str, Any]:
    """An object with these fields (in reading order) and no others."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


_BOOLEAN = {"type": "boolean"}

ENROLLMENT = _object(
    {
        "opted_in_at": _instant(),
        "activated_at": _instant(nullable=True),
        "opted_out_at": _instant(nullable=True),
    },
    optional=("activated_at", "opted_out_at"),
)
ENROLLMENT_FIELDS = tuple(ENROLLMENT["properties"])

SELLER = _object(
    {
        "id": _string(SellerRow.id, pattern=_ENTITY_ID, problem="bad_id"),
        "name": _string(SellerRow.name),
        "email": _string(SellerRow.email, pattern=_EMAIL, problem="bad_email"),
        "preferred_language": _choice(Language),
        "professional": _BOOLEAN,
        "good_standing": _BOOLEAN,
        "invited": _BOOLEAN,
        "country": _string(SellerRow.country, pattern=_COUNTRY, problem="bad_country"),
        "return_window_days": {
            "type": "integer",
            "minimum": MIN_RETURN_WINDOW_DAYS,
            "maximum": MAX_RETURN_WINDOW_DAYS,
            "problems": {"minimum": "return_window_too_short"},
        },
        "international_return_option": _choice(ReturnOption),
        "return_address": _string(SellerRow.return_address, nullable=True),
        "enrollments": {"type": "array", "items": ENROLLMENT},
    },
    optional=("return_address", "enrollments"),
)

BUYER = _object(
    {
        "id": _string(BuyerRow.id, pattern=_ENTITY_ID, problem="bad_id"),
        "name": _string(BuyerRow.name),
        "email": _string(BuyerRow.email, pattern=_EMAIL, problem="bad_email"),
        "postal_code": _string(BuyerRow.postal_code),
        "language": _string(
            BuyerRow.language, pattern=_LANGUAGE_TAG, problem="bad_language"
        ),
    },
    optional=("language",),
)

PRODUCT = _object(
    {
        "asin": _string(ProductRow.asin, pattern=_ASIN, problem="bad_asin"),
        "seller_id": _string(
            ProductRow.seller_id, pattern=_ENTITY_ID, problem="bad_id"
        ),
        "title": _string(ProductRow.title),
        "category": _string(ProductRow.category, blank=True),
        "bullets": {"type": "array", "items": {"type": "string"}},
        "description": _string(ProductRow.description, blank=True),
        "attributes": {
            "type": "object",
            "propertyNames": {"type": "string", "nonBlank": True},
            "additionalProperties": {"type": "string"},
        },
        "returnable": _BOOLEAN,
        "customizable": _BOOLEAN,
    },
    optional=("category", "bullets", "description", "attributes"),
)

ITEM = _object(
    {
        "asin": _string(OrderItemRow.asin, pattern=_ASIN, problem="bad_asin"),
        "quantity": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "unit_price": {"format": "price"},
        "customization": _string(OrderItemRow.customization, nullable=True),
    },
    optional=("customization",),
)

ORDER = _object(
    {
        "id": _string(OrderRow.id, pattern=_ORDER_ID, problem="bad_order_id"),
        "buyer_id": _string(OrderRow.buyer_id, pattern=_ENTITY_ID, problem="bad_id"),
        "seller_id": _string(OrderRow.seller_id, pattern=_ENTITY_ID, problem="bad_id"),
        "fulfillment": _choice(Fulfillment),
        "placed_at": _instant(),
        "status": _choice(OrderStatus),
        "shipped_at": _instant(nullable=True),
        "delivered_at": _instant(nullable=True),
        "promised_delivery_by": _instant(nullable=True),
        "carrier": _string(OrderRow.carrier, nullable=True),
        "tracking_number": _string(OrderRow.tracking_number, nullable=True),
        "ship_to": _object(
            {
                "country": _string(
                    OrderRow.ship_to_country, pattern=_COUNTRY, problem="bad_country"
                ),
                "postal_code": _string(OrderRow.ship_to_postal_code),
            }
        ),
        "items": {
            "type": "array",
            "minItems": 1,
            "items": ITEM,
            "problems": {"minItems": "no_items"},
        },
    },
    optional=(
        "shipped_at",
        "delivered_at",
        "promised_delivery_by",
        "carrier",
        "tracking_number",
    ),
)

# The whole file: each key is optional, each an array of records.
DOCUMENT = _object(
    {
        "sellers": {"type": "array", "items": SELLER},
        "buyers": {"type": "array", "items": BUYER},
        "products": {"type": "array", "items": PRODUCT},
        "orders": {"type": "array", "items": ORDER},
    },
    optional=("sellers", "buyers", "products", "orders"),
)


# Checked one step at a time, so that problems are met in reading order: the
# document's keys, then each kind's array and its records one by one.
DOCUMENT_KEYS = Shape(
    {**DOCUMENT, "properties": dict.fromkeys(DOCUMENT["properties"], {})}
)
RECORD_LIST = Shape({"type": "array"})
RECORDS = {
    kind: Shape(schema["items"]) for kind, schema in DOCUMENT["properties"].items()
}
