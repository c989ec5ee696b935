"""bot.nlp.policy_question: a question about the return policy in general."""

from __future__ import annotations

import pytest

from bot.nlp.policy_question import asks_return_policy


@pytest.mark.parametrize(
    "text",
    [
        "what's your return policy?",
        "whats the refund policy",
        "Return policy?",
        "what is your policy on returns",
        "how many days do I have to return stuff",
        "how long do i have to send it back",
        "how long is the return window",
        "what's the return period",
        "do you accept returns?",
        "can you return things you bought here",
        "¿cuál es la política de devoluciones?",
        "cuántos días tengo para devolver algo",
        "¿aceptan devoluciones?",
    ],
)
def test_a_general_policy_question(text):
    assert asks_return_policy(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to return my kettle",
        "i want to return my kettle, whats the return policy",
        "what's the return policy for order 112-0000001-0000001",
        "how many days do I have to return my tumbler",
        "return policy on my order?",
        "i need a refund, what is your refund policy",
        "where is my order",
        "is the kettle dishwasher safe",
        "quiero devolver mi pedido, ¿cuál es la política de devoluciones?",
        "the policy says nothing about this",
    ],
)
def test_a_request_or_another_question_is_not(text):
    assert not asks_return_policy(text)
