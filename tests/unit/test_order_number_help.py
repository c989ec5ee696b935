"""A reply to "what's the order number?" that says the buyer doesn't have it
(bot.nlp.order_number_help)."""

from __future__ import annotations

import pytest

from bot.nlp.order_number_help import lacks_order_number


@pytest.mark.parametrize(
    "text",
    [
        "i dont know the order number",
        "I don’t have the order number",
        "where do i find the order number?",
        "how do i find it",
        "idk",
        "idk the order number",
        "no idea",
        "i can't find it",
        "lost my order number",
        "i never got an order number",
        "no order #",
        "no sé el número de pedido",
        "¿dónde lo encuentro?",
    ],
)
def test_no_order_number(text):
    assert lacks_order_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "nope",
        "no thanks",
        "never mind",
        "no it was the tumbler",
        "112-0000001-0000001",
        "i dont know if 112-0000001-0000001 is right",
        "i dont know if 112 0000001 0000001 is right",
        "no sé si １１２－００００００１－００００００１ es el número",
        "how do i get a refund",
        "where is my order",
        "talk to a person",
        "not sure, forget it",
        "I can't find my package",
        "where can i get a refund",
        "I never got my order now what",
        "no tengo tiempo, cancela",
        "",
        None,
    ],
)
def test_anything_else(text):
    assert not lacks_order_number(text)
