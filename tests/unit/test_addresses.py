"""Whether a message holds a delivery address (bot.nlp.addresses)."""

from __future__ import annotations

import pytest

from bot.nlp.addresses import has_street_address, looks_like_address


@pytest.mark.parametrize(
    "text",
    [
        "please send it to 500 Pine St, Seattle WA 98101 instead",
        "new address: 12 calle Mayor, Madrid",
        "PO Box 123, Austin TX 78701",
        "ship to 44 Elm Street apt 2",
        "i moved to 22 Baker Rd",
        "my new adress is 77 maple avenue springfield",
    ],
)
def test_a_street_address(text):
    assert has_street_address(text) and looks_like_address(text)


@pytest.mark.parametrize(
    "text",
    [
        "I need to change the shipping address",
        "change address on order 112-0000002-0000002",
        # the order number's digits are no street number or ZIP code, in any of
        # the forms bot.domain.model.ORDER_ID_IN_TEXT reads
        "change address on order 112 0000002 0000002 asap",
        "change the address of 11200000020000002 please",
        "改地址 １１２－００００００２－００００００２",
        "can i change the address to my office",
        "is it too late to change address?",
        "",
        None,
    ],
)
def test_no_address(text):
    assert not has_street_address(text) and not looks_like_address(text)


def test_an_answer_may_be_written_any_way():
    # not a US street pattern, still an address: accepted as an answer only
    answer = "Flat 3, Rosenweg 9, 8001 Zürich"
    assert looks_like_address(answer)
    assert not looks_like_address("why do you need that")
    assert not looks_like_address("98101")
    for not_one in (
        "give me 5 minutes to find it",
        "I have 2 questions first",
        "wait 1 sec let me check",
        "actually I want to cancel the 2 items",
    ):
        assert not looks_like_address(not_one), not_one
