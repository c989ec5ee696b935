"""Writing a validated plan: an upsert by id, parents before children.

An entity in the document replaces the stored one, including the enrollments of
a seller and the items of an order. What is already stored with the same values
is left alone, so loading the same file twice changes nothing (not even row ids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.catalogue import DEFAULT_LANGUAGE, t
from bot.adapters.orm import (
    BuyerRow,
    EnrollmentRow,
    OrderItemRow,
    OrderRow,
    ProductRow,
    SellerRow,
)
from bot.adapters.repository import chunked

from .plan import Entity, Plan
from .schema import ENROLLMENT_FIELDS

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
    session: Session, entities: list[Entity], entity: type, key: Any
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
    session: Session, sellers: list[Entity], counts: EntityCounts
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


def _write_orders(session: Session, orders: list[Entity], counts: EntityCounts) -> None:
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


def write(session: Session, plan: Plan) -> ImportSummary:
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
