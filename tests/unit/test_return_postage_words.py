"""Who pays to send a return back (bot.nlp.return_postage): the words alone;
actions/asides.py checks that a return was just authorised."""

from __future__ import annotations

import pytest

from bot.nlp.return_postage import asks_who_pays_return_postage

ASKS = [
    "do i have to pay the shipping",
    "do i have to pay the shipping?",
    "so i gotta pay to send it back??",
    "who pays for postage",
    "who pays for the return shipping",
    "who pays?",
    "is return shipping free?",
    "is the return label free",
    "will I be charged to send it back",
    "do I pay to send it back",
    "how much does it cost to send it back",
    "do you pay for return shipping",
    "will the seller cover the postage",
    "am i paying for shipping it back",
    "do we have to pay for return postage",
    "will i be charged for the return shipping",
    "¿tengo que pagar el envío?",
    "quién paga el envío de la devolución",
    "¿la devolución es gratis?",
]
OTHER = [
    "how much is shipping to canada",
    "do you ship to canada",
    "i want to return it",
    "when will it ship",
    "i paid for shipping and it came late",
    "what is the return address",
    "who is the seller",
    "",
]


@pytest.mark.parametrize("text", ASKS)
def test_who_pays_to_send_it_back(text):
    assert asks_who_pays_return_postage(text)


@pytest.mark.parametrize("text", OTHER)
def test_other_words_are_not(text):
    assert not asks_who_pays_return_postage(text)


def test_no_text_is_not():
    assert not asks_who_pays_return_postage(None)
