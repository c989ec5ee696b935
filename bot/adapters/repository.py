"""Read side of the database: rows in, domain value objects out.

`SqlRepository` is what the policy's callers use to look things up; it never
hands out an ORM row, so nothing downstream can lazy-load or write by accident.
Every query is a parameterised 2.0-style `select()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.adapters.orm import (
    BuyerRow,
    EnrollmentRow,
    OrderItemRow,
    OrderRow,
    ProductRow,
    SellerRow,
)
from bot.domain.model import (
    Buyer,
    EnrollmentPeriod,
    Fulfillment,
    Language,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ReturnOption,
    Seller,
)

# SQLite's default bound-parameter limit is 999 on old builds; stay well below it.
_IN_CHUNK = 500


def chunked(values: Sequence[str], size: int = _IN_CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def enrollment_from_row(row: EnrollmentRow) -> EnrollmentPeriod:
    return EnrollmentPeriod(
        opted_in_at=row.opted_in_at,
        activated_at=row.activated_at,
        opted_out_at=row.opted_out_at,
    )


def seller_from_row(row: SellerRow, enrollments: Iterable[EnrollmentRow]) -> Seller:
    return Seller(
        id=row.id,
        name=row.name,
        email=row.email,
        preferred_language=Language(row.preferred_language),
        professional=row.professional,
        good_standing=row.good_standing,
        invited=row.invited,
        country=row.country,
        return_window_days=row.return_window_days,
        international_return_option=ReturnOption(row.international_return_option),
        return_address=row.return_address,
        enrollments=tuple(enrollment_from_row(e) for e in enrollments),
    )


def buyer_from_row(row: BuyerRow) -> Buyer:
    return Buyer(
        id=row.id,
        name=row.name,
        email=row.email,
        postal_code=row.postal_code,
        language=row.language,
    )


def product_from_row(row: ProductRow) -> Product:
    return Product(
        asin=row.asin,
        seller_id=row.seller_id,
        title=row.title,
        category=row.category or "",
        bullets=tuple(row.bullets or ()),
        description=row.description or "",
        attributes=dict(row.attributes or {}),
        returnable=row.returnable,
        customizable=row.customizable,
    )


def order_item_from_row(
    row: OrderItemRow, *, title: str, returnable: bool
) -> OrderItem:
    return OrderItem(
        asin=row.asin,
        quantity=row.quantity,
        unit_price=row.unit_price,
        customization=row.customization,
        title=title,
        returnable=returnable,
    )


def order_from_row(row: OrderRow, items: Iterable[OrderItem]) -> Order:
    return Order(
        id=row.id,
        buyer_id=row.buyer_id,
        seller_id=row.seller_id,
        fulfillment=Fulfillment(row.fulfillment),
        placed_at=row.placed_at,
        status=OrderStatus(row.status),
        items=tuple(items),
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
        promised_delivery_by=row.promised_delivery_by,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        ship_to_country=row.ship_to_country,
        ship_to_postal_code=row.ship_to_postal_code,
    )


class SqlRepository:
    """Looks up sellers, buyers, products and orders; returns domain objects."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _first(self, query: Select) -> Any:
        return self.session.execute(query).scalars().first()

    # -- sellers -----------------------------------------------------------

    def get_seller(self, seller_id: str) -> Seller | None:
        """The seller with its enrollment periods, oldest opt-in first."""
        row = self._first(select(SellerRow).where(SellerRow.id == seller_id))
        if row is None:
            return None
        return seller_from_row(row, self._enrollment_rows(seller_id))

    def enrollments_of(self, seller_id: str) -> tuple[EnrollmentPeriod, ...]:
        return tuple(enrollment_from_row(e) for e in self._enrollment_rows(seller_id))

    def list_sellers(self) -> list[str]:
        return list(
            self.session.execute(select(SellerRow.id).order_by(SellerRow.id)).scalars()
        )

    def _enrollment_rows(self, seller_id: str) -> list[EnrollmentRow]:
        query = (
            select(EnrollmentRow)
            .where(EnrollmentRow.seller_id == seller_id)
            .order_by(EnrollmentRow.opted_in_at, EnrollmentRow.id)
        )
        return list(self.session.execute(query).scalars())

    # -- buyers and products ----------------------------------------------

    def get_buyer(self, buyer_id: str) -> Buyer | None:
        row = self._first(select(BuyerRow).where(BuyerRow.id == buyer_id))
        return buyer_from_row(row) if row is not None else None

    def buyer_exists(self, buyer_id: str) -> bool:
        return self.session.get(BuyerRow, buyer_id) is not None

    def list_buyers(self) -> list[Buyer]:
        """Every buyer, in id order."""
        query = select(BuyerRow).order_by(BuyerRow.id)
        return [buyer_from_row(row) for row in self.session.execute(query).scalars()]

    def product_titles(self, limit: int) -> list[str]:
        """The titles of the first `limit` products, in ASIN order."""
        query = select(ProductRow.title).order_by(ProductRow.asin).limit(limit)
        return list(self.session.execute(query).scalars())

    def titles_containing(self, words: Sequence[str], limit: int) -> list[str]:
        """The titles of the first `limit` products, in ASIN order, whose title
        holds one of `words` (lower case) anywhere, ignoring case."""
        if not words:
            return []
        title = func.lower(ProductRow.title)
        query = (
            select(ProductRow.title)
            .where(or_(*(title.contains(word, autoescape=True) for word in words)))
            .order_by(ProductRow.asin)
            .limit(limit)
        )
        return list(self.session.execute(query).scalars())

    def get_product(self, asin: str) -> Product | None:
        row = self._first(select(ProductRow).where(ProductRow.asin == asin))
        return product_from_row(row) if row is not None else None

    def products_for_order(self, order_id: str) -> list[Product]:
        """The distinct products on an order, in the order of its lines."""
        query = (
            select(ProductRow)
            .join(OrderItemRow, OrderItemRow.asin == ProductRow.asin)
            .where(OrderItemRow.order_id == order_id)
            .order_by(OrderItemRow.line_no)
        )
        products: dict[str, Product] = {}
        for row in self.session.execute(query).scalars():
            products.setdefault(row.asin, product_from_row(row))
        return list(products.values())

    # -- orders ------------------------------------------------------------

    def get_order(self, order_id: str) -> Order | None:
        """The order with its items; each item carries its product's title and
        whether it is returnable."""
        row = self._first(select(OrderRow).where(OrderRow.id == order_id))
        if row is None:
            return None
        items = self._items_by_order([row.id])
        return order_from_row(row, items.get(row.id, ()))

    def order_exists(self, order_id: str) -> bool:
        query = select(OrderRow.id).where(OrderRow.id == order_id)
        return self.session.execute(query).first() is not None

    def recent_orders_for_buyer(self, buyer_id: str, limit: int = 5) -> list[Order]:
        """The buyer's latest orders, newest first (ties broken by order id)."""
        query = (
            select(OrderRow)
            .where(OrderRow.buyer_id == buyer_id)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(limit)
        )
        rows = list(self.session.execute(query).scalars())
        items = self._items_by_order([row.id for row in rows])
        return [order_from_row(row, items.get(row.id, ())) for row in rows]

    def list_orders(self) -> list[str]:
        """Every order id, in id order."""
        return list(
            self.session.execute(select(OrderRow.id).order_by(OrderRow.id)).scalars()
        )

    def _items_by_order(self, order_ids: Sequence[str]) -> dict[str, list[OrderItem]]:
        """Items of several orders in one query per chunk, lines in order."""
        items: dict[str, list[OrderItem]] = {}
        for chunk in chunked(list(order_ids)):
            query = (
                select(OrderItemRow, ProductRow.title, ProductRow.returnable)
                .join(ProductRow, ProductRow.asin == OrderItemRow.asin)
                .where(OrderItemRow.order_id.in_(chunk))
                .order_by(OrderItemRow.order_id, OrderItemRow.line_no)
            )
            for item_row, title, returnable in self.session.execute(query):
                items.setdefault(item_row.order_id, []).append(
                    order_item_from_row(item_row, title=title, returnable=returnable)
                )
        return items
