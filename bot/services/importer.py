"""`csba db load FILE.json`: sellers, buyers, products and orders from one JSON
document (the format is docs/data-format.md).

- All or nothing: the whole document is validated before anything is written.
  The first problem raises `ImportValidationError`, naming the JSON path
  (`orders[2].id`) and the problem; the database is not touched.
- An upsert by id: an entity in the document replaces the stored one, including
  the enrollments of a seller and the items of an order. What is already stored
  with the same values is left alone, so loading the same file twice changes
  nothing (not even row ids).
- A reference (a product's seller, an order's buyer, seller and products) may
  point to the same document or to what the database already holds.

Every sentence the operator reads is in bot/catalogue/<lang>/importer.yml.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.adapters.orm import (
    BuyerRow,
    EnrollmentRow,
    OrderItemRow,
    OrderRow,
    ProductRow,
    SellerRow,
)
from bot.adapters.repository import chunked
from bot.db import session_scope
from bot.domain.model import (
    DEFAULT_ACTIVATION_DELAY,
    MIN_RETURN_WINDOW_DAYS,
    Fulfillment,
    Language,
    OrderStatus,
    ReturnOption,
)
from bot.i18n import DEFAULT_LANGUAGE, t

# -- errors -------------------------------------------------------------------

ROOT_PATH = "$"
_SHOW_MAX = 80
# The largest value an INTEGER column holds on PostgreSQL.
_INT32_MAX = 2_147_483_647
# Longer windows than this are surely a typo, and would overflow date arithmetic.
MAX_RETURN_WINDOW_DAYS = 3650


@dataclass(frozen=True)
class Term:
    """A catalogue key used as a message parameter, translated with the message."""

    key: str


class ImportValidationError(ValueError):
    """The document is invalid; nothing was written.

    `path` is the JSON path of the failing value (`$` for the document itself),
    `message_key` the catalogue key of the problem and `message_params` its
    parameters. (Not `key`/`params`: a bare catalogue message would lose the path.)
    `str()` is one line, `<path>: <message>`, in English; `line(language)`
    renders it in another catalogue language.
    """

    def __init__(self, path: str, message_key: str, /, **params: Any) -> None:
        self.path = path
        self.message_key = message_key
        self.message_params = params
        super().__init__(self.line(DEFAULT_LANGUAGE))

    def message(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        params = {
            name: t(value.key, language) if isinstance(value, Term) else value
            for name, value in self.message_params.items()
        }
        return t(self.message_key, language, **params)

    def line(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        return t(
            "importer.error_line",
            language,
            path=self.path,
            message=self.message(language),
        )

    def __str__(self) -> str:
        return self.line(DEFAULT_LANGUAGE)


def _error(path: str, problem: str, /, **params: Any) -> ImportValidationError:
    return ImportValidationError(path, f"importer.error.{problem}", **params)


def show(value: Any) -> str:
    """A document value as it appears in a message: JSON, on one line, short."""
    if isinstance(value, Decimal):
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:  # circular structure in a document built in Python
            text = repr(value)
    text = " ".join(text.split())
    if len(text) > _SHOW_MAX:
        text = text[: _SHOW_MAX - 1] + "…"
    return text


def _json_type(value: Any) -> Term:
    if value is None:
        name = "null"
    elif isinstance(value, bool):
        name = "boolean"
    elif isinstance(value, (int, float, Decimal)):
        name = "number"
    elif isinstance(value, str):
        name = "string"
    elif isinstance(value, (list, tuple)):
        name = "array"
    elif isinstance(value, dict):
        name = "object"
    else:
        name = "other"
    return Term(f"importer.json_type.{name}")


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def key_path(path: str, key: Any) -> str:
    """`orders[2]` + `id` -> `orders[2].id`; odd keys are quoted: `x["a b"]`."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        part = key
        return f"{path}.{part}" if path and path != ROOT_PATH else part
    quoted = f"[{show(key if isinstance(key, str) else str(key))}]"
    return f"{path}{quoted}" if path and path != ROOT_PATH else f"${quoted}"


def index_path(path: str, index: int) -> str:
    return f"{path}[{index}]"


# -- field readers ------------------------------------------------------------

_MISSING = object()

_ORDER_ID = re.compile(r"[0-9]{3}-[0-9]{7}-[0-9]{7}")
_ASIN = re.compile(r"[A-Z0-9]{10}")
_ENTITY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,4})?")
_CENT = Decimal("0.01")
_PRICE_LIMIT = Decimal(10) ** 10  # Numeric(12, 2): ten digits before the point


def _max_length(column: Any) -> int | None:
    return column.property.columns[0].type.length


class _Object:
    """A JSON object at `path` whose keys must all be in `fields`."""

    def __init__(self, value: Any, path: str, fields: Sequence[str]) -> None:
        if not isinstance(value, dict):
            raise _error(path, "not_object", got=_json_type(value))
        for key in value:
            if key not in fields:
                raise _error(
                    key_path(path, key), "unknown_key", expected=", ".join(fields)
                )
        self.value = value
        self.path = path

    def at(self, key: str) -> str:
        return key_path(self.path, key)

    def _get(self, key: str, *, required: bool, nullable: bool) -> Any:
        if key not in self.value:
            if required:
                raise _error(self.at(key), "missing_field")
            return _MISSING
        value = self.value[key]
        if value is None and nullable:
            return _MISSING
        return value

    def string(
        self,
        key: str,
        *,
        column: Any,
        required: bool = True,
        nullable: bool = False,
        default: str | None = None,
        allow_empty: bool = False,
        pattern: re.Pattern[str] | None = None,
        pattern_problem: str = "bad_format",
    ) -> str | None:
        value = self._get(key, required=required, nullable=nullable)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise _error(self.at(key), "not_string", got=_json_type(value))
        if not value.strip() and not allow_empty:
            raise _error(self.at(key), "empty_string")
        if pattern is not None and not pattern.fullmatch(value):
            raise _error(self.at(key), pattern_problem, value=show(value))
        limit = _max_length(column)
        if limit is not None and len(value) > limit:
            raise _error(self.at(key), "too_long", length=len(value), max_length=limit)
        return value

    def boolean(
        self, key: str, *, required: bool = True, default: bool = False
    ) -> bool:
        value = self._get(key, required=required, nullable=False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise _error(self.at(key), "not_boolean", got=_json_type(value))
        return value

    def integer(
        self,
        key: str,
        *,
        minimum: int,
        maximum: int = _INT32_MAX,
        too_small: str = "integer_too_small",
    ) -> int:
        value = self._get(key, required=True, nullable=False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(self.at(key), "not_integer", got=_json_type(value))
        if value < minimum:
            raise _error(self.at(key), too_small, value=value, minimum=minimum)
        if value > maximum:
            raise _error(
                self.at(key), "integer_too_large", value=value, maximum=maximum
            )
        return value

    def choice(self, key: str, kind: type[Enum]) -> str:
        value = self._get(key, required=True, nullable=False)
        allowed = [member.value for member in kind]
        if not isinstance(value, str):
            raise _error(self.at(key), "not_string", got=_json_type(value))
        if value not in allowed:
            raise _error(
                self.at(key),
                "bad_choice",
                value=show(value),
                allowed=" | ".join(allowed),
            )
        return value

    def instant(
        self, key: str, *, required: bool = True, nullable: bool = False
    ) -> datetime | None:
        value = self._get(key, required=required, nullable=nullable)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            raise _error(self.at(key), "not_string", got=_json_type(value))
        return parse_timestamp(value, self.at(key))

    def price(self, key: str) -> Decimal:
        value = self._get(key, required=True, nullable=False)
        path = self.at(key)
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise _error(path, "bad_price", value=show(value))
        try:
            amount = (
                Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            )
        except (InvalidOperation, ValueError):
            raise _error(path, "bad_price", value=show(value)) from None
        if isinstance(value, str) and value != value.strip():
            raise _error(path, "bad_price", value=show(value))
        if not amount.is_finite():
            raise _error(path, "bad_price", value=show(value))
        if amount < 0:
            raise _error(path, "negative_price", value=show(value))
        if amount >= _PRICE_LIMIT:
            raise _error(path, "price_too_large", value=show(value))
        if amount != amount.quantize(_CENT, rounding=ROUND_DOWN):
            raise _error(path, "price_precision", value=show(value))
        return amount.quantize(_CENT) + 0  # + 0 turns -0.00 into 0.00

    def array(self, key: str, *, required: bool = True) -> list[Any]:
        value = self._get(key, required=required, nullable=False)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            raise _error(self.at(key), "not_list", got=_json_type(value))
        return value

    def string_list(self, key: str) -> list[str]:
        values = self.array(key, required=False)
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise _error(
                    index_path(self.at(key), index), "not_string", got=_json_type(item)
                )
        return list(values)

    def string_map(self, key: str) -> dict[str, str]:
        value = self._get(key, required=False, nullable=False)
        if value is _MISSING:
            return {}
        if not isinstance(value, dict):
            raise _error(self.at(key), "not_object", got=_json_type(value))
        for name, item in value.items():
            if not isinstance(name, str) or not name.strip():
                raise _error(key_path(self.at(key), name), "empty_key")
            if not isinstance(item, str):
                raise _error(
                    key_path(self.at(key), name), "not_string", got=_json_type(item)
                )
        return dict(value)

    def nested(self, key: str, fields: Sequence[str]) -> _Object:
        value = self._get(key, required=True, nullable=False)
        return _Object(value, self.at(key), fields)


def parse_timestamp(text: str, path: str) -> datetime:
    """ISO 8601 with an offset (`Z` allowed) -> aware UTC; naive is refused."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise _error(path, "bad_timestamp", value=show(text)) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise _error(path, "naive_timestamp", value=show(text))
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise _error(path, "bad_timestamp", value=show(text)) from None


# -- the validated plan ---------------------------------------------------------

SELLER_FIELDS = (
    "id",
    "name",
    "email",
    "preferred_language",
    "professional",
    "good_standing",
    "invited",
    "country",
    "return_window_days",
    "international_return_option",
    "return_address",
    "enrollments",
)
ENROLLMENT_FIELDS = ("opted_in_at", "activated_at", "opted_out_at")
BUYER_FIELDS = ("id", "name", "email", "postal_code", "language")
PRODUCT_FIELDS = (
    "asin",
    "seller_id",
    "title",
    "category",
    "bullets",
    "description",
    "attributes",
    "returnable",
    "customizable",
)
ORDER_FIELDS = (
    "id",
    "buyer_id",
    "seller_id",
    "fulfillment",
    "placed_at",
    "status",
    "shipped_at",
    "delivered_at",
    "promised_delivery_by",
    "carrier",
    "tracking_number",
    "ship_to",
    "items",
)
SHIP_TO_FIELDS = ("country", "postal_code")
ITEM_FIELDS = ("asin", "quantity", "unit_price", "customization")
DOCUMENT_FIELDS = ("sellers", "buyers", "products", "orders")


@dataclass
class _Entity:
    """One validated entity: its path, id and the column values to store."""

    path: str
    id: str
    values: dict[str, Any]
    children: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Plan:
    sellers: list[_Entity] = field(default_factory=list)
    buyers: list[_Entity] = field(default_factory=list)
    products: list[_Entity] = field(default_factory=list)
    orders: list[_Entity] = field(default_factory=list)


def _check_unique(entity: _Entity, seen: dict[str, str], id_field: str) -> None:
    first = seen.get(entity.id)
    if first is not None:
        raise _error(
            key_path(entity.path, id_field),
            "duplicate_id",
            value=show(entity.id),
            first_path=first,
        )
    seen[entity.id] = entity.path


def _seller(value: Any, path: str) -> _Entity:
    obj = _Object(value, path, SELLER_FIELDS)
    c = SellerRow
    seller_id = obj.string(
        "id", column=c.id, pattern=_ENTITY_ID, pattern_problem="bad_id"
    )
    values = {
        "id": seller_id,
        "name": obj.string("name", column=c.name),
        "email": obj.string(
            "email", column=c.email, pattern=_EMAIL, pattern_problem="bad_email"
        ),
        "preferred_language": obj.choice("preferred_language", Language),
        "professional": obj.boolean("professional"),
        "good_standing": obj.boolean("good_standing"),
        "invited": obj.boolean("invited"),
        "country": obj.string(
            "country", column=c.country, pattern=_COUNTRY, pattern_problem="bad_country"
        ),
        "return_window_days": obj.integer(
            "return_window_days",
            minimum=MIN_RETURN_WINDOW_DAYS,
            maximum=MAX_RETURN_WINDOW_DAYS,
            too_small="return_window_too_short",
        ),
        "international_return_option": obj.choice(
            "international_return_option", ReturnOption
        ),
        "return_address": obj.string(
            "return_address", column=c.return_address, required=False, nullable=True
        ),
    }
    periods = [
        _enrollment(item, index_path(obj.at("enrollments"), index))
        for index, item in enumerate(obj.array("enrollments", required=False))
    ]
    if periods and not values["professional"]:
        raise _error(
            index_path(obj.at("enrollments"), 0),
            "enrollment_not_professional",
            seller_id=show(seller_id),
        )
    _check_overlaps(periods, obj.at("enrollments"))
    return _Entity(path=path, id=seller_id, values=values, children=periods)


def _enrollment(value: Any, path: str) -> dict[str, Any]:
    obj = _Object(value, path, ENROLLMENT_FIELDS)
    opted_in_at = obj.instant("opted_in_at")
    activated_at = obj.instant("activated_at", required=False, nullable=True)
    opted_out_at = obj.instant("opted_out_at", required=False, nullable=True)
    if activated_at is not None and activated_at < opted_in_at:
        raise _error(
            obj.at("activated_at"),
            "activated_before_opted_in",
            activated_at=show(obj.value["activated_at"]),
            opted_in_at=show(obj.value["opted_in_at"]),
        )
    if opted_out_at is not None and opted_out_at < opted_in_at:
        raise _error(
            obj.at("opted_out_at"),
            "opted_out_before_opted_in",
            opted_out_at=show(obj.value["opted_out_at"]),
            opted_in_at=show(obj.value["opted_in_at"]),
        )
    return {
        "opted_in_at": opted_in_at,
        "activated_at": activated_at,
        "opted_out_at": opted_out_at,
    }


def coverage_bounds(period: Mapping[str, Any]) -> tuple[datetime, datetime | None]:
    """[start, end) of a period: activation, or opt-in plus one hour, to opt-out."""
    start = period["activated_at"] or period["opted_in_at"] + DEFAULT_ACTIVATION_DELAY
    return start, period["opted_out_at"]


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    a_start, a_end = coverage_bounds(a)
    b_start, b_end = coverage_bounds(b)
    if (a_end is not None and a_end <= a_start) or (
        b_end is not None and b_end <= b_start
    ):
        return False  # an empty period (opted out before service began) covers nothing
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def _check_overlaps(periods: Sequence[Mapping[str, Any]], path: str) -> None:
    for later in range(len(periods)):
        for earlier in range(later):
            if _overlap(periods[earlier], periods[later]):
                raise _error(
                    index_path(path, later),
                    "enrollments_overlap",
                    other=index_path(path, earlier),
                )


def _buyer(value: Any, path: str) -> _Entity:
    obj = _Object(value, path, BUYER_FIELDS)
    c = BuyerRow
    buyer_id = obj.string(
        "id", column=c.id, pattern=_ENTITY_ID, pattern_problem="bad_id"
    )
    values = {
        "id": buyer_id,
        "name": obj.string("name", column=c.name),
        "email": obj.string(
            "email", column=c.email, pattern=_EMAIL, pattern_problem="bad_email"
        ),
        "postal_code": obj.string("postal_code", column=c.postal_code),
        "language": obj.string(
            "language",
            column=c.language,
            required=False,
            default="en",
            pattern=_LANGUAGE_TAG,
            pattern_problem="bad_language",
        ),
    }
    return _Entity(path=path, id=buyer_id, values=values)


def _product(value: Any, path: str) -> _Entity:
    obj = _Object(value, path, PRODUCT_FIELDS)
    c = ProductRow
    asin = obj.string("asin", column=c.asin, pattern=_ASIN, pattern_problem="bad_asin")
    values = {
        "asin": asin,
        "seller_id": obj.string(
            "seller_id",
            column=c.seller_id,
            pattern=_ENTITY_ID,
            pattern_problem="bad_id",
        ),
        "title": obj.string("title", column=c.title),
        "category": obj.string(
            "category", column=c.category, required=False, default="", allow_empty=True
        ),
        "bullets": obj.string_list("bullets"),
        "description": obj.string(
            "description",
            column=c.description,
            required=False,
            default="",
            allow_empty=True,
        ),
        "attributes": obj.string_map("attributes"),
        "returnable": obj.boolean("returnable"),
        "customizable": obj.boolean("customizable"),
    }
    return _Entity(path=path, id=asin, values=values)


# status -> (needs shipped_at, needs delivered_at, may have shipped_at, may have delivered_at)
_STATUS_RULES: dict[str, tuple[bool, bool, bool, bool]] = {
    OrderStatus.UNSHIPPED.value: (False, False, False, False),
    OrderStatus.SHIPPED.value: (True, False, True, False),
    OrderStatus.DELIVERED.value: (True, True, True, True),
    OrderStatus.CANCELLED.value: (False, False, True, False),
}


def _order(value: Any, path: str) -> _Entity:
    obj = _Object(value, path, ORDER_FIELDS)
    c = OrderRow
    order_id = obj.string(
        "id", column=c.id, pattern=_ORDER_ID, pattern_problem="bad_order_id"
    )
    values: dict[str, Any] = {
        "id": order_id,
        "buyer_id": obj.string(
            "buyer_id", column=c.buyer_id, pattern=_ENTITY_ID, pattern_problem="bad_id"
        ),
        "seller_id": obj.string(
            "seller_id",
            column=c.seller_id,
            pattern=_ENTITY_ID,
            pattern_problem="bad_id",
        ),
        "fulfillment": obj.choice("fulfillment", Fulfillment),
        "placed_at": obj.instant("placed_at"),
        "status": obj.choice("status", OrderStatus),
        "shipped_at": obj.instant("shipped_at", required=False, nullable=True),
        "delivered_at": obj.instant("delivered_at", required=False, nullable=True),
        "promised_delivery_by": obj.instant(
            "promised_delivery_by", required=False, nullable=True
        ),
        "carrier": obj.string(
            "carrier", column=c.carrier, required=False, nullable=True
        ),
        "tracking_number": obj.string(
            "tracking_number", column=c.tracking_number, required=False, nullable=True
        ),
    }
    ship_to = obj.nested("ship_to", SHIP_TO_FIELDS)
    values["ship_to_country"] = ship_to.string(
        "country",
        column=c.ship_to_country,
        pattern=_COUNTRY,
        pattern_problem="bad_country",
    )
    values["ship_to_postal_code"] = ship_to.string(
        "postal_code", column=c.ship_to_postal_code
    )
    _check_status(obj, values)
    _check_chronology(obj, values)

    raw_items = obj.array("items")
    if not raw_items:
        raise _error(obj.at("items"), "no_items")
    items = [
        _item(item, index_path(obj.at("items"), index), line_no=index + 1)
        for index, item in enumerate(raw_items)
    ]
    return _Entity(path=path, id=order_id, values=values, children=items)


def _check_status(obj: _Object, values: Mapping[str, Any]) -> None:
    status = values["status"]
    needs_shipped, needs_delivered, may_ship, may_deliver = _STATUS_RULES[status]
    for name, needed, allowed in (
        ("shipped_at", needs_shipped, may_ship),
        ("delivered_at", needs_delivered, may_deliver),
    ):
        if needed and values[name] is None:
            raise _error(
                obj.at(name), "needed_for_status", status=show(status), field=name
            )
        if not allowed and values[name] is not None:
            raise _error(
                obj.at(name), "not_allowed_for_status", status=show(status), field=name
            )


def _check_chronology(obj: _Object, values: Mapping[str, Any]) -> None:
    for later, earlier in (
        ("shipped_at", "placed_at"),
        ("delivered_at", "shipped_at"),
        ("promised_delivery_by", "placed_at"),
    ):
        if (
            values[later] is not None
            and values[earlier] is not None
            and values[later] < values[earlier]
        ):
            raise _error(
                obj.at(later),
                "time_before",
                field=later,
                value=show(obj.value[later]),
                other_field=earlier,
                other_value=show(obj.value[earlier]),
            )


def _item(value: Any, path: str, *, line_no: int) -> dict[str, Any]:
    obj = _Object(value, path, ITEM_FIELDS)
    c = OrderItemRow
    return {
        "line_no": line_no,
        "asin": obj.string(
            "asin", column=c.asin, pattern=_ASIN, pattern_problem="bad_asin"
        ),
        "quantity": obj.integer("quantity", minimum=1),
        "unit_price": obj.price("unit_price"),
        "customization": obj.string(
            "customization", column=c.customization, required=False, nullable=True
        ),
        "_path": path,
    }


def _entities(
    document: Mapping[str, Any],
    key: str,
    build: Callable[[Any, str], _Entity],
    id_field: str,
) -> list[_Entity]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise _error(key, "not_list", got=_json_type(value))
    seen: dict[str, str] = {}
    entities = []
    for index, item in enumerate(value):
        entity = build(item, index_path(key, index))
        _check_unique(entity, seen, id_field)
        entities.append(entity)
    return entities


def _existing(session: Session, column: Any, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for chunk in chunked(wanted):
        found.update(session.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _stored_product_sellers(session: Session, asins: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(asins))
    sellers: dict[str, str] = {}
    for chunk in chunked(wanted):
        query = select(ProductRow.asin, ProductRow.seller_id).where(
            ProductRow.asin.in_(chunk)
        )
        sellers.update({asin: seller_id for asin, seller_id in session.execute(query)})
    return sellers


def _check_references(session: Session, plan: _Plan) -> None:
    """Every reference resolves to the document or the database, and every item's
    product is sold by the order's seller."""
    seller_ids = {s.id for s in plan.sellers}
    buyer_ids = {b.id for b in plan.buyers}
    stored_sellers = _existing(
        session,
        SellerRow.id,
        [p.values["seller_id"] for p in plan.products]
        + [o.values["seller_id"] for o in plan.orders],
    )
    stored_buyers = _existing(
        session, BuyerRow.id, [o.values["buyer_id"] for o in plan.orders]
    )
    product_seller = _stored_product_sellers(
        session,
        [p.id for p in plan.products]
        + [i["asin"] for o in plan.orders for i in o.children],
    )
    stored_product_seller = dict(product_seller)

    for product in plan.products:
        seller_id = product.values["seller_id"]
        if seller_id not in seller_ids and seller_id not in stored_sellers:
            raise _error(
                key_path(product.path, "seller_id"),
                "unknown_seller",
                value=show(seller_id),
            )
        product_seller[product.id] = seller_id

    for order in plan.orders:
        for name, known, stored, problem in (
            ("buyer_id", buyer_ids, stored_buyers, "unknown_buyer"),
            ("seller_id", seller_ids, stored_sellers, "unknown_seller"),
        ):
            ref = order.values[name]
            if ref not in known and ref not in stored:
                raise _error(key_path(order.path, name), problem, value=show(ref))
        for item in order.children:
            owner = product_seller.get(item["asin"])
            if owner is None:
                raise _error(
                    key_path(item["_path"], "asin"),
                    "unknown_product",
                    value=show(item["asin"]),
                )
            if owner != order.values["seller_id"]:
                raise _error(
                    key_path(item["_path"], "asin"),
                    "product_of_other_seller",
                    asin=show(item["asin"]),
                    product_seller=show(owner),
                    order_seller=show(order.values["seller_id"]),
                )

    # A product that changes hands must not leave stored orders of its former
    # seller (orders this document does not replace) pointing at it.
    moved = {
        p.id: p
        for p in plan.products
        if p.id in stored_product_seller
        and stored_product_seller[p.id] != p.values["seller_id"]
    }
    replaced_orders = {o.id for o in plan.orders}
    for chunk in chunked(sorted(moved)):
        query = (
            select(OrderItemRow.asin, OrderRow.id, OrderRow.seller_id)
            .join(OrderRow, OrderRow.id == OrderItemRow.order_id)
            .where(OrderItemRow.asin.in_(chunk))
            .order_by(OrderItemRow.asin, OrderRow.id)
        )
        for asin, order_id, order_seller in session.execute(query):
            product = moved[asin]
            if (
                order_id not in replaced_orders
                and order_seller != product.values["seller_id"]
            ):
                raise _error(
                    key_path(product.path, "seller_id"),
                    "product_on_stored_order",
                    asin=show(asin),
                    order_id=show(order_id),
                    order_seller=show(order_seller),
                )


def validate_document(session: Session, document: Any) -> _Plan:
    """Check the whole document (reading the database for references); write nothing."""
    if not isinstance(document, dict):
        raise _error(ROOT_PATH, "not_object", got=_json_type(document))
    for key in document:
        if key not in DOCUMENT_FIELDS:
            raise _error(
                key_path(ROOT_PATH, key),
                "unknown_key",
                expected=", ".join(DOCUMENT_FIELDS),
            )
    plan = _Plan(
        sellers=_entities(document, "sellers", _seller, "id"),
        buyers=_entities(document, "buyers", _buyer, "id"),
        products=_entities(document, "products", _product, "asin"),
        orders=_entities(document, "orders", _order, "id"),
    )
    _check_references(session, plan)
    return plan


# -- the summary ----------------------------------------------------------------


@dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportSummary:
    """What a load did, per kind of entity. A seller whose enrollments changed,
    or an order whose items changed, counts as updated."""

    sellers: EntityCounts = field(default_factory=EntityCounts)
    buyers: EntityCounts = field(default_factory=EntityCounts)
    products: EntityCounts = field(default_factory=EntityCounts)
    orders: EntityCounts = field(default_factory=EntityCounts)

    KINDS = ("sellers", "buyers", "products", "orders")

    def counts(self) -> Iterator[tuple[str, EntityCounts]]:
        for kind in self.KINDS:
            yield kind, getattr(self, kind)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for _, c in self.counts())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for kind, c in self.counts()
        }

    def describe(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        """One line for the operator, e.g. `sellers: 2 created, 0 updated, 0 unchanged; ...`."""
        parts = [
            t(
                "importer.summary.kind",
                language,
                kind=t(f"importer.summary.{kind}", language),
                created=c.created,
                updated=c.updated,
                unchanged=c.unchanged,
            )
            for kind, c in self.counts()
        ]
        return t("importer.summary.separator", language).join(parts)


# -- writing --------------------------------------------------------------------


def _assign(row: Any, values: Mapping[str, Any]) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if name.startswith("_"):
            continue
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if not name.startswith("_")}


def _stored_rows(
    session: Session, entity: type, key: Any, ids: Sequence[str]
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for chunk in chunked(sorted(set(ids))):
        for row in session.execute(select(entity).where(key.in_(chunk))).scalars():
            rows[getattr(row, key.key)] = row
    return rows


def _stored_children(
    session: Session,
    entity: type,
    parent_key: Any,
    ids: Sequence[str],
    order_by: Sequence[Any],
) -> dict[str, list[Any]]:
    children: dict[str, list[Any]] = {}
    for chunk in chunked(sorted(set(ids))):
        query = (
            select(entity).where(parent_key.in_(chunk)).order_by(parent_key, *order_by)
        )
        for row in session.execute(query).scalars():
            children.setdefault(getattr(row, parent_key.key), []).append(row)
    return children


def _sync_children(
    session: Session,
    stored: list[Any],
    wanted: list[dict[str, Any]],
    make: Callable[[dict[str, Any]], Any],
) -> bool:
    """Make the stored child rows equal `wanted`, in order: update in place, add
    what is missing, delete the surplus. True when anything changed."""
    changed = False
    for row, values in zip(stored, wanted, strict=False):
        changed |= _assign(row, values)
    for row in stored[len(wanted) :]:
        session.delete(row)
        changed = True
    for values in wanted[len(stored) :]:
        session.add(make(_clean(values)))
        changed = True
    return changed


def _upsert(
    session: Session, entities: list[_Entity], entity: type, key: Any
) -> dict[str, str]:
    """Insert or update the rows of `entities`; their state by id:
    "created", "updated" or "unchanged" (children not considered yet)."""
    stored = _stored_rows(session, entity, key, [e.id for e in entities])
    states: dict[str, str] = {}
    for item in entities:
        row = stored.get(item.id)
        if row is None:
            session.add(entity(**item.values))
            states[item.id] = "created"
        else:
            states[item.id] = "updated" if _assign(row, item.values) else "unchanged"
    return states


def _count(states: Mapping[str, str], counts: EntityCounts) -> None:
    for state in states.values():
        setattr(counts, state, getattr(counts, state) + 1)


def _mark_updated(states: dict[str, str], entity_id: str) -> None:
    if states[entity_id] == "unchanged":
        states[entity_id] = "updated"


def _period_key(period: Mapping[str, Any]) -> tuple:
    far = datetime.max.replace(tzinfo=timezone.utc)
    return (
        period["opted_in_at"],
        period["activated_at"] or far,
        period["opted_out_at"] or far,
    )


def _row_period(row: EnrollmentRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ENROLLMENT_FIELDS}


def _write_sellers(
    session: Session, sellers: list[_Entity], counts: EntityCounts
) -> None:
    states = _upsert(session, sellers, SellerRow, SellerRow.id)
    session.flush()  # new sellers exist before their enrollments
    stored = _stored_children(
        session,
        EnrollmentRow,
        EnrollmentRow.seller_id,
        [s.id for s in sellers],
        (EnrollmentRow.opted_in_at, EnrollmentRow.id),
    )
    for seller in sellers:
        rows = sorted(
            stored.get(seller.id, []),
            key=lambda r: (*_period_key(_row_period(r)), r.id),
        )
        wanted = sorted(seller.children, key=_period_key)
        changed = _sync_children(
            session,
            rows,
            wanted,
            lambda values, seller_id=seller.id: EnrollmentRow(
                seller_id=seller_id, **values
            ),
        )
        if changed:
            _mark_updated(states, seller.id)
    session.flush()
    _count(states, counts)


def _write_orders(
    session: Session, orders: list[_Entity], counts: EntityCounts
) -> None:
    states = _upsert(session, orders, OrderRow, OrderRow.id)
    session.flush()  # new orders exist before their items
    stored = _stored_children(
        session,
        OrderItemRow,
        OrderItemRow.order_id,
        [o.id for o in orders],
        (OrderItemRow.line_no,),
    )
    for order in orders:
        rows = stored.get(order.id, [])
        if [row.line_no for row in rows] != list(range(1, len(rows) + 1)):
            # Lines not numbered 1..n (not written by this importer): start afresh,
            # deleting before inserting so (order_id, line_no) stays unique.
            for row in rows:
                session.delete(row)
            session.flush()
            rows = []
            _mark_updated(states, order.id)
        changed = _sync_children(
            session,
            rows,
            order.children,
            lambda values, order_id=order.id: OrderItemRow(order_id=order_id, **values),
        )
        if changed:
            _mark_updated(states, order.id)
    session.flush()
    _count(states, counts)


def _write(session: Session, plan: _Plan) -> ImportSummary:
    """Write a validated plan, parents before children."""
    summary = ImportSummary()
    _write_sellers(session, plan.sellers, summary.sellers)
    _count(_upsert(session, plan.buyers, BuyerRow, BuyerRow.id), summary.buyers)
    _count(
        _upsert(session, plan.products, ProductRow, ProductRow.asin), summary.products
    )
    session.flush()  # products exist before the items that name them
    _write_orders(session, plan.orders, summary.orders)
    return summary


# -- entry points ---------------------------------------------------------------


def load_document(session: Session, document: Any) -> ImportSummary:
    """Validate `document` as a whole, then upsert it in `session` (flushed, not
    committed: the caller's unit of work commits). Raises ImportValidationError,
    having written nothing, when the document is invalid."""
    plan = validate_document(session, document)
    return _write(session, plan)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_document(text: str) -> Any:
    """JSON text -> document; numbers with a fraction stay exact (Decimal)."""
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as exc:
        raise _error(
            ROOT_PATH, "invalid_json", detail=exc.msg, line=exc.lineno, column=exc.colno
        ) from None
    except _DuplicateKey as exc:
        raise _error(ROOT_PATH, "duplicate_key", name=show(exc.key)) from None
    except ValueError as exc:  # NaN, Infinity
        raise _error(ROOT_PATH, "not_a_number", value=show(str(exc))) from None
    except RecursionError:
        raise _error(ROOT_PATH, "too_deep") from None


def read_document(path: str | Path) -> Any:
    """Read and parse a JSON file (UTF-8, a BOM tolerated)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _error(
            ROOT_PATH,
            "unreadable_file",
            file=show(str(path)),
            detail=show(exc.strerror or str(exc)),
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error(ROOT_PATH, "not_utf8", file=show(str(path))) from None
    return parse_document(text)


def load_file(path: str | Path, engine: Engine | None = None) -> ImportSummary:
    """Load one JSON file in its own unit of work (default engine: DATABASE_URL)."""
    document = read_document(path)
    with session_scope(engine) as session:
        return load_document(session, document)


__all__ = [
    "EntityCounts",
    "ImportSummary",
    "ImportValidationError",
    "load_document",
    "load_file",
    "parse_document",
    "read_document",
    "validate_document",
]
