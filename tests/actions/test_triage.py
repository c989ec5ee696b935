"""action_start_inquiry and action_triage: every route and reason code of the
demo examples, the decision slots, what gets recorded, and idempotency."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from actions.inquiry import ActionStartInquiry
from bot.adapters.db import session_scope
from bot.adapters.orm import CaseMessageRow, CaseRow, ReturnAuthorizationRow
from bot.domain.policy import REASON_CODES
from bot.services.decision_slots import DECISION_SLOTS
from tests.actions.conftest import PROJECT_ROOT, user_event

EXAMPLES = json.loads((PROJECT_ROOT / "data" / "demo" / "examples.json").read_text())
DEFAULT_TEXT = {
    "delivery_status": "where is my order",
    "return_refund": "I want to return it",
    "damaged_item": "it arrived broken",
    "cancel_order": "please cancel my order",
    "change_address": "I need to change the address",
    "product_question": "is it dishwasher safe?",
}


NEW_ADDRESS = "12 Office Park Dr, Suite 4, Seattle WA 98109"


def _example_id(example: dict) -> str:
    return f"{example['intent']}-{example['order']}-{example['expect'][1]}"


def play_example(example, chat_factory, token_chat):
    """Play one demo example as the buyer would: a token buyer when the example
    names one, an anonymous one otherwise; the order number in the message."""
    chat = token_chat(example["buyer"]) if example.get("buyer") else chat_factory()
    text = example.get("text") or DEFAULT_TEXT.get(example["intent"], example["intent"])
    chat.say(text, example["intent"], order_id=example["order"])
    if chat.form_active and chat.slots["requested_slot"] == "product_asin":
        chat.say("the tumbler", "product_question")
    if chat.form_active and chat.slots["requested_slot"] == "new_address":
        chat.say(NEW_ADDRESS, "give_order_id")
    assert not chat.form_active
    return chat


@pytest.mark.parametrize("example", EXAMPLES["examples"], ids=_example_id)
def test_every_demo_example_gets_its_route_and_reason(
    example, chat_factory, token_chat, monkeypatch
):
    if "at" in example:
        monkeypatch.setenv("CSBA_NOW", example["at"])
    chat = play_example(example, chat_factory, token_chat)
    route, reason = example["expect"]
    assert (chat.slots["route"], chat.slots["reason_code"]) == (route, reason)
    assert chat.slots["outcome"] == reason
    assert chat.responses()[0] == f"utter_reason_{reason}"
    # Every decision sets the slots the agent console filters on.
    assert "order_id" in chat.slots and "case_id" in chat.slots
    # Every variable of every reply was filled.
    for text in chat.texts():
        assert "None" not in text and "{" not in text, text


def test_the_examples_cover_every_route_and_reason_code():
    covered = {tuple(e["expect"]) for e in EXAMPLES["examples"]}
    assert {reason for _, reason in covered} == set(REASON_CODES)
    assert {route for route, _ in covered} == {r.value for r in REASON_CODES.values()}


def test_the_decision_keeps_all_its_facts_for_the_console(token_chat):
    from bot.services.review import agent_reason

    chat = token_chat("B-1")
    chat.say("where is it", "delivery_status", order_id="112-0000003-0000003")
    facts = chat.slots["decision_facts"]
    # JSON-ready: what Rasa stores is what the console reads back.
    assert json.loads(json.dumps(facts)) == facts
    # Facts no reply quotes are kept too.
    assert {"order_status", "coverage_start", "placed_at"} <= set(facts)
    reason = agent_reason(
        chat.slots["reason_code"], chat.slots, intent="delivery_status"
    )
    assert "112-0000003-0000003" in reason and "USPS" in reason
    assert "unknown" not in reason


def test_route_replies(chat_factory, token_chat):
    # bot: status with carrier, tracking and dates
    chat = token_chat("B-1")
    chat.say("where is it", "delivery_status", order_id="112-0000003-0000003")
    (reply,) = chat.texts(-1)
    assert "USPS" in reply and "9400111899223856112233" in reply
    # days as a buyer says them, on the marketplace's calendar: it shipped at
    # 03:00 UTC on Nov 21, which is still Nov 20 in Los Angeles
    assert "it shipped on Friday, Nov 20 with USPS" in reply
    assert "should arrive by Monday, Nov 30." in reply

    # bot: return instructions with method and deadline, and the authorisation
    chat.say("I want to return it", "return_refund", order_id="112-0000001-0000001")
    assert chat.responses() == [
        "utter_reason_return_window_open",
        "utter_return_method",
    ]
    reply, method = chat.texts(-1)
    assert chat.slots["return_deadline"] in reply and chat.slots["return_id"] in reply
    assert "Ontario, CA" in method  # S-100 takes returns at a domestic address

    # seller_case: the case number, 24 h for the seller, the buyer's due time
    chat.say(
        "please cancel, wrong size", "cancel_order", order_id="112-0000002-0000002"
    )
    assert chat.slots["route"] == "seller_case"
    assert chat.responses() == ["utter_reason_cancel_request", "utter_case_opened"]
    opened = chat.texts(-1)[1]
    assert (
        chat.slots["case_id"] in opened and "24 hours" in opened and "2 days" in opened
    )
    assert chat.slots["buyer_due"] == "by Saturday, Nov 28"  # now + 2 days
    assert "within 2 days, by Saturday, Nov 28 at the latest." in opened
    assert "PST" not in opened and "2026" not in opened

    # buyer_seller_messaging: why, and how to reach the seller
    chat.say("I need an invoice", "invoice", order_id="112-0000001-0000001")
    assert chat.responses() == ["utter_reason_invoice", "utter_contact_seller"]
    assert "Your Orders" in chat.texts(-1)[1] and "Contact seller" in chat.texts(-1)[1]
    assert "112-0000001-0000001" in chat.texts(-1)[1]

    # agent: a case, and a person replies in this chat
    chat.say("let me talk to a person", "human_agent")
    assert chat.slots["route"] == "agent"
    assert chat.responses() == [
        "utter_reason_buyer_asked_for_agent",
        "utter_agent_case_opened",
    ]
    assert "in this chat" in chat.texts(-1)[1]


def test_pre_order_explains_how_to_ask_the_seller(chat_factory):
    chat = chat_factory()
    chat.say("is the kettle in stock?", "pre_order")
    assert chat.responses() == [
        "utter_reason_pre_order",
        "utter_contact_seller_pre_order",
    ]
    assert "Ask a question" in chat.texts(-1)[1]
    assert chat.slots["route"] == "buyer_seller_messaging"
    assert chat.slots["order_id"] is None and chat.slots["case_id"] is None


def test_a_case_holds_the_buyers_own_words(chat_factory, token_chat, services):
    chat = token_chat("B-1")
    chat.say(
        "Ship it to my office instead", "change_address", order_id="112-0000002-0000002"
    )
    # no address in the request: the bot asks for it before the seller's case
    assert chat.responses() == ["utter_ask_new_address"]
    assert "112-0000002-0000002" in chat.texts(-1)[0]
    assert chat.slots["case_id"] is None
    chat.say(NEW_ADDRESS, "give_order_id")
    with session_scope(services.engine) as session:
        case = session.get(CaseRow, int(chat.slots["case_id"]))
        assert case.question == f"Ship it to my office instead — {NEW_ADDRESS}"
        assert case.conversation_id == chat.sender_id
        assert case.reason_code == "address_change_request"
        assert case.kind == "seller"


def test_a_case_keeps_what_the_buyer_said_with_the_order_number(chat_factory, services):
    """Found by a buyer trial: "?", then *Damaged or wrong item*, then "i
    ordered the tumbler and got a kettle lol. order ... zip ...": the case held
    "?" (the message before the click) and not the report."""
    late = "113-0000004-0000004"  # B-2's, past its delivery promise, ZIP 10001
    chat = chat_factory(sender_id="anon-words")
    chat.say("?", "out_of_scope")
    chat.say("/damaged_item", "damaged_item")
    assert chat.slots["inquiry_text"] is None
    report = f"i ordered the tumbler and got a kettle lol. order {late}"
    chat.say(report, "damaged_item", order_id=late)
    chat.say("10001", "give_order_id")
    assert chat.slots["reason_code"] == "late_delivery"
    with session_scope(services.engine) as session:
        (case,) = session.scalars(select(CaseRow)).all()
        assert case.question == report
    # a message that only gives the order adds nothing to the buyer's words
    other = chat_factory(sender_id="anon-words-2")
    other.say("its been weeks, where is it", "delivery_status")
    other.say(f"order {late}", "give_order_id", order_id=late)
    other.say("my zip is 10001", "give_order_id")
    assert other.slots["reason_code"] == "late_delivery"
    with session_scope(services.engine) as session:
        (case,) = session.scalars(select(CaseRow)).all()  # the same lateness
        assert case.messages[-1].text == "its been weeks, where is it"


def test_the_same_question_twice_joins_the_open_case(token_chat, services):
    chat = token_chat("B-2")
    chat.say("where is my kettle??", "delivery_status", order_id="113-0000004-0000004")
    first = chat.slots["case_id"]
    assert chat.slots["case_created"] is True
    chat.say(
        "still nothing, where is it", "delivery_status", order_id="113-0000004-0000004"
    )
    assert chat.slots["case_id"] == first
    assert chat.slots["case_created"] is False
    assert "open case" in chat.texts(-1)[1]
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 1
        assert session.scalar(select(func.count()).select_from(CaseMessageRow)) == 2


def test_a_return_is_authorised_once_per_order_and_items(token_chat, services):
    chat = token_chat("B-1")
    chat.say("I want to return it", "return_refund", order_id="112-0000001-0000001")
    first = chat.slots["return_id"]
    with session_scope(services.engine) as session:
        row = session.get(ReturnAuthorizationRow, int(first))
        assert row.order_id == "112-0000001-0000001"
        assert row.reason == "return_window_open"
        assert row.resolution == "refund"
        assert row.conversation_id == chat.sender_id
        assert sorted(i["asin"] for i in row.items) == ["B0HRTH0001", "B0HRTH0002"]
    # asked again, here or in another chat: the same authorisation, the same number
    chat.say("how do I send it back?", "return_refund", order_id="112-0000001-0000001")
    other = token_chat("B-1", conversation="chat-2")
    other.say("return my order", "return_refund", order_id="112-0000001-0000001")
    assert chat.slots["return_id"] == other.slots["return_id"] == first
    assert first in other.texts(-1)[0]
    with session_scope(services.engine) as session:
        count = select(func.count()).select_from(ReturnAuthorizationRow)
        assert session.scalar(count) == 1


def test_someone_elses_order_reveals_nothing(token_chat, services):
    chat = token_chat("B-2")
    chat.say("where is my order", "delivery_status", order_id="112-0000001-0000001")
    assert chat.slots["reason_code"] == "not_your_order"
    facts = [
        chat.slots[name]
        for name in DECISION_SLOTS
        if name not in ("route", "reason_code", "order_id")
    ]
    assert facts == [None] * len(facts)
    # The very words of an unknown order: not even the order's existence shows.
    unknown = token_chat("B-2", conversation="chat-2")
    unknown.say("where is my order", "delivery_status", order_id="112-9999999-9999999")
    assert unknown.slots["reason_code"] == "order_not_found"
    assert chat.texts(-1) == [
        t.replace("112-9999999-9999999", "112-0000001-0000001")
        for t in unknown.texts(-1)
    ]
    for text in chat.texts():
        for secret in ("UPS", "1Z999AA10123456784", "Nov 20", "Hearth", "98101"):
            assert secret not in text
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0


def test_a_bare_order_number_then_the_topic(token_chat):
    chat = token_chat("B-1")
    chat.say("112-0000003-0000003", "give_order_id", order_id="112-0000003-0000003")
    assert chat.responses() == ["utter_ask_topic"]
    assert "112-0000003-0000003" in chat.texts(-1)[0]
    assert len(chat.last[0].buttons) == 8
    chat.say("/cancel_order", "cancel_order")
    assert chat.slots["reason_code"] == "already_shipped"
    assert chat.slots["order_id"] == "112-0000003-0000003"
    reply = chat.texts(-1)[0]
    assert "refuse the delivery" in reply and "USPS" in reply


def test_a_zip_code_after_a_bare_order_number_keeps_the_order(chat_factory):
    # An anonymous buyer types the order number, then the ZIP code unasked (the
    # NLU reads "94103" as an order number). Before, the order was dropped: the
    # topic question lost it and "I want to return it" asked for it again.
    chat = chat_factory()
    chat.say("114-0000008-0000008", "give_order_id", order_id="114-0000008-0000008")
    chat.say("94103", "give_order_id")
    assert chat.responses() == ["utter_ask_topic"]
    assert "114-0000008-0000008" in chat.texts(-1)[0]
    assert chat.slots["order_id"] == "114-0000008-0000008"
    chat.say("I want to return it", "return_refund")
    # the ZIP is asked for by the order form, as always: never taken unasked
    assert chat.slots["order_id"] == "114-0000008-0000008"
    assert chat.slots["requested_slot"] == "zip_code"
    chat.say("94103", "give_order_id")
    assert chat.slots["reason_code"] == "customization"


def test_a_zip_code_after_a_finished_inquiry_brings_back_no_order(chat_factory):
    chat = chat_factory()
    chat.say("where is order 112-0000003-0000003", "delivery_status",
             order_id="112-0000003-0000003")  # fmt: skip
    chat.say("98101", "give_order_id")  # the ZIP the form asked for
    assert chat.slots["reason_code"] == "in_transit"
    chat.say("94103", "give_order_id")  # not right after a bare order number
    assert chat.slots["order_id"] is None


def test_a_number_that_is_no_zip_code_still_drops_the_order(chat_factory):
    chat = chat_factory()
    chat.say("114-0000008-0000008", "give_order_id", order_id="114-0000008-0000008")
    chat.say("1140000008", "give_order_id")
    assert chat.slots["order_id"] is None


def test_a_new_inquiry_asks_for_its_order_again(token_chat):
    chat = token_chat("B-1")
    chat.say("where is it", "delivery_status", order_id="112-0000003-0000003")
    chat.say("I want to return something", "return_refund")
    assert chat.form_active and chat.slots["requested_slot"] == "order_id"
    assert chat.slots["order_id"] is None


def test_start_inquiry_remembers_intent_and_words(services, domain, dispatcher):
    tracker_events = [
        user_event(
            "  Where is\tmy\x00 order?\n",
            "delivery_status",
            [("order_id", "112 0000001 0000001")],
        )
    ]
    from tests.actions.conftest import make_tracker

    events = pytest.importorskip("asyncio").run(
        ActionStartInquiry(services).run(
            dispatcher, make_tracker(events=tracker_events), domain
        )
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["pending_intent"] == "delivery_status"
    assert slots["inquiry_text"] == "Where is my order?"
    assert slots["order_id"] == "112-0000001-0000001"
    assert dispatcher.messages == []


def test_a_person_for_someone_elses_order_gets_no_link_to_it(token_chat, services):
    chat = token_chat("B-2")
    chat.say(
        "a human please, about 112-0000001-0000001",
        "human_agent",
        order_id="112-0000001-0000001",
    )
    assert chat.slots["route"] == "agent"
    assert chat.slots["order_id"] is None
    with session_scope(services.engine) as session:
        case = session.scalars(select(CaseRow)).one()
        assert case.order_id is None and case.buyer_id is None
    # Their own order is linked, so the associate sees it.
    chat.say(
        "an invoice for 113-0000004-0000004 please",
        "invoice",
        order_id="113-0000004-0000004",
    )
    assert chat.slots["order_id"] == "113-0000004-0000004"
    assert "113-0000004-0000004" in chat.texts(-1)[1]


@pytest.mark.parametrize(
    "question, answers, kept",
    [
        # what happened, typed with the order number at "which order?"
        ("", ["wrong item", "i got a kettle lol. order 112-0000003-0000003"],
         "wrong item — i got a kettle lol. order 112-0000003-0000003"),
        # the number alone, in any words (found by a review)
        ("where is it", ["here you go 112-0000003-0000003"], "where is it"),
        ("where is it", ["ok its 112-0000003-0000003 and zip 10001 thank you"],
         "where is it"),
        ("where is it", ["numero de pedido 112-0000003-0000003"], "where is it"),
        # the request again in other words
        ("my kettle came broken", ["the kettle came broken, order 112-0000003-0000003"],
         "my kettle came broken"),
    ],
)  # fmt: skip
def test_the_words_a_case_keeps(question, answers, kept):
    from actions.triage import case_words

    assert case_words(question, answers) == kept
