"""From a document to a plan: each record checked against its shape (schema.py)
and the rules a schema cannot say (an order's dates and status, a seller's
enrollment periods, unique ids), then turned into the column values to store.

Records are read in document order, sellers, buyers, products, orders, each
checked for its shape, then its rules, then its id; the first problem met raises
`ImportValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.model import EnrollmentPeriod, OrderStatus

from .errors import ROOT_PATH, error, index_path, key_path, show
from .formats import parse_instant, parse_price
from .schema import DOCUMENT_KEYS, ENROLLMENT_FIELDS, RECORD_LIST, RECORDS, SELLER


@dataclass
class Entity:
    """One validated record: its path, id and the column values to store
    (`children`: a seller's enrollment periods, an order's items)."""

    path: str
    id: str
    values: dict[str, Any]
    children: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    sellers: list[Entity] = field(default_factory=list)
    buyers: list[Entity] = field(default_factory=list)
    products: list[Entity] = field(default_factory=list)
    orders: list[Entity] = field(default_factory=list)


def build_plan(document: Any) -> Plan:
    """Check everything that needs no database; raise the first problem."""
    DOCUMENT_KEYS.check(document, ROOT_PATH)
    return Plan(
        sellers=_records(document, "sellers", _seller, "id"),
        buyers=_records(document, "buyers", _buyer, "id"),
        products=_records(document, "products", _product, "asin"),
        orders=_records(document, "orders", _order, "id"),
    )


def _records(
    document: Mapping[str, Any],
    kind: str,
    build: Callable[[dict[str, Any], str], Entity],
    id_field: str,
) -> list[Entity]:
    path = key_path(ROOT_PATH, kind)
    value = document.get(kind, [])
    RECORD_LIST.check(value, path)
    seen: dict[str, str] = {}
    entities = []
    for index, record in enumerate(value):
        record_path = index_path(path, index)
        RECORDS[kind].check(record, record_path)
        entity = build(record, record_path)
        first = seen.setdefault(entity.id, entity.path)
        if first != entity.path:
            raise error(
                key_path(entity.path, id_field),
                "duplicate_id",
                value=show(entity.id),
                first_path=first,
            )
        entities.append(entity)
    return entities


def _instant(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    return None if value is None else parse_instant(value)


# -- sellers and their enrollment periods ------------------------------------------

_SELLER_COLUMNS = tuple(name for name in SELLER["properties"] if name != "enrollments")


def _seller(record: dict[str, Any], path: str) -> Entity:
    values = {name: record.get(name) for name in _SELLER_COLUMNS}
    at = key_path(path, "enrollments")
    raw = record.get("enrollments", [])
    periods = [_enrollment(item, index_path(at, i)) for i, item in enumerate(raw)]
    if periods and not values["professional"]:
        raise error(
            index_path(at, 0),
            "enrollment_not_professional",
            seller_id=show(values["id"]),
        )
    _check_overlaps(periods, at)
    return Entity(path=path, id=values["id"], values=values, children=periods)


def _enrollment(record: dict[str, Any], path: str) -> dict[str, Any]:
    period = {name: _instant(record, name) for name in ENROLLMENT_FIELDS}
    for name, problem in (
        ("activated_at", "activated_before_opted_in"),
        ("opted_out_at", "opted_out_before_opted_in"),
    ):
        if period[name] is not None and period[name] < period["opted_in_at"]:
            raise error(
                key_path(path, name),
                problem,
                **{
                    name: show(record[name]),
                    "opted_in_at": show(record["opted_in_at"]),
                },
            )
    return period


def _overlap(a: EnrollmentPeriod, b: EnrollmentPeriod) -> bool:
    """Do the coverage windows [coverage_start, coverage_end) of `a` and `b` meet?"""
    for period in (a, b):
        end = period.coverage_end
        if end is not None and end <= period.coverage_start:
            return False  # opted out before service began: covers nothing
    return (b.coverage_end is None or a.coverage_start < b.coverage_end) and (
        a.coverage_end is None or b.coverage_start < a.coverage_end
    )


def _check_overlaps(periods: Sequence[Mapping[str, Any]], path: str) -> None:
    windows = [EnrollmentPeriod(**period) for period in periods]
    for later in range(len(windows)):
        for earlier in range(later):
            if _overlap(windows[earlier], windows[later]):
                raise error(
                    index_path(path, later),
                    "enrollments_overlap",
                    other=index_path(path, earlier),
                )


# -- buyers and products ---------------------------------------------------------


def _buyer(record: dict[str, Any], path: str) -> Entity:
    values = {name: record[name] for name in ("id", "name", "email", "postal_code")}
    values["language"] = record.get("language", "en")
    return Entity(path=path, id=values["id"], values=values)


def _product(record: dict[str, Any], path: str) -> Entity:
    values = {
        "asin": record["asin"],
        "seller_id": record["seller_id"],
        "title": record["title"],
        "category": record.get("category", ""),
        "bullets": list(record.get("bullets", [])),
        "description": record.get("description", ""),
        "attributes": dict(record.get("attributes", {})),
        "returnable": record["returnable"],
        "customizable": record["customizable"],
    }
    return Entity(path=path, id=values["asin"], values=values)


# -- orders and their items --------------------------------------------------------

# status -> (needs shipped_at, needs delivered_at, may have shipped_at, may have delivered_at)
_STATUS_RULES: dict[str, tuple[bool, bool, bool, bool]] = {
    OrderStatus.UNSHIPPED.value: (False, False, False, False),
    OrderStatus.SHIPPED.value: (True, False, True, False),
    OrderStatus.DELIVERED.value: (True, True, True, True),
    OrderStatus.CANCELLED.value: (False, False, True, False),
}
_INSTANTS = ("placed_at", "shipped_at", "delivered_at", "promised_delivery_by")


def _order(record: dict[str, Any], path: str) -> Entity:
    values: dict[str, Any] = {
        "id": record["id"],
        "buyer_id": record["buyer_id"],
        "seller_id": record["seller_id"],
        "fulfillment": record["fulfillment"],
        "status": record["status"],
        "carrier": record.get("carrier"),
        "tracking_number": record.get("tracking_number"),
        "ship_to_country": record["ship_to"]["country"],
        "ship_to_postal_code": record["ship_to"]["postal_code"],
    }
    values.update({name: _instant(record, name) for name in _INSTANTS})
    _check_status(values, path)
    _check_chronology(record, values, path)
    items = [
        _item(item, index_path(key_path(path, "items"), index), line_no=index + 1)
        for index, item in enumerate(record["items"])
    ]
    return Entity(path=path, id=values["id"], values=values, children=items)


def _check_status(values: Mapping[str, Any], path: str) -> None:
    status = values["status"]
    needs_shipped, needs_delivered, may_ship, may_deliver = _STATUS_RULES[status]
    for name, needed, allowed in (
        ("shipped_at", needs_shipped, may_ship),
        ("delivered_at", needs_delivered, may_deliver),
    ):
        if needed and values[name] is None:
            raise error(
                key_path(path, name),
                "needed_for_status",
                status=show(status),
                field=name,
            )
        if not allowed and values[name] is not None:
            raise error(
                key_path(path, name),
                "not_allowed_for_status",
                status=show(status),
                field=name,
            )


def _check_chronology(
    record: Mapping[str, Any], values: Mapping[str, Any], path: str
) -> None:
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
            raise error(
                key_path(path, later),
                "time_before",
                field=later,
                value=show(record[later]),
                other_field=earlier,
                other_value=show(record[earlier]),
            )


def _item(record: dict[str, Any], path: str, *, line_no: int) -> dict[str, Any]:
    return {
        "line_no": line_no,
        "asin": record["asin"],
        "quantity": record["quantity"],
        "unit_price": parse_price(record["unit_price"]),
        "customization": record.get("customization"),
        "_path": path,
    }
