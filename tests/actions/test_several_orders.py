"""A request that names two orders or more ("where is 112-...3 and can i
cancel 112-...2?"): the bot never guesses which one the request is about; it
asks, offering the orders named (actions/triage.py, action_start_inquiry)."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow

UNSHIPPED = "112-0000002-0000002"  # B-1's, not shipped: cancellable
SHIPPED = "112-0000003-0000003"  # B-1's, shipped


def test_two_orders_in_one_request_are_asked_about(token_chat, services):
    chat = token_chat("B-1")
    chat.say(
        f"where is {SHIPPED} and can i cancel {UNSHIPPED}?",
        "cancel_order",
        order_id=[SHIPPED, UNSHIPPED],
    )
    # nothing decided on either order yet; the question names the request, so
    # that picking the order only asked about does not cancel it
    assert chat.responses() == ["utter_ask_which_of_several"]
    assert "Which order do you want to cancel?" in chat.texts(-1)[0]
    payloads = [b["payload"] for b in chat.last[0].buttons]
    assert [p for p in payloads if SHIPPED in p or UNSHIPPED in p] == payloads
    assert len(payloads) == 2
    with session_scope(services.engine) as session:
        assert session.scalars(select(CaseRow)).all() == []
    # the buyer picks the one the cancellation is about
    chat.say(UNSHIPPED, "give_order_id", order_id=UNSHIPPED)
    assert chat.slots["outcome"] == "cancel_request"
    assert UNSHIPPED in " ".join(chat.texts(-1))


def test_an_anonymous_buyer_is_asked_to_send_one_number(chat_factory):
    chat = chat_factory(sender_id="anon-two")
    chat.say(
        f"can i return {SHIPPED} or {UNSHIPPED}",
        "return_refund",
        order_id=[SHIPPED, UNSHIPPED],
    )
    assert chat.responses() == ["utter_ask_which_of_several"]
    assert "Which order do you want to return?" in chat.texts(-1)[0]
    assert chat.last[0].buttons == []  # none verified yet: nothing to show
    chat.say(UNSHIPPED, "give_order_id", order_id=UNSHIPPED)
    assert chat.responses() == ["utter_ask_zip_code"]  # as for any order
    # the notice was for the first question only
    assert chat.slots["form_notice"] is None


def test_the_same_number_twice_is_one_order(token_chat):
    chat = token_chat("B-1")
    spaced = UNSHIPPED.replace("-", " ")
    chat.say(f"cancel {UNSHIPPED} ({spaced})", "cancel_order", order_id=UNSHIPPED)
    assert chat.slots["outcome"] == "cancel_request"


def test_a_bare_message_with_two_numbers_takes_neither(token_chat):
    chat = token_chat("B-1")
    chat.say(f"{SHIPPED} {UNSHIPPED}", "give_order_id", order_id=[SHIPPED, UNSHIPPED])
    assert chat.responses() == ["utter_ask_topic"]
    assert chat.slots["order_id"] is None
    chat.say("cancel it", "cancel_order")
    assert chat.slots["outcome"] != "already_shipped"  # not acted on 112-...3
    assert chat.slots["requested_slot"] == "order_id"


def test_both_at_the_which_order_question_is_told_one_at_a_time(token_chat):
    """'both' (or 'idk') at the question: the bot explains it looks into one
    order at a time and offers the same two orders again, never a template
    with an empty item ('I can see the None in more than one of your
    orders')."""
    chat = token_chat("B-1")
    chat.say(
        f"where is {SHIPPED} and can i cancel {UNSHIPPED}?",
        "cancel_order",
        order_id=[SHIPPED, UNSHIPPED],
    )
    chat.say("both", "out_of_scope")
    assert chat.responses()[-1] == "utter_ask_one_order_at_a_time"
    said = " ".join(chat.texts(-1))
    assert "None" not in said and "one order at a time" in said
    payloads = [b["payload"] for b in chat.last[-1].buttons]
    assert len(payloads) == 2
    assert all(SHIPPED in p or UNSHIPPED in p for p in payloads)
