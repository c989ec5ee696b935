"""Found by buyer trials (2026-12-07): "I don't need a person" with no request
for one open handed the chat to our team (or got "Sorry, I didn't quite get
that"); "do i have to pay the shipping" right after a return was authorised
was referred to the seller as a question before buying, and "who pays for
postage" was out of scope; "how long til i get the money" after a late
order's case asked which order (actions/asides.py, actions/follow_up.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow, ReturnAuthorizationRow

KETTLE_AND_TUMBLERS = "112-0000001-0000001"  # B-1, seller S-100: return address
TENT = "114-0000013-0000013"  # B-3's, seller S-200 (US): prepaid label
LATE = "113-0000004-0000004"  # B-2's, promised Nov 19, still on its way


def count(services, row) -> int:
    with session_scope(services.engine) as session:
        return session.scalar(select(func.count()).select_from(row))


def test_i_dont_need_a_person_with_none_asked_for_hands_nothing_over(
    token_chat, services
):
    for text, intent in [
        ("I don't need a person", "human_agent"),
        ("i dont need a person, thanks", "nlu_fallback"),
        ("no i dont need to talk to anyone", "deny"),
        ("i dont need a human", "out_of_scope"),
    ]:
        chat = token_chat("B-1", conversation=f"chat-{intent}")
        chat.say("hi", "greet")
        chat.say(text, intent)
        assert chat.responses() == ["utter_no_person_needed"], text
        assert chat.slots.get("route") is None, text
        assert "no person then" in chat.texts(-1)[0]
    assert count(services, CaseRow) == 0


def test_i_dont_need_a_person_not_understood_still_withdraws_the_open_request(
    token_chat, services
):
    chat = token_chat("B-2")
    chat.say(f"i want to talk to a person about {LATE}", "human_agent")
    case_id = chat.slots["case_id"]
    chat.say("thanks", "thanks")
    chat.say("i dont need a person anymore thanks", "nlu_fallback")
    assert chat.responses() == ["utter_case_update"]
    assert chat.slots["case_status"] == "withdrawn_general"
    assert f"case {case_id}" in chat.texts(-1)[0]
    assert chat.slots["fallback_count"] in (None, 0)


def test_still_wanting_a_person_is_handed_over(token_chat):
    chat = token_chat("B-1")
    chat.say("i dont need a bot i need a real person", "human_agent")
    assert chat.slots["route"] == "agent"


def test_who_pays_the_return_shipping_is_told_by_the_returns_method(
    token_chat, services
):
    chat = token_chat("B-3")
    chat.say(f"i want to return my order {TENT}", "return_refund", order_id=TENT)
    assert chat.slots["reason_code"] == "return_window_open"
    assert chat.slots["return_method"] == "prepaid_label"
    for text, intent in [
        ("do i have to pay the shipping?", "pre_order"),
        ("who pays for postage", "out_of_scope"),
        ("is the return label free", "return_refund"),
        ("so i gotta pay to send it back??", "nlu_fallback"),
    ]:
        chat.say(text, intent)
        assert chat.responses() == ["utter_return_postage"], text
        assert "the seller pays for the return" in chat.texts(-1)[0], text
        # still the return's decision: no referral, no second return
        assert chat.slots["reason_code"] == "return_window_open", text
    assert count(services, ReturnAuthorizationRow) == 1


def test_a_return_to_the_sellers_address_says_no_label_and_where(token_chat):
    chat = token_chat("B-1")
    chat.say(
        "i want to return the tumbler", "return_refund", order_id=KETTLE_AND_TUMBLERS
    )
    assert chat.slots["return_method"] == "domestic_address"
    chat.say("do i have to pay the shipping", "pre_order")
    assert chat.responses() == ["utter_return_postage"]
    reply = chat.texts(-1)[0]
    assert "doesn't provide a prepaid return label" in reply
    assert chat.slots["return_address"] in reply


def test_who_pays_shipping_without_a_return_is_asked_as_before(token_chat):
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    chat.say("do i have to pay the shipping?", "pre_order")
    assert "utter_return_postage" not in chat.responses()
    # right after the late order's case, a note for it (below)
    assert chat.responses() == ["utter_case_note"]


def test_the_money_after_a_late_orders_case_is_that_orders(token_chat, services):
    chat = token_chat("B-2")
    chat.say(f"my order {LATE} still hasnt come", "delivery_status", order_id=LATE)
    assert chat.slots["reason_code"] == "late_delivery"
    cases_before = count(services, CaseRow)
    chat.say("how long til i get the money", "return_refund")
    # decided again on that order, joining its case
    assert chat.responses() == ["utter_reason_late_delivery", "utter_case_opened"]
    assert chat.slots["order_id"] == LATE
    assert chat.slots["reason_code"] == "late_delivery"
    assert count(services, CaseRow) == cases_before  # the case already open


def test_when_the_money_comes_after_a_return_is_told_not_the_return_again(
    token_chat, services
):
    chat = token_chat("B-3")
    chat.say(f"i want to return my order {TENT}", "return_refund", order_id=TENT)
    assert chat.slots["return_resolution"] == "refund"
    for text, intent in [
        ("ok so when do i get my money", "return_refund"),
        ("when will i get refunded after u get it", "return_refund"),
        ("do i get the full 24.99 back?", "nlu_fallback"),
        ("will i get my money back", "out_of_scope"),
    ]:
        chat.say(text, intent)
        assert chat.responses() == ["utter_refund_after_return"], text
        assert "once they've received the item back" in chat.texts(-1)[0], text
    assert count(services, ReturnAuthorizationRow) == 1
    assert count(services, CaseRow) == 0


def test_money_said_to_be_overdue_after_a_return_is_still_asked_of_the_seller(
    token_chat, services
):
    chat = token_chat("B-3")
    chat.say(f"i want to return my order {TENT}", "return_refund", order_id=TENT)
    chat.say("i sent it back last week, where is my refund?", "return_refund")
    assert "utter_refund_after_return" not in chat.responses()
    assert chat.slots["reason_code"] == "refund_status"


def test_who_pays_at_the_replacement_question_is_told_and_asked_again(token_chat):
    # a buyer trial: the answer closed "Would you like a replacement?", and
    # "ok so when do i get my money" then asked which order
    chat = token_chat("B-1")
    chat.say(
        "my kettle arrived cracked, water leaks out the bottom",
        "damaged_item",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert chat.slots["damage_remedy_pending"] is True
    chat.say("do i have to pay for return shipping? its not my fault", "return_refund")
    assert chat.responses() == ["utter_return_postage", "utter_ask_damage_remedy"]
    assert chat.slots["damage_remedy_pending"] is True
    chat.say("ok so when do i get my money", "return_refund")
    assert chat.slots["outcome"] == "damage_refund"
    chat.say("and when will i get my refund", "return_refund")
    assert chat.responses() == ["utter_refund_after_return"]


def test_who_pays_after_the_sellers_case_about_the_return_joins_that_case(
    token_chat, services
):
    # a buyer trial: "who pays shipping" after the window-closed case was
    # referred to the seller as a question before buying
    chat = token_chat("B-2")
    chat.say(
        "i want to return my kettle",
        "return_refund",
        order_id="113-0000006-0000006",
    )
    assert chat.slots["reason_code"] == "return_window_closed"
    case_id = chat.slots["case_id"]
    chat.say("who pays shipping", "pre_order")
    assert chat.responses() == ["utter_return_postage_case"]
    assert f"case {case_id}" in chat.texts(-1)[0]
    assert chat.slots["reason_code"] == "return_window_closed"
    with session_scope(services.engine) as session:
        texts = [m.text for m in session.get(CaseRow, int(case_id)).messages]
    assert texts[-1] == "who pays shipping"


def case_messages(services, case_id) -> list[str]:
    with session_scope(services.engine) as session:
        return [m.text for m in session.get(CaseRow, int(case_id)).messages]


def test_a_note_for_the_case_just_opened_is_added_to_it(token_chat, services):
    # a buyer trial: after the late order's case, "can you hurry them up" was
    # out of scope, "add that I need it before Dec 5 for a gift" a question
    # before buying; after a cancellation, "will I be charged?" asked "Have
    # you ordered this item?"
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    case_id = chat.slots["case_id"]
    for text, intent in [
        ("can you hurry them up", "out_of_scope"),
        ("add that I need it before Dec 5 for a gift", "pre_order"),
        ("the box will be left with my neighbour at 12", "nlu_fallback"),
    ]:
        chat.say(text, intent)
        assert chat.responses() == ["utter_case_note"], text
        assert f"case {case_id}" in chat.texts(-1)[0], text
        assert case_messages(services, case_id)[-1] == text
    assert chat.slots["reason_code"] == "late_delivery"
    cancel = token_chat("B-1")
    cancel.say(
        "cancel my kettle order please",
        "cancel_order",
        order_id="112-0000002-0000002",
    )
    cancel.say("will I be charged?", "product_question")
    assert cancel.responses() == ["utter_case_note"]
    assert cancel.slots["reason_code"] == "cancel_request"


def test_not_a_note_later_short_or_a_product_question(token_chat, services):
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    case_id = chat.slots["case_id"]
    chat.say("what's my case number again?", "out_of_scope")  # about the case
    assert chat.responses() != ["utter_case_note"]
    chat.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    chat.say("ok", "out_of_scope")  # too short to say anything
    assert chat.responses() != ["utter_case_note"]
    chat.say("can you hurry them up", "out_of_scope")  # not right after it
    assert chat.responses() == ["utter_out_of_scope"]
    other = token_chat("B-1")
    other.say(
        "cancel my kettle order please",
        "cancel_order",
        order_id="112-0000002-0000002",
    )
    other.say("is the tumbler dishwasher safe?", "product_question")
    assert "utter_case_note" not in other.responses()
    # the question asked again joins the case; none of the rest does
    assert case_messages(services, case_id) == [f"where is my order {LATE}"] * 2


def test_what_a_review_found_is_no_aside(token_chat, services):
    # a question about a product right after a seller's case is no note
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    case_id = chat.slots["case_id"]
    chat.say("can you tell me if the kettle has a filter", "product_question")
    assert "utter_case_note" not in chat.responses()
    chat2 = token_chat("B-2", conversation="chat-2")
    chat2.say(f"where is my order {LATE}", "delivery_status", order_id=LATE)
    chat2.say("do you have them in blue?", "pre_order")
    assert "utter_case_note" not in chat2.responses()
    assert case_messages(services, case_id) == [f"where is my order {LATE}"] * 2
    # a shipping question later on is not the old return's postage
    tent = token_chat("B-3")
    tent.say(f"i want to return my order {TENT}", "return_refund", order_id=TENT)
    tent.say("thanks", "thanks")
    tent.say("is shipping free?", "pre_order")
    assert "utter_return_postage" not in tent.responses()
    # a new refund asked after a return is no "when does the money come"
    tent.say(f"i want to return my order {TENT}", "return_refund", order_id=TENT)
    tent.say("can i get a refund for the other tent too", "return_refund")
    assert "utter_refund_after_return" not in tent.responses()
