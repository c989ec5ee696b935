"""order_lookup.order_to_offer on real databases: the order a follow-up product
question without an order number is offered, as the shop's titles say what each
product is (the product word of its title, found through the database)."""

from __future__ import annotations

import pytest

from bot.adapters.db import session_scope
from bot.services.importer import load_document
from bot.services.order_lookup import order_to_offer
from tests import factories as f
from tests.factories import valid_document

BATTERIES = "B0TEST0009"  # in no order


@pytest.fixture
def shop(engine):
    document = valid_document()
    document["products"].append(
        f.product(asin=BATTERIES, title="Volta AA Batteries, 8 pack")
    )
    with session_scope(engine) as session:
        load_document(session, document)
    return engine


def _offer(engine, question: str) -> tuple[str, str] | None:
    """What B-1's chat about ORDER_SHIPPED (the tumbler and the kettle) offers."""
    with session_scope(engine) as session:
        offered = order_to_offer(
            session,
            order_id=f.ORDER_SHIPPED,
            buyer_id=f.BUYER_1,
            asin=None,
            question=question,
            has_token=True,
            verified=(),
        )
    return (offered.order_id, offered.asin) if offered else None


def test_a_question_naming_no_product_is_offered_the_order(shop):
    assert _offer(shop, "is it insulated?") == (f.ORDER_SHIPPED, f.TUMBLER)


def test_an_item_of_the_order_named_names_the_offer(shop):
    assert _offer(shop, "is the kettle loud?") == (f.ORDER_SHIPPED, f.KETTLE)


def test_an_item_of_another_own_order_is_offered_that_order(shop):
    assert _offer(shop, "are the candles scented?") == (
        f.ORDER_DELIVERED,
        f.CANDLES,
    )


@pytest.mark.parametrize(
    "question", ["do the batteries last long?", "how long does a battery last?"]
)
def test_a_product_the_shop_sells_in_no_order_is_offered_none(shop, question):
    assert _offer(shop, question) is None
