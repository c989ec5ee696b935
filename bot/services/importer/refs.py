"""References between records: a product's seller, an order's buyer, seller and
products. Each may point to the same document or to what the database holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import BuyerRow, OrderItemRow, OrderRow, ProductRow, SellerRow
from bot.adapters.repository import chunked

from .errors import error, key_path, show
from .plan import Plan


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


def check_references(session: Session, plan: Plan) -> None:
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
            raise error(
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
                raise error(key_path(order.path, name), problem, value=show(ref))
        for item in order.children:
            owner = product_seller.get(item["asin"])
            if owner is None:
                raise error(
                    key_path(item["_path"], "asin"),
                    "unknown_product",
                    value=show(item["asin"]),
                )
            if owner != order.values["seller_id"]:
                raise error(
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
                raise error(
                    key_path(product.path, "seller_id"),
                    "product_on_stored_order",
                    asin=show(asin),
                    order_id=show(order_id),
                    order_seller=show(order_seller),
                )
