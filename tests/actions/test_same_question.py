"""An order number right after a decision, "what about 113-...?"
(actions/same_question.py): the question just answered, about that order;
anything else still asks what the order number is about."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow

DELIVERED = "112-0000001-0000001"  # B-1's, delivered
UNSHIPPED = "112-0000002-0000002"  # B-1's kettle, not shipped
LATE = "112-0000003-0000003"  # B-1's tumbler, shipped and late
B2_ORDER = "113-0000004-0000004"  # B-2's


def _delivered(chat):
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    assert chat.slots["outcome"] == "delivered"
    return chat


def test_what_about_another_order_gets_the_same_question(token_chat):
    chat = _delivered(token_chat("B-1"))
    alone = token_chat("B-1", conversation="chat-2")
    alone.say("where is my order", "delivery_status", order_id=LATE)
    chat.say(f"ok what about {LATE}?", "give_order_id", order_id=LATE)
    assert "utter_ask_topic" not in chat.responses()
    # the same decision as the question asked about that order directly
    assert chat.slots["reason_code"] == alone.slots["reason_code"]
    assert chat.slots["outcome"] == alone.slots["outcome"]
    assert chat.texts(-1) == alone.texts(-1)


def test_another_buyers_order_is_not_answered(token_chat):
    chat = _delivered(token_chat("B-1"))
    chat.say(f"what about {B2_ORDER}", "give_order_id", order_id=B2_ORDER)
    assert chat.slots["outcome"] == "not_your_order"
    said = " ".join(chat.texts(-1))
    # nothing of B-2's order: its carrier, tracking number or item
    for fact in ("Yanwen", "UG123456789CN", "Kettle"):
        assert fact not in said


def test_an_anonymous_buyer_is_asked_the_zip_code_of_the_new_order(chat_factory):
    chat = chat_factory(sender_id="anon-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    chat.say("98101", "give_zip_code")
    assert chat.slots["outcome"] == "delivered"
    chat.say(f"same for {LATE}", "give_order_id", order_id=LATE)
    assert chat.slots["requested_slot"] == "zip_code"
    assert chat.slots["pending_intent"] == "delivery_status"
    # the words a seller's case would quote: the question, then this message
    assert chat.slots["inquiry_text"] == f"where is my order / same for {LATE}"
    chat.say("98101", "give_zip_code")
    assert chat.slots["outcome"] == "in_transit"
    assert LATE in chat.texts(-1)[0]


def test_without_a_decision_just_before_the_bot_asks_what_it_is_about(token_chat):
    chat = token_chat("B-1")
    chat.say(f"what about {LATE}", "give_order_id", order_id=LATE)
    assert chat.responses() == ["utter_ask_topic"]
    chat = _delivered(token_chat("B-1", conversation="chat-2"))
    chat.say("thanks", "thanks")
    chat.say(f"what about {LATE}", "give_order_id", order_id=LATE)
    assert chat.responses() == ["utter_ask_topic"]


def test_a_bare_number_or_a_new_request_after_a_decision_is_not_the_same(token_chat):
    chat = _delivered(token_chat("B-1"))
    chat.say(LATE, "give_order_id", order_id=LATE)
    assert chat.responses() == ["utter_ask_topic"]
    assert chat.slots["order_id"] == LATE


def test_a_cancellation_is_never_filed_from_what_about(token_chat, services):
    chat = token_chat("B-1")
    chat.say("cancel it please", "cancel_order", order_id=UNSHIPPED)
    assert chat.slots["outcome"] == "cancel_request"
    chat.say(f"and {LATE}?", "give_order_id", order_id=LATE)
    assert chat.responses() == ["utter_ask_topic"]
    with session_scope(services.engine) as session:
        orders = [row.order_id for row in session.scalars(select(CaseRow))]
    assert orders == [UNSHIPPED]


def test_a_return_is_never_authorised_from_what_about(chat_factory, services):
    from bot.adapters.orm import ReturnAuthorizationRow

    first, second = DELIVERED, "114-0000013-0000013"  # both returnable
    chat = chat_factory(sender_id="anon-returns")
    chat.say("can i return it?", "return_refund", order_id=first)
    chat.say("98101", "give_zip_code")
    assert chat.slots["outcome"] == "return_window_open"
    chat.say(f"and {second}?", "give_order_id", order_id=second)
    assert chat.responses() == ["utter_ask_topic"]
    with session_scope(services.engine) as session:
        rows = session.scalars(select(ReturnAuthorizationRow))
        assert [row.order_id for row in rows] == [first]


def _tumbler_chosen(chat):
    # B-1's tumbler is in two orders: 112-...3 (Nov 18, on its way) and 112-...1
    chat.say("wheres my tumbler", "delivery_status")
    assert set(chat.slots["order_choices"]) == {LATE, DELIVERED}
    chat.say("the newer one", "give_order_id")
    assert chat.slots["outcome"] == "in_transit"
    return chat


@pytest.mark.parametrize(
    "text", ["and the other one?", "y el otro?", "what about the older one"]
)
def test_the_other_order_of_the_choice_gets_the_same_question(token_chat, text):
    chat = _tumbler_chosen(token_chat("B-1"))
    chat.say(text, "give_order_id")
    assert chat.slots["outcome"] == "delivered"
    assert DELIVERED in chat.texts(-1)[0]


def test_words_naming_the_order_just_decided_or_none_ask(token_chat):
    chat = _tumbler_chosen(token_chat("B-1"))
    chat.say("the newer one", "give_order_id")  # the one just answered
    assert chat.responses() == ["utter_ask_topic"]
    chat = _tumbler_chosen(token_chat("B-1", conversation="chat-2"))
    chat.say("and the blue one?", "give_order_id")  # picks none
    assert chat.responses() == ["utter_ask_topic"]


def test_the_other_one_without_a_choice_before_asks(token_chat):
    chat = _delivered(token_chat("B-1"))  # the order was in the message
    chat.say("and the other one?", "give_order_id")
    assert chat.responses() == ["utter_ask_topic"]


def test_a_zip_code_after_a_pause_gets_the_pause_again(chat_factory):
    """The buyer trial: after "too many attempts, try again later", the ZIP
    code typed next got "What would you like to know about your order?", which
    read as if it had been accepted."""
    for index, wrong in enumerate(([10001, 10002, 10003], [10004, 10005])):
        chat = chat_factory(sender_id=f"anon-guess-{index}")
        chat.say("where is my order?", "delivery_status")
        chat.say(DELIVERED, "give_order_id", order_id=DELIVERED)
        for zip_code in wrong:
            chat.say(str(zip_code), "nlu_fallback")
    # the order is locked now, for every conversation
    chat = chat_factory(sender_id="anon-late")
    chat.say(f"where is {DELIVERED}", "delivery_status", order_id=DELIVERED)
    assert chat.slots["outcome"] == "verification_locked"  # before any ZIP code
    chat.say("98101", "give_order_id")
    assert chat.responses() == ["utter_verification_locked"]
    assert "UPS" not in " ".join(chat.texts())


def test_a_corrected_order_number_after_not_found_gets_the_same_question(token_chat):
    # found by a buyer trial: "sorry i meant 112-..." after "I couldn't find
    # order ..." was asked what it is about
    chat = token_chat("B-1")
    chat.say(
        "where is 112-0000004-0000004",
        "delivery_status",
        order_id="112-0000004-0000004",
    )
    assert chat.slots["reason_code"] == "order_not_found"
    chat.say(
        "sorry i meant 112-0000003-0000003",
        "give_order_id",
        order_id="112-0000003-0000003",
    )
    assert chat.slots["reason_code"] == "in_transit"
    assert chat.slots["order_id"] == "112-0000003-0000003"
