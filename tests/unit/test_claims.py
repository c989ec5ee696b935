"""bot.nlp.claims: the parcel that never came, the money that did not."""

from __future__ import annotations

import pytest

from bot.nlp.claims import (
    NOT_RECEIVED,
    REFUND_MISSING,
    asks_about_money,
    asks_if_arrived,
    asks_when_refunded,
    buyer_claim,
    says_damaged,
    says_it_came,
)


@pytest.mark.parametrize(
    "text",
    [
        "my order 112-0000001-0000001 shows delivered but i never received it",
        "it says delivered but i never got it",
        "my order never showed up",
        "the package never arrived",
        "I haven't received my order yet",
        "didnt get the kettle",
        "no it didnt come, nothing at my door",
        "tracking says delivered but nothing at my door",
        "i think my package was stolen",
        "it never arrived, where is my refund?",
        "hola, mi pedido no ha llegado",
        "nunca llegó",
        "no lo recibí",
    ],
)
def test_not_received(text):
    assert buyer_claim(text) == NOT_RECEIVED


@pytest.mark.parametrize(
    "text",
    [
        "my order was cancelled but i never got my money back",
        "I never got my refund",
        "i returned it last week, when do i get my refund",
        "I sent the kettle back, how long does the refund take?",
        "my order was cancelled, how many days until i see my money",
        "where is my refund",
        "still waiting for my refund",
        "refund hasn't arrived yet",
        "¿cuándo me devuelven el dinero?",
        "i returned it, will it go back on my card or gift card?",
        "no he recibido el reembolso",
    ],
)
def test_refund_missing(text):
    assert buyer_claim(text) == REFUND_MISSING


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "when will my kettle arrive",
        "can I get a refund?",
        "I want my money back, the kettle is broken",
        # before a return: a question about returning, not a refund missing
        "i want to return the kettle, how long does the refund take?",
        "when do i get my refund if i return it",
        "i want to return the tumbler",
        "is it dishwasher safe",
        "the kettle arrived damaged",
        "I received the wrong item",
        "i never got the tracking number",
        "I haven't received a confirmation email",
        "didn't get any update on my case",
        "sorry I didn't get that, what do you mean?",
        "no, I didn't get what you said",
        "I didn't get a chance to use the kettle, can I return it?",
        "the kettle didn't come with a lid",
        "Please cancel order 112-0000002-0000002 and refund to my card",
        "I want to return the kettle, will the refund go back to my card?",
        "will the refund go to my card or store credit instead?",
        "",
    ],
)
def test_no_claim(text):
    assert buyer_claim(text) is None


@pytest.mark.parametrize(
    "text, asks",
    [
        # found by the natural conversations: read as a damage report
        ("did my silicone bags arrive?", True),
        ("has the kettle come yet", True),
        ("did it get here yet?", True),
        ("hi did my tent get delivered?", True),
        # something is wrong with it: the damage report stands
        ("did it arrive broken?", False),
        ("has it come? the box was torn", False),
        ("did the wrong item arrive?", False),
        ("did it come with a lid?", False),  # a part, not the parcel
        ("my kettle arrived", False),  # no question
        # found by a review: a wrong item, a replacement, a remedy
        ("is that what you shipped?", False),
        ("is this really what came?", False),
        ("did the replacement kettle come?", False),
        ("is a replacement possible here?", False),
        ("", False),
        (None, False),
    ],
)
def test_a_question_whether_it_came(text, asks):
    assert asks_if_arrived(text) is asks


@pytest.mark.parametrize(
    "text, asks",
    [
        ("how long til i get the money", True),
        ("when do i get my refund", True),
        ("will the money go back on my card", True),
        ("how long does it take to show on my card", True),
        ("does it show the time", False),
        ("is it worth it", False),
        ("how long is the cord", False),
    ],
)
def test_a_question_about_the_money(text, asks):
    # found by a buyer trial: "the money" was not the money
    assert asks_about_money(text) is asks


@pytest.mark.parametrize(
    "text, asks",
    [
        ("ok so when do i get my money", True),
        ("when will i get refunded after u get it", True),
        ("do i get the full 24.99 back?", True),
        ("will i be refunded", True),
        ("how long does the refund take", True),
        # money said to be overdue: the seller's to answer (a claim)
        ("i sent it back, when do i get my money", False),
        ("where is my refund", False),
        # not the money
        ("will i get it by friday", False),
        ("do i get a new one", False),
        ("will i get the replacement soon", False),
        # a new request, not when (a review)
        ("can i get a refund for the kettle too", False),
        (None, False),
    ],
)
def test_when_the_money_comes(text, asks):
    assert asks_when_refunded(text) is asks


@pytest.mark.parametrize(
    "text, damaged",
    [
        ("bags came ripped open, want my money back", True),
        ("i want to return it, its broken", True),
        ("it stopped working after 2 days", True),
        ("the kettle won't turn on", True),
        ("quiero devolverlo, llegó roto", True),
        ("i want to return it", False),
        ("its not broken i just dont like it", False),
        ("the box was damaged but the kettle is fine, i want to return it", False),
        ("i want to return the tumbler, wrong color", False),
        # not damage it came with (a review)
        ("the colour doesn't work in my kitchen, i want to return it", False),
        ("i broke it, can i still return it", False),
        (None, False),
    ],
)
def test_the_item_came_damaged(text, damaged):
    assert says_damaged(text) is damaged


@pytest.mark.parametrize(
    "text",
    [
        "is the money taken off my card yet",
        "the money hasn't left my account yet",
        "please cancel it, the money hasn't been taken from my card yet",
    ],
)
def test_a_payment_not_taken_is_no_missing_refund(text):
    # a review: "the money" made these refunds the seller owed
    assert buyer_claim(text) is None


@pytest.mark.parametrize(
    "text, came",
    [
        ("nvm it just showed up, can i return it?", True),
        ("found it, my neighbour had it", True),
        ("it never came", False),
        ("tracking says it arrived but nothing at my door", False),
        (None, False),
    ],
)
def test_it_came_after_all(text, came):
    assert says_it_came(text) is came
