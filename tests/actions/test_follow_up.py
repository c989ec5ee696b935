"""The message after a decision (actions/follow_up.py): a cancellation taken
back, a question that points back at the order just decided, a message not
understood that carries an order number, and "thanks" instead of an order."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseMessageRow, CaseRow

UNSHIPPED = "112-0000002-0000002"  # B-1's kettle, not shipped: cancellable
LATE = "112-0000003-0000003"  # B-1's tumbler, late
TENT = "114-0000013-0000013"  # B-3's tent, delivered


def _cases(services) -> list[tuple[int, str, list[str]]]:
    with session_scope(services.engine) as session:
        rows = session.scalars(select(CaseRow).order_by(CaseRow.id)).all()
        return [(r.id, r.category, [m.text for m in r.messages]) for r in rows]


def _cancelled(token_chat):
    chat = token_chat("B-1")
    chat.say("cancel order please", "cancel_order", order_id=UNSHIPPED)
    assert chat.slots["outcome"] == "cancel_request"
    return chat


def test_a_cancellation_taken_back_joins_its_case(token_chat, services):
    chat = _cancelled(token_chat)
    case_id = chat.slots["case_id"]
    chat.say("wait no dont cancel, I changed my mind", "cancel_order")
    assert chat.responses() == ["utter_cancellation_taken_back"]
    assert chat.slots["case_id"] == case_id
    assert f"case {case_id}" in chat.texts(-1)[0]
    assert UNSHIPPED in chat.texts(-1)[0]
    # no second request: the buyer's words are in the one case's thread
    assert _cases(services) == [
        (
            int(case_id),
            "cancel_order",
            ["cancel order please", "wait no dont cancel, I changed my mind"],
        )
    ]


def test_a_cancellation_taken_back_in_words_the_nlu_missed(token_chat, services):
    chat = _cancelled(token_chat)
    chat.say("actually never mind, I'll keep it", "nlu_fallback")
    assert chat.responses() == ["utter_cancellation_taken_back"]
    assert _cases(services)[0][2][-1] == "actually never mind, I'll keep it"
    # anything else the NLU misses is still asked to be rephrased
    chat.say("blorp", "nlu_fallback")
    assert chat.responses() == ["utter_rephrase"]


def test_taking_back_with_no_cancellation_asks_nothing_of_the_seller(
    token_chat, services
):
    chat = token_chat("B-1")
    chat.say("please don't cancel my order", "cancel_order", order_id=UNSHIPPED)
    assert chat.slots["outcome"] == "nothing_to_take_back"
    assert chat.responses() == ["utter_nothing_to_take_back"]
    assert UNSHIPPED in chat.texts(-1)[0]
    assert _cases(services) == []


def test_a_cancellation_of_another_buyers_order_is_not_taken_back(token_chat, services):
    _cancelled(token_chat)
    other = token_chat("B-2", conversation="chat-2")
    other.say("don't cancel it", "cancel_order", order_id=UNSHIPPED)
    assert other.slots["outcome"] != "cancellation_taken_back"
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseMessageRow)) == 1


def test_a_question_that_points_back_keeps_the_order(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=LATE)
    chat.say("ok, can I return it when it arrives?", "return_refund")
    assert not chat.form_active
    assert chat.slots["order_id"] == LATE
    assert chat.slots["route"] is not None
    assert chat.responses()[0].startswith("utter_reason_")


def test_a_question_about_another_order_asks_which(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=LATE)
    chat.say("can I return my other order?", "return_refund")
    assert chat.form_active and chat.slots["requested_slot"] == "order_id"


def test_an_order_number_in_a_message_not_understood_is_kept(token_chat):
    chat = token_chat("B-3")
    chat.say(f"my tent order {TENT} arrived", "nlu_fallback", order_id=TENT)
    assert chat.responses() == ["utter_ask_topic"]
    assert TENT in chat.texts(-1)[0]
    assert chat.slots["fallback_count"] in (None, 0)
    chat.say("the poles are bent", "damaged_item")
    assert chat.slots["order_id"] == TENT
    assert not (chat.form_active and chat.slots["requested_slot"] == "order_id")


def test_thanks_instead_of_an_order_number_stops(token_chat):
    chat = token_chat("B-1")
    chat.say("I want to return something", "return_refund")
    assert chat.slots["requested_slot"] == "order_id"
    chat.say("ok thanks", "thanks")
    assert not chat.form_active
    assert chat.responses() == ["utter_inquiry_cancelled"]


def test_the_newer_one_picks_among_the_orders_offered(token_chat):
    # B-1's tumbler is in two orders: 112-...3 (Nov 18) and 112-...1 (Nov 10)
    chat = token_chat("B-1")
    chat.say("my tumbler arrived dented", "damaged_item")
    assert chat.slots["order_choices"] == [LATE, "112-0000001-0000001"]
    # the NLU may read the answer as anything: it is the answer all the same
    chat.say("the newer one", "delivery_status")
    assert chat.slots["order_id"] == LATE
    # decided as the damage report it answers (that order is still on its
    # way), not as the delivery question the NLU made of "the newer one"
    assert chat.slots["outcome"] == "not_delivered_yet"


def test_words_that_pick_no_order_ask_again(token_chat):
    chat = token_chat("B-1")
    chat.say("my tumbler arrived dented", "damaged_item")
    chat.say("not sure which", "damaged_item")
    assert chat.form_active and chat.slots["requested_slot"] == "order_id"


def test_an_update_on_an_address_change_asks_no_address_again(token_chat, services):
    chat = token_chat("B-1")
    chat.say(
        "I need to change the shipping address", "change_address", order_id=UNSHIPPED
    )
    assert chat.slots["requested_slot"] == "new_address"
    chat.say("500 Pine St, Seattle WA 98101", "give_order_id")
    case_id = chat.slots["case_id"]
    assert chat.slots["reason_code"] == "address_change_request"
    chat.say("any update on my address change?", "change_address")
    assert not chat.form_active
    assert chat.slots["case_id"] == case_id
    assert [len(messages) for _, _, messages in _cases(services)] == [2]


# --- small talk that is not (actions/small_talk.py) ---------------------------------

HUB = "112-0000012-0000012"  # B-1's USB-C hub, delivered


def test_an_item_of_the_buyers_orders_is_no_out_of_scope_message(token_chat):
    chat = token_chat("B-1")
    chat.say(
        "usb hub stopped working",
        "out_of_scope",
        ranking=["greet", "damaged_item", "delivery_status"],
    )
    assert chat.slots["pending_intent"] is None  # decided
    assert chat.slots["order_id"] == HUB
    assert "utter_out_of_scope" not in chat.responses()
    assert chat.slots["reason_code"] is not None


def test_an_everyday_request_stays_out_of_scope(token_chat, chat_factory):
    chat = token_chat("B-1")
    chat.say("my laptop stopped working", "out_of_scope", ranking=["damaged_item"])
    assert chat.responses() == ["utter_out_of_scope"]
    # an anonymous buyer has no orders in this chat yet: nothing is looked up
    anonymous = chat_factory()
    anonymous.say("usb hub stopped working", "out_of_scope", ranking=["damaged_item"])
    assert anonymous.responses() == ["utter_out_of_scope"]


def test_no_keep_it_takes_a_cancellation_back(token_chat, services):
    chat = _cancelled(token_chat)
    chat.say("no wait keep it", "deny")
    assert chat.responses() == ["utter_cancellation_taken_back"]
    assert _cases(services)[0][2][-1] == "no wait keep it"
    chat.say("no", "deny")  # nothing to take back: a plain no
    assert chat.responses() == ["utter_no_problem"]
