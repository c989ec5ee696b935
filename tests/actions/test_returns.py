"""A damaged item (issue 13): the bot apologises, asks which item of an order of
several, offers a replacement or a refund, and authorises the return of the
damaged item only, once per order and item; a damaged item that cannot go
back the usual way (not returnable, window closed) goes to the seller, with an
apology, never "not returnable"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow, ReturnAuthorizationRow
from bot.services.attachments import damaged_cases
from bot.services.cases import get_case, reply
from tests.actions.conftest import NOW

KETTLE_AND_TUMBLERS = "112-0000001-0000001"  # B-1: 2 tumblers + 1 kettle
TUMBLER = "B0HRTH0001"
KETTLE = "B0HRTH0002"
BAGS = "114-0000007-0000007"  # B-3: silicone bags, not returnable
OLD_KETTLE = "113-0000006-0000006"  # B-2: delivered Sep 12, window closed


def authorisations(services) -> list[ReturnAuthorizationRow]:
    with session_scope(services.engine) as session:
        rows = session.scalars(select(ReturnAuthorizationRow)).all()
        session.expunge_all()
        return rows


def cases(services) -> list[CaseRow]:
    with session_scope(services.engine) as session:
        rows = session.scalars(select(CaseRow)).all()
        session.expunge_all()
        return rows


def report_kettle(chat) -> None:
    """ "my broken item", the order in the message, then the item (a button)."""
    chat.say(
        f"my item arrived broken, order {KETTLE_AND_TUMBLERS}",
        "damaged_item",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert chat.responses() == ["utter_ask_product_asin"]
    (asked,) = chat.last
    assert "arrived damaged" in asked.text and "sorry" in asked.text
    assert [b["payload"] for b in asked.buttons] == [TUMBLER, KETTLE]
    chat.say(KETTLE, "nlu_fallback")  # the kettle's button


def test_the_kettle_of_a_two_item_order_is_returned_alone(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    assert chat.responses() == [
        "utter_reason_damaged_return",
        "utter_ask_damage_remedy",
    ]
    offer, question = chat.last
    assert (
        "sorry about the problem with your Hearth 1.7 L Electric Kettle" in offer.text
    )
    assert "Tumbler" not in offer.text
    assert "photo" in offer.text and "skip" in offer.text
    assert question.text == "Would you like a replacement?"
    assert [(b["title"], b["payload"]) for b in question.buttons] == [
        ("Yes, send a replacement", "/affirm"),
        ("No, refund me", "/deny"),
    ]
    assert chat.slots["damage_remedy_pending"] is True
    assert authorisations(services) == []  # nothing before the buyer chooses

    chat.say("/deny", "deny")
    assert chat.responses() == ["utter_damage_refund", "utter_return_method"]
    refund, method = chat.texts(-1)
    (row,) = authorisations(services)
    assert row.items == [{"asin": KETTLE, "quantity": 1}]  # not the tumblers
    assert (row.reason, row.resolution) == ("damaged_return", "refund")
    assert str(row.id) == chat.slots["return_id"] and str(row.id) in refund
    assert "No photo is needed" in refund
    assert "Ontario, CA" in method
    assert chat.slots["damage_remedy_pending"] is None
    assert cases(services) == []  # a refund needs the seller for nothing
    assert damaged_cases_of(services, chat) == []


def damaged_cases_of(services, chat):
    with session_scope(services.engine) as session:
        return damaged_cases(session, conversation_id=chat.sender_id)


def test_asking_again_gives_the_same_authorisation(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("/deny", "deny")
    first = chat.slots["return_id"]

    report_kettle(chat)  # the same session, the same kettle
    assert chat.responses() == [
        "utter_damage_already_authorised",
        "utter_return_method",
    ]
    assert first in chat.texts(-1)[0] and "already authorised" in chat.texts(-1)[0]
    assert chat.slots["return_id"] == first
    assert chat.slots["damage_remedy_pending"] is None  # no second question
    # another chat of the same buyer: still the same number
    other = token_chat("B-1", conversation="chat-2")
    report_kettle(other)
    assert other.slots["return_id"] == first
    assert len(authorisations(services)) == 1


def test_the_tumbler_after_the_kettle_is_a_return_of_its_own(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("/deny", "deny")
    # the words name the tumbler: no "which item?" this time
    chat.say("a tumbler lid is cracked", "damaged_item", order_id=KETTLE_AND_TUMBLERS)
    assert chat.responses()[0] == "utter_reason_damaged_return"
    chat.say("/deny", "deny")
    kettle, tumbler = authorisations(services)
    assert kettle.items == [{"asin": KETTLE, "quantity": 1}]
    assert tumbler.items == [{"asin": TUMBLER, "quantity": 2}]


def test_a_replacement_is_authorised_and_asked_of_the_seller(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("/affirm", "affirm")
    assert chat.responses() == [
        "utter_damage_replacement",
        "utter_return_method",
        "utter_damage_photo_case",
    ]
    replacement, _, photo = chat.texts(-1)
    (row,) = authorisations(services)
    assert (row.resolution, row.items) == (
        "replacement",
        [{"asin": KETTLE, "quantity": 1}],
    )
    (case,) = cases(services)
    assert (case.category, case.reason_code, case.kind) == (
        "damaged_item",
        "damaged_return",
        "seller",
    )
    assert case.order_id == KETTLE_AND_TUMBLERS and case.seller_id == "S-100"
    assert str(case.id) == chat.slots["case_id"]
    assert str(case.id) in replacement and str(row.id) in replacement
    assert "replacement" in replacement and "24 hours" in replacement
    # the photo goes where the text says: this chat's damaged-item case
    assert f"case {case.id}" in photo and "Attach a photo" in photo
    assert [c.case_id for c in damaged_cases_of(services, chat)] == [case.id]

    # asked again: the same authorisation and the same case
    report_kettle(chat)
    assert chat.responses() == [
        "utter_damage_already_authorised",
        "utter_return_method",
    ]
    again = chat.texts(-1)[0]
    assert "replacement" in again and str(row.id) in again and str(case.id) in again
    assert len(authorisations(services)) == 1 and len(cases(services)) == 1


def test_another_message_leaves_the_question(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("thanks", "thanks")
    assert chat.responses() == ["utter_youre_welcome"]
    assert chat.slots["damage_remedy_pending"] is None
    chat.say("yes", "affirm")  # no longer an answer to the question
    assert chat.responses() == ["utter_how_can_i_help"]
    assert authorisations(services) == [] and cases(services) == []


def test_a_replacement_asked_for_in_words_is_the_answer(token_chat, services):
    # The NLU reads a typed "replacement please" as a return request. Before,
    # it left the question, asked for an order again and authorised the return
    # of the whole order (kettle and tumblers) for a refund.
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("hmm only the kettle is dented. replacement please", "return_refund")
    assert chat.responses() == [
        "utter_damage_replacement",
        "utter_return_method",
        "utter_damage_photo_case",
    ]
    (row,) = authorisations(services)
    assert (row.resolution, row.items) == (
        "replacement",
        [{"asin": KETTLE, "quantity": 1}],
    )
    assert [c.reason_code for c in cases(services)] == ["damaged_return"]
    assert chat.slots["damage_remedy_pending"] is None


def test_a_refund_asked_for_in_words_is_the_answer(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("no replacement, i just want my money back", "return_refund")
    assert chat.responses() == ["utter_damage_refund", "utter_return_method"]
    (row,) = authorisations(services)
    assert (row.resolution, row.items) == (
        "refund",
        [{"asin": KETTLE, "quantity": 1}],
    )
    assert cases(services) == []


def test_a_damage_message_without_a_remedy_is_a_new_inquiry(token_chat, services):
    # "the tumbler is dented too" answers nothing: it is a new damage report,
    # about the order just decided (a damage report right after one goes on
    # with its order: actions/follow_up.py), and nothing is authorised for
    # the kettle.
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("the tumbler is dented too", "damaged_item")
    assert "action_start_inquiry" in chat.actions_run
    assert chat.slots["inquiry_text"] == "the tumbler is dented too"
    assert chat.slots["order_id"] == KETTLE_AND_TUMBLERS
    assert chat.slots["outcome"] == "damaged_return"
    assert "Tumbler" in chat.texts(-1)[0]
    assert chat.responses()[-1] == "utter_ask_damage_remedy"
    assert authorisations(services) == [] and cases(services) == []


def test_an_anonymous_buyer_verifies_then_chooses(chat_factory, services):
    chat = chat_factory()
    chat.say("my kettle came broken", "damaged_item", order_id=KETTLE_AND_TUMBLERS)
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("98101", "nlu_fallback")
    # verified, the order's items are known: "my kettle" named one of them
    assert chat.responses() == [
        "utter_reason_damaged_return",
        "utter_ask_damage_remedy",
    ]
    chat.say("/affirm", "affirm")
    assert chat.slots["outcome"] == "damage_replacement"
    (row,) = authorisations(services)
    assert row.items == [{"asin": KETTLE, "quantity": 1}]


def test_window_closed_a_case_with_an_apology(token_chat, services):
    chat = token_chat("B-2")
    chat.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    assert chat.responses() == [
        "utter_reason_damaged_seller_case",
        "utter_case_opened",
        "utter_damage_photo_case",
    ]
    sorry, opened, photo = chat.texts(-1)
    # "stopped working" months later is no damage on arrival: no "arrived"
    assert "sorry about the problem with your Hearth 1.7 L Electric Kettle" in sorry
    assert "ended" not in sorry and "window" not in sorry
    assert (chat.slots["route"], chat.slots["reason_code"]) == (
        "seller_case",
        "damaged_seller_case",
    )
    (case,) = cases(services)
    assert (case.category, case.reason_code) == ("damaged_item", "damaged_seller_case")
    assert str(case.id) in opened and f"case {case.id}" in photo
    assert authorisations(services) == []
    assert chat.slots["damage_remedy_pending"] is None


def test_damaged_bags_are_never_not_returnable(token_chat, services):
    chat = token_chat("B-3")
    chat.say("silicone bags came ripped open", "damaged_item", order_id=BAGS)
    assert chat.responses()[0] == "utter_reason_damaged_seller_case"
    said = " ".join(chat.texts(-1))
    assert "not returnable" not in said
    assert (
        "sorry about the problem with your Hearth Reusable Silicone Food Storage Bags"
        in said
    )
    (case,) = cases(services)
    assert case.reason_code == "damaged_seller_case"
    assert [c.case_id for c in damaged_cases_of(services, chat)] == [case.id]
    # a return of the same bags is still the seller's "not returnable" case
    chat.say("I want to return them", "return_refund", order_id=BAGS)
    assert chat.slots["reason_code"] == "item_not_returnable"


def test_a_remedy_named_but_not_chosen_gets_the_question_again(token_chat, services):
    # "no refund please" refuses a refund without choosing a replacement; a
    # question about a remedy chooses nothing: the buttons decide
    chat = token_chat("B-1")
    report_kettle(chat)
    for text in ("no refund please", "is the replacement free?"):
        chat.say(text, "return_refund")
        assert chat.responses() == ["utter_ask_damage_remedy"]
        assert "Just so I get it right" in chat.texts(-1)[0]
        assert chat.slots["damage_remedy_pending"] is True
    assert authorisations(services) == [] and cases(services) == []
    chat.say("/affirm", "affirm")
    assert chat.slots["outcome"] == "damage_replacement"


def test_a_remedy_for_another_order_or_item_is_a_new_inquiry(token_chat, services):
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("the tumbler is dented too, please replace it", "damaged_item")
    # a new inquiry, about the tumbler of the same order ("it" points back at
    # the order just decided: actions/follow_up.py), with its own question
    assert chat.slots["order_id"] == KETTLE_AND_TUMBLERS
    assert chat.slots["outcome"] == "damaged_return"
    assert "Tumbler" in chat.texts(-1)[0]
    assert chat.responses()[-1] == "utter_ask_damage_remedy"
    assert authorisations(services) == []
    chat = token_chat("B-1")
    report_kettle(chat)
    chat.say("I want a refund for order 112-0000003-0000003", "return_refund")
    assert chat.slots["outcome"] == "remedy_not_named"
    assert authorisations(services) == []


def test_a_return_authorised_earlier_still_leaves_the_damage_remedy_open(
    token_chat, services
):
    """The buyer trial: a plain return of the order was authorised, then the
    kettle was reported damaged; the bot said "its return for a refund is
    already authorised" and never offered the replacement."""
    chat = token_chat("B-1")
    chat.say("can i return this order?", "return_refund", order_id=KETTLE_AND_TUMBLERS)
    assert chat.slots["outcome"] == "return_window_open"
    (plain,) = authorisations(services)
    report_kettle(chat)
    assert "utter_damage_already_authorised" not in chat.responses()
    assert chat.slots["outcome"] == "damaged_return"  # replacement or refund?
    chat.say("/affirm", "affirm")
    assert chat.slots["outcome"] == "damage_replacement"
    rows = authorisations(services)
    assert [r.id for r in rows][0] == plain.id and len(rows) == 2
    assert (rows[1].reason, rows[1].resolution, rows[1].items) == (
        "damaged_return",
        "replacement",
        [{"asin": KETTLE, "quantity": 1}],
    )
    assert [c.reason_code for c in cases(services)] == ["damaged_return"]


def test_money_back_for_an_order_that_never_came_asks_the_seller(token_chat, services):
    # found by a buyer trial: "nothing to return yet" for an order days past
    # its delivery promise (113-...4, promised Nov 19, still on its way)
    chat = token_chat("B-2")
    chat.say(
        "it never came, i want my money back",
        "return_refund",
        order_id="113-0000004-0000004",
    )
    assert chat.responses() == ["utter_reason_late_delivery", "utter_case_opened"]
    assert (chat.slots["route"], chat.slots["reason_code"]) == (
        "seller_case",
        "late_delivery",
    )
    (case,) = cases(services)
    assert (case.order_id, case.reason_code) == ("113-0000004-0000004", "late_delivery")
    assert str(case.id) in chat.texts(-1)[1]
    assert authorisations(services) == []


def test_a_refund_for_a_late_order_joins_its_open_lateness_case(token_chat, services):
    """Found by a buyer trial: 'WHERE IS IT' opened the lateness case of
    113-...4, and 'i want a refund NOW' from another chat opened a second one
    (the cases were kept by the words' intent, not by what was decided). The
    seller gets one case per order and topic: the refund joins the first."""
    late = "113-0000004-0000004"
    first = token_chat("B-2")
    first.say("WHERE IS IT", "delivery_status", order_id=late)
    (case,) = cases(services)
    assert (case.reason_code, case.category) == ("late_delivery", "delivery_status")
    second = token_chat("B-2")
    second.say("i want a refund NOW", "return_refund", order_id=late)
    assert second.slots["reason_code"] == "late_delivery"
    assert [c.id for c in cases(services)] == [case.id]
    assert f"open case {case.id}" in " ".join(second.texts(-1))
    # a damage report on the late order (it has not arrived: the policy
    # decides lateness) joins it too, and is no damaged-item case a photo
    # would be filed on
    third = token_chat("B-2")
    third.say("i ordered the tumbler and got a kettle", "damaged_item", order_id=late)
    assert third.slots["reason_code"] == "late_delivery"
    assert [c.id for c in cases(services)] == [case.id]
    with session_scope(services.engine) as session:
        assert damaged_cases(session, conversation_id=third.sender_id) == []


def test_the_return_policy_asked_in_general_is_told_before_the_order_question(
    token_chat, chat_factory, services
):
    chat = token_chat("B-1")
    chat.say("what's your return policy?", "return_refund")
    assert chat.responses() == ["utter_return_policy", "utter_ask_order_id_recent"]
    assert "30 days of delivery" in chat.texts(-1)[0]
    # the order's own window once the buyer says which
    chat.say(KETTLE_AND_TUMBLERS, "give_order_id", order_id=KETTLE_AND_TUMBLERS)
    assert chat.slots["reason_code"] == "return_window_open"
    # a return of the buyer's own gets the order question alone
    anonymous = chat_factory()
    anonymous.say("I want to return my kettle, what's the policy?", "return_refund")
    assert anonymous.responses() == ["utter_ask_order_id"]
    assert cases(services) == []


def test_any_news_on_an_open_case_tells_where_the_case_stands(
    token_chat, services, monkeypatch
):
    # found by a buyer trial: "any news on my case?" was answered with the
    # order's delivery status ("Good news: delivered on Sep 12")
    chat = token_chat("B-2")
    chat.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    (case,) = cases(services)
    chat.say("any news on my case?", "delivery_status")
    assert chat.responses() == ["utter_case_update"]
    (text,) = chat.texts(-1)
    assert f"case {case.id}" in text and "still with the seller" in text
    assert "delivered" not in text
    assert chat.slots["outcome"] == "case_update"
    with session_scope(services.engine) as session:
        thread = get_case(session, case.id)
    assert thread.messages[-1].text == "any news on my case?"
    assert thread.status.value == "awaiting_seller"  # nothing else changed

    now = datetime.fromisoformat(NOW) + timedelta(hours=3)
    with session_scope(services.engine) as session:
        reply(session, case_id=case.id, seller_id=case.seller_id,
              text="A new kettle ships Monday.", now=now)  # fmt: skip
    # the answer reaches the chat at the start of the turn: not quoted twice
    chat.say("did the seller reply yet?", "delivery_status")
    assert chat.responses() == ["utter_seller_reply", "utter_case_update"]
    assert "just above" in chat.texts(-1)[1]
    monkeypatch.setenv("CSBA_NOW", (now + timedelta(hours=1)).isoformat())
    chat.say("any update?", "return_refund")
    assert chat.responses() == ["utter_case_update"]
    assert '"A new kettle ships Monday."' in chat.texts(-1)[0]
    assert len(cases(services)) == 1


def test_any_news_without_an_open_case_is_the_question_as_usual(token_chat):
    chat = token_chat("B-2")
    chat.say("any news on my order?", "delivery_status", order_id=OLD_KETTLE)
    assert chat.responses() == ["utter_reason_delivered"]


def test_one_of_two_tumblers_damaged_returns_one_unit(token_chat, services):
    # found by a buyer trial: "one of my tumblers" authorised both units
    chat = token_chat("B-1")
    chat.say(
        "one of my tumblers arrived dented",
        "damaged_item",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert chat.responses()[0] == "utter_reason_damaged_return"
    chat.say("/deny", "deny")  # no replacement: a refund
    (tumbler,) = authorisations(services)
    assert tumbler.items == [{"asin": TUMBLER, "quantity": 1}]


def test_a_defect_claimed_after_not_returnable_goes_on_with_the_order(
    token_chat, services
):
    # found by a buyer trial: "why not? they smell like chemicals, i think
    # theyre defective" after "not returnable" asked which order
    chat = token_chat("B-3")
    chat.say("i want to send back the silicone food bags", "return_refund",
             order_id=BAGS)  # fmt: skip
    assert chat.slots["reason_code"] == "item_not_returnable"
    chat.say("why not? they smell like chemicals, i think theyre defective",
             "damaged_item")  # fmt: skip
    assert chat.slots["order_id"] == BAGS
    assert chat.slots["reason_code"] == "damaged_seller_case"
    # a delivery question is another inquiry: it asks for its order
    chat.say("where is my order", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id_recent"]


def test_a_refund_asked_of_an_order_that_never_came_is_its_case(token_chat, services):
    # found by a buyer trial: "will i get a refund or a new one?" right after
    # the case for a parcel marked delivered that never came authorised a
    # return of the parcel the buyer does not have
    chat = token_chat("B-1")
    chat.say(
        "tracking says delivered on the 20th but nothing at my door",
        "delivery_status",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert chat.slots["reason_code"] == "delivered_not_received"
    case_id = chat.slots["case_id"]
    chat.say("will i get a refund or a new one?", "return_refund")
    assert chat.responses() == [
        "utter_reason_delivered_not_received",
        "utter_case_opened",
    ]
    assert chat.slots["case_created"] is False
    assert chat.slots["case_id"] == case_id
    assert authorisations(services) == []
    with session_scope(services.engine) as session:
        texts = [m.text for m in session.get(CaseRow, int(case_id)).messages]
    assert "will i get a refund or a new one?" in texts
    # only right after: a return asked later (it turned up after all) is one
    later = token_chat("B-1", conversation="chat-2")
    later.say("i want to return it", "return_refund", order_id=KETTLE_AND_TUMBLERS)
    assert later.slots["reason_code"] == "return_window_open"


def test_a_return_asked_for_a_damaged_item_is_the_damaged_items(token_chat, services):
    # found by a buyer trial: "bags came ripped open, want my money back" (read
    # as a return) was told the bags are not returnable
    bags = token_chat("B-3")
    bags.say(
        "bags came ripped open, want my money back",
        "return_refund",
        order_id="114-0000007-0000007",
    )
    assert bags.slots["reason_code"] == "damaged_seller_case"
    assert "not returnable" not in " ".join(bags.texts(-1))
    kettle = token_chat("B-1")
    kettle.say(
        "the kettle is cracked, i want to return it",
        "return_refund",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert kettle.slots["reason_code"] == "damaged_return"  # only the kettle goes back
    # a plain return is still one
    plain = token_chat("B-1", conversation="chat-2")
    plain.say(
        "its not broken i just dont like it",
        "return_refund",
        order_id=KETTLE_AND_TUMBLERS,
    )
    assert plain.slots["reason_code"] == "return_window_open"


def test_a_new_one_asked_of_an_order_that_never_came_is_its_case(token_chat, services):
    # a buyer trial: "can u send a new one" (read as a damaged item) after the
    # case for a parcel that never came asked which order
    chat = token_chat("B-1")
    chat.say(
        "tracking says delivered but nothing at my door",
        "delivery_status",
        order_id=KETTLE_AND_TUMBLERS,
    )
    case_id = chat.slots["case_id"]
    chat.say("can u send a new one", "damaged_item")
    # decided again (never "which item arrived damaged?"), joining the case
    assert chat.responses() == [
        "utter_reason_delivered_not_received",
        "utter_case_opened",
    ]
    assert chat.slots["case_created"] is False
    assert chat.slots["case_id"] == case_id
    assert authorisations(services) == []
    # it turned up after all, broken: a damaged item
    chat.say("nvm my neighbour had it, the kettle is cracked", "damaged_item")
    assert chat.responses() == [
        "utter_reason_damaged_return",
        "utter_ask_damage_remedy",
    ]


def test_a_parcel_that_turned_up_after_all_can_be_returned(token_chat, services):
    # a review: right after the not-received case, "nvm it just showed up,
    # can i return it?" was told again that it never came
    chat = token_chat("B-1")
    chat.say(
        "tracking says delivered but nothing at my door",
        "delivery_status",
        order_id=KETTLE_AND_TUMBLERS,
    )
    chat.say("nvm it just showed up, can i return it?", "return_refund")
    assert chat.responses()[0] == "utter_reason_return_window_open"
    assert len(authorisations(services)) == 1
