"""The order form: order numbers, ZIP verification for anonymous buyers,
recent-order buttons for buyers with a token, leaving the form."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow, ReturnAuthorizationRow
from bot.services.identity import MAX_ZIP_ATTEMPTS

ORDER = "112-0000001-0000001"  # B-1, ships to 98101, delivered by UPS
# What must never show after a failed verification: the order's facts.
ORDER_FACTS = (
    "UPS",
    "1Z999AA10123456784",
    "Nov 20",  # the delivery day, as a buyer reads it
    "Hearth",
    "Alice",
    "B-1",
    "98101",
)


def ask_delivery(chat, order_id=ORDER):
    chat.say("where is my order?", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id"]
    chat.say(order_id, "give_order_id", order_id=order_id)


def assert_nothing_disclosed(chat):
    for text in chat.texts():
        for fact in ORDER_FACTS:
            assert fact not in text, (fact, text)
    for name in (
        "carrier",
        "tracking_number",
        "delivered_on",
        "route",
        "reason_code",
        "buyer_id",
        "case_id",
    ):
        assert chat.slots[name] is None, name
    assert chat.slots["verified_orders"] in (None, [])


def test_anonymous_buyer_gives_order_then_zip(chat_factory):
    chat = chat_factory()
    ask_delivery(chat)
    assert chat.responses() == ["utter_ask_zip_code"]
    assert ORDER in chat.texts(-1)[0]
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "delivered"
    assert chat.slots["buyer_id"] == "B-1"
    assert chat.slots["verified_orders"] == [ORDER]
    assert chat.slots["zip_code"] is None  # checked, never kept
    assert "UPS" in chat.texts(-1)[0]


@pytest.mark.parametrize("zip_code", ["98101", " 98101 ", "98101-1234", "９８１０１"])
def test_zip_code_formats(chat_factory, zip_code):
    chat = chat_factory()
    ask_delivery(chat)
    chat.say(zip_code, "nlu_fallback")
    assert chat.slots["reason_code"] == "delivered"


def test_three_wrong_zip_codes_disclose_nothing_and_offer_a_person(chat_factory):
    chat = chat_factory()
    ask_delivery(chat)
    for attempt in range(1, MAX_ZIP_ATTEMPTS):
        chat.say("10001", "nlu_fallback")
        assert chat.responses() == ["utter_ask_zip_code"]
        assert chat.slots["form_notice"] == "zip_mismatch"
        assert chat.slots["zip_attempts"] == attempt
    chat.say("94103", "nlu_fallback")
    assert chat.responses() == ["utter_verification_failed"]
    assert not chat.form_active
    assert chat.last[0].buttons == [
        {"title": "Talk to a person", "payload": "/human_agent"}
    ]
    assert_nothing_disclosed(chat)
    # The conversation stays locked: the next order inquiry fails at once.
    chat.say(
        "where is my order 112-0000003-0000003",
        "delivery_status",
        order_id="112-0000003-0000003",
    )
    assert chat.responses() == ["utter_verification_failed"]
    assert_nothing_disclosed(chat)
    # ... but a person is still one message away.
    chat.say("/human_agent", "human_agent")
    assert chat.slots["route"] == "agent"


def test_a_right_zip_code_does_not_start_the_count_again(chat_factory):
    """Wrong ZIP codes count for the whole conversation: verifying one order
    in between does not give more guesses at another."""
    chat = chat_factory()
    ask_delivery(chat, ORDER)
    chat.say("10001", "nlu_fallback")
    chat.say("10002", "nlu_fallback")
    assert chat.slots["zip_attempts"] == MAX_ZIP_ATTEMPTS - 1
    chat.say("98101", "nlu_fallback")  # right at last
    assert chat.slots["reason_code"] == "delivered"
    other = "113-0000004-0000004"  # another buyer's order
    chat.say(f"and where is {other}", "delivery_status", order_id=other)
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("10003", "nlu_fallback")
    assert chat.responses() == ["utter_verification_failed"]
    assert "Yanwen" not in " ".join(chat.texts(-1))  # the other order's carrier


def test_an_unknown_order_is_treated_like_a_wrong_zip(chat_factory):
    known, unknown = chat_factory(sender_id="anon-a"), chat_factory(sender_id="anon-b")
    ask_delivery(known, ORDER)
    ask_delivery(unknown, "999-9999999-9999999")
    for _ in range(MAX_ZIP_ATTEMPTS):
        known.say("10001", "nlu_fallback")
        unknown.say("10001", "nlu_fallback")
        assert known.texts(-1) == [
            t.replace("999-9999999-9999999", ORDER) for t in unknown.texts(-1)
        ]
    assert unknown.responses() == ["utter_verification_failed"]
    assert unknown.slots["reason_code"] is None  # never reached the policy
    assert_nothing_disclosed(known)


def test_a_mistyped_order_number_can_be_corrected_at_the_zip_question(chat_factory):
    chat = chat_factory()
    ask_delivery(chat, "112-0000001-0000009")
    chat.say("oops, it's 112-0000001-0000001", "give_order_id", order_id=ORDER)
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["zip_attempts"] == 0  # no attempt used
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "delivered"


def test_an_answer_without_digits_is_not_a_zip_attempt(chat_factory):
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("what do you mean?", "out_of_scope")
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["form_notice"] == "zip_needed"
    assert chat.slots["zip_attempts"] == 0


def test_invalid_order_numbers_are_asked_again_politely(chat_factory):
    chat = chat_factory()
    chat.say("where is my order?", "delivery_status")
    for text in ("12345", "my order from last week", "112-000000-0000001"):
        chat.say(text, "delivery_status")
        assert chat.responses() == ["utter_ask_order_id"]
        assert "doesn't look like an order number" in chat.texts(-1)[0]
    chat.say("11200000010000001", "give_order_id")  # no separators
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["order_id"] == ORDER


def test_each_order_of_the_conversation_is_verified(chat_factory):
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("98101", "nlu_fallback")
    # Another order of the same buyer: asked again.
    chat.say(
        "and order 112-0000003-0000003?",
        "delivery_status",
        order_id="112-0000003-0000003",
    )
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "in_transit"
    # Someone else's order, even with its right ZIP: not_your_order, nothing shown.
    chat.say(
        "where is 113-0000004-0000004",
        "delivery_status",
        order_id="113-0000004-0000004",
    )
    chat.say("10001", "nlu_fallback")
    assert chat.slots["reason_code"] == "not_your_order"
    assert chat.slots["buyer_id"] == "B-1"
    assert "Yanwen" not in " ".join(chat.texts(-1))
    # A verified order needs no ZIP the second time; anonymous buyers get it as a button.
    chat.say("I want to return something", "return_refund")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    assert [b["payload"] for b in chat.last[0].buttons] == [
        "/give_order_id" + json.dumps({"order_id": o})
        for o in (ORDER, "112-0000003-0000003", "113-0000004-0000004")
    ]
    # the verified buyer's orders show their item and day; someone else's, its
    # number alone, as before: the policy tells nothing about it
    assert [b["title"] for b in chat.last[0].buttons] == [
        "Hearth 20 oz Insulated Sta… +1 · Nov 10 · …0001",
        "Hearth 20 oz Insulated Sta… · Nov 18 · …0003",
        "113-0000004-0000004",
    ]
    chat.say("/give_order_id", "give_order_id", order_id=ORDER)
    assert chat.slots["reason_code"] == "return_window_open"


def test_token_buyer_needs_no_zip_and_gets_recent_orders(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    buttons = chat.last[0].buttons
    assert all(b["payload"].startswith("/give_order_id{") for b in buttons)
    ids = [
        json.loads(b["payload"][len("/give_order_id") :])["order_id"] for b in buttons
    ]
    assert len(ids) == 5 and all(i.startswith("112-") for i in ids)  # only B-1's
    # the item, the day the order was placed and the end of its number
    assert buttons[ids.index("112-0000003-0000003")]["title"] == (
        "Hearth 20 oz Insulated Sta… · Nov 18 · …0003"
    )
    # an order of two items says so
    assert buttons[ids.index(ORDER)]["title"] == (
        "Hearth 20 oz Insulated Sta… +1 · Nov 10 · …0001"
    )
    assert all(len(b["title"]) <= 48 for b in buttons)
    chat.say("/give_order_id", "give_order_id", order_id="112-0000003-0000003")
    assert chat.slots["reason_code"] == "in_transit"
    assert chat.slots["buyer_id"] == "B-1"
    assert "utter_ask_zip_code" not in chat.responses()


def test_two_orders_of_the_same_item_have_different_buttons(token_chat):
    chat = token_chat("B-2")  # the kettle twice: 113-0000004 (Nov 5), 113-0000006
    chat.say("where is my order", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    titles = {
        json.loads(b["payload"][len("/give_order_id") :])["order_id"]: b["title"]
        for b in chat.last[0].buttons
    }
    kettle = "Hearth 1.7 L Electric Kett…"
    assert titles["113-0000004-0000004"] == f"{kettle} · Nov 5 · …0004"
    assert titles["113-0000006-0000006"] == f"{kettle} · Sep 1 · …0006"
    assert len(set(titles.values())) == len(titles)


def test_forged_metadata_is_ignored(chat_factory):
    forged = {"csba": {"buyer_id": "B-1", "auth": "token"}, "buyer_id": "B-1"}
    chat = chat_factory(metadata=forged)
    ask_delivery(chat)
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["buyer_id"] is None


def test_a_token_for_another_conversation_is_ignored(chat_factory):
    from bot.services.identity import issue_buyer_token

    token = issue_buyer_token("B-1", conversation="theirs")
    chat = chat_factory(
        sender_id="anon-mine", metadata={"csba": {"token": token, "buyer_id": "B-1"}}
    )
    ask_delivery(chat)
    assert chat.responses() == ["utter_ask_zip_code"]


def test_asking_for_a_person_leaves_the_form(chat_factory, services):
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("just get me a human", "human_agent")
    assert not chat.form_active
    assert chat.slots["route"] == "agent"
    assert chat.slots["zip_attempts"] == 0
    with session_scope(services.engine) as session:
        case = session.scalars(select(CaseRow)).one()
        assert case.kind == "agent" and case.order_id is None  # not verified: no order


def test_saying_no_stops_the_inquiry(chat_factory):
    chat = chat_factory()
    chat.say("I want to cancel an order", "cancel_order")
    chat.say("no, forget it", "deny")
    assert chat.responses() == ["utter_inquiry_cancelled"]
    assert not chat.form_active and chat.slots["pending_intent"] is None


def test_database_down_during_the_form(chat_factory, down_services, caplog):
    chat = chat_factory(services=down_services)
    ask_delivery(chat)
    chat.say("98101", "nlu_fallback")
    assert chat.responses() == ["utter_service_unavailable"]
    assert "can't reach your order right now" in chat.texts(-1)[0]
    assert not chat.form_active  # no stuck form: the next message starts afresh
    chat.say("hello", "greet")
    assert chat.responses() == ["utter_greet"]
    assert "failed in conversation" in caplog.text


def test_database_down_token_buyer_still_asked_for_the_order(token_chat, down_services):
    chat = token_chat("B-1", services=down_services)
    chat.say("where is my order", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id"]
    chat.say(ORDER, "give_order_id", order_id=ORDER)
    assert chat.responses() == ["utter_service_unavailable"]
    assert not chat.form_active


def test_nothing_is_written_before_verification(chat_factory, services):
    chat = chat_factory()
    chat.say(
        "I need to return order 112-0000001-0000001", "return_refund", order_id=ORDER
    )
    assert chat.responses() == ["utter_ask_zip_code"]
    with session_scope(services.engine) as session:
        assert (
            session.scalar(select(func.count()).select_from(ReturnAuthorizationRow))
            == 0
        )


def test_a_new_question_at_the_order_question_replaces_the_old_one(token_chat):
    chat = token_chat("B-1")
    chat.say("I want to cancel an order", "cancel_order")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    chat.say(
        "Actually, where is my order 112-0000003-0000003?",
        "delivery_status",
        order_id="112-0000003-0000003",
    )
    assert chat.slots["reason_code"] == "in_transit"  # not already_shipped
    assert chat.slots["order_id"] == "112-0000003-0000003"


def test_a_zip_answer_classified_as_a_business_intent_is_still_a_zip(chat_factory):
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("98101", "cancel_order")  # a bare ZIP can come back with any intent
    assert chat.slots["reason_code"] == "delivered"  # still the delivery question


def test_the_form_validates_slot_by_slot():
    from rasa_sdk.forms import FormValidationAction

    from actions.orders import ValidateOrderForm

    assert issubclass(ValidateOrderForm, FormValidationAction)
    for slot in ("has_ordered", "order_id", "zip_code", "product_asin"):
        assert callable(getattr(ValidateOrderForm, f"validate_{slot}"))


def test_each_action_run_reads_the_order_at_most_once(chat_factory, monkeypatch):
    from bot.adapters.repository import SqlRepository

    reads: list[str] = []
    get_order = SqlRepository.get_order

    def counting(self, order_id):  # noqa: ANN001, ANN202
        reads.append(order_id)
        return get_order(self, order_id)

    monkeypatch.setattr(SqlRepository, "get_order", counting)
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("yes", "affirm")
    chat.say(ORDER, "give_order_id", order_id=ORDER)
    assert reads == []  # nothing read before the ZIP code
    chat.say("98101", "nlu_fallback")  # verify, then "which item?"
    assert chat.responses() == ["utter_ask_product_asin"]
    assert reads == [ORDER, ORDER]  # validate_order_form, action_ask_product_asin
    reads.clear()
    chat.say("the kettle", "nlu_fallback")  # validate_order_form, action_triage
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert reads == [ORDER, ORDER]


def test_an_order_the_intent_does_not_need_is_read_once(token_chat, monkeypatch):
    from bot.adapters.repository import SqlRepository

    reads: list[str] = []
    get_order = SqlRepository.get_order

    def counting(self, order_id):  # noqa: ANN001, ANN202
        reads.append(order_id)
        return get_order(self, order_id)

    monkeypatch.setattr(SqlRepository, "get_order", counting)
    chat = token_chat("B-1")
    chat.say(f"an invoice for {ORDER} please", "invoice", order_id=ORDER)
    assert chat.slots["order_id"] == ORDER  # the buyer's: part of the decision
    assert reads == [ORDER]
    # Someone else's order: decided without it, nothing of it shown.
    other = token_chat("B-2", conversation="chat-2")
    other.say(f"an invoice for {ORDER} please", "invoice", order_id=ORDER)
    assert other.slots["order_id"] is None
    assert other.slots["route"] is not None


# --- the order a follow-up product question is offered ------------------------------


def test_an_order_not_verified_in_the_chat_is_never_offered(chat_factory):
    """An anonymous buyer who gave an order number but not its ZIP code, then
    asks a product question: the plain "have you ordered it?", nothing of the
    order (it stays in the `order_id` slot, unproven)."""
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("10001", "nlu_fallback")  # a wrong ZIP code
    chat.say("never mind", "goodbye")
    assert chat.slots["order_id"] == ORDER
    chat.say("is it dishwasher safe?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert chat.slots["order_choices"] is None
    assert [b["payload"] for b in chat.last[0].buttons] == ["/affirm", "/deny"]
    assert_nothing_disclosed(chat)


def _proven_then_asked_with_zip_10001(chat_factory, order_id):
    """An anonymous chat that proved B-1's ORDER (ZIP 98101), then asked where
    `order_id` is and gave the ZIP code 10001 for it."""
    chat = chat_factory()
    ask_delivery(chat)
    chat.say("98101", "nlu_fallback")
    assert chat.slots["buyer_id"] == "B-1"
    chat.say(f"and where is {order_id}", "delivery_status", order_id=order_id)
    chat.say("10001", "nlu_fallback")
    return chat


def test_an_own_order_whose_zip_failed_is_never_offered(chat_factory):
    """The chat proved one of B-1's orders, then named another of B-1's with a
    wrong ZIP code: that order is the buyer's own, but this chat has not proven
    it, so a follow-up question is not offered it (nothing of it is shown)."""
    own = "112-0000003-0000003"
    chat = _proven_then_asked_with_zip_10001(chat_factory, own)  # a wrong ZIP code
    chat.say("never mind", "goodbye")
    assert chat.slots["order_id"] == own
    chat.say("is it dishwasher safe?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert chat.slots["order_choices"] is None
    assert own not in " ".join(chat.texts(-1))


def test_a_verified_order_of_another_buyer_is_never_offered(chat_factory):
    """The chat proved B-1's order, then the ZIP code of B-2's: the policy says
    it is not theirs, and a follow-up question is not offered it."""
    other = "113-0000004-0000004"
    chat = _proven_then_asked_with_zip_10001(chat_factory, other)
    assert chat.slots["reason_code"] == "not_your_order"
    chat.say("what's its capacity", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert other not in " ".join(chat.texts(-1))


def test_the_order_to_offer_is_left_out_when_the_database_is_down(
    down_services, domain, dispatcher
):
    """action_start_inquiry reads the order it would offer; when it cannot, the
    question is asked plainly, the inquiry goes on (no "can't reach your order")."""
    import asyncio

    from actions.inquiry import ActionStartInquiry
    from tests.actions.conftest import make_tracker, user_event

    tracker = make_tracker(
        slots={"order_id": ORDER, "verified_orders": [ORDER], "buyer_id": "B-1"},
        events=[user_event("is the lid dishwasher safe too?", "product_question")],
    )
    events = asyncio.run(
        ActionStartInquiry(down_services).run(dispatcher, tracker, domain)
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["pending_intent"] == "product_question"
    assert slots["order_id"] is None
    assert slots.get("order_choices", tracker.get_slot("order_choices")) is None
    assert dispatcher.messages == []


def test_a_buyer_without_the_order_number_is_told_where_it_is(chat_factory):
    # The NLU reads "i dont know the order number" as a denial: before, the bot
    # stopped ("OK, I've stopped there") and the damage report was lost.
    chat = chat_factory()
    chat.say("my earbuds came broken", "damaged_item")
    assert chat.responses() == ["utter_ask_order_id"]
    chat.say("i dont know the order number", "deny")
    assert chat.responses() == ["utter_ask_order_id"]
    (help_text,) = chat.texts(-1)
    assert "Your Orders" in help_text and "confirmation email" in help_text
    assert chat.form_active and chat.slots["requested_slot"] == "order_id"
    assert chat.slots["pending_intent"] == "damaged_item"
    # read as a delivery question, "where do i find it" is no new inquiry either
    chat.say("where do i find the order number?", "delivery_status")
    assert chat.responses() == ["utter_ask_order_id"]
    assert chat.slots["pending_intent"] == "damaged_item"
    chat.say("112-0000009-0000009", "give_order_id", order_id="112-0000009-0000009")
    assert chat.slots["requested_slot"] == "zip_code"
    # a plain "no" still stops, as before
    chat.say("no", "deny")
    assert chat.responses() == ["utter_inquiry_cancelled"]
    assert not chat.form_active


def test_a_token_buyer_without_the_number_is_shown_the_orders(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status")
    chat.say("idk the order number", "deny")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    assert "don't need the number" in chat.texts(-1)[0]
    assert len(chat.last[0].buttons) == 5
    assert chat.slots["pending_intent"] == "delivery_status"


def test_a_zip_code_named_with_the_order_number_is_checked_at_once(chat_factory):
    # found by a buyer trial: "order 112-... zip 98101, has it shipped yet?"
    # was asked for the ZIP code it had just given
    chat = chat_factory()
    chat.say(
        "order 112-0000002-0000002 zip 98101, has it shipped yet?",
        "delivery_status",
        order_id="112-0000002-0000002",
    )
    assert chat.slots["reason_code"] == "not_shipped_yet"
    assert "utter_ask_zip_code" not in chat.responses()
    # a wrong one is a wrong answer, and the ZIP code is asked
    other = chat_factory()
    other.say(
        "order 112-0000002-0000002 zip code 12345 where is it",
        "delivery_status",
        order_id="112-0000002-0000002",
    )
    assert other.responses() == ["utter_ask_zip_code"]
    assert other.slots["zip_attempts"] == 1
    assert other.slots["form_notice"] == "zip_mismatch"


def test_a_sentence_at_the_zip_question_uses_no_attempt(chat_factory):
    chat = chat_factory()
    chat.say("where is 112-0000002-0000002", "delivery_status",
             order_id="112-0000002-0000002")  # fmt: skip
    chat.say("same street but apt 7 instead of apt 4", "change_address")
    assert chat.slots["zip_attempts"] in (None, 0)
    assert chat.responses() == ["utter_ask_zip_code"]


def test_an_invoice_asked_with_a_delivery_question_gets_both(token_chat):
    # found by a buyer trial: "hey, where's my kettle and also can I get an
    # invoice for it?" got the invoice answer only
    chat = token_chat("B-1")
    chat.say("hey, where's my order 112-0000003-0000003 and also can I get an invoice for it?",
             "invoice", order_id="112-0000003-0000003")  # fmt: skip
    assert chat.responses() == ["utter_also_invoice", "utter_reason_in_transit"]
    assert chat.slots["reason_code"] == "in_transit"
    # without the order in the words: the invoice first, then which order
    other = token_chat("B-1", conversation="chat-2")
    other.say("where is my order and I need an invoice", "invoice")
    assert other.responses() == ["utter_also_invoice", "utter_ask_order_id_recent"]
    # an order question that also asks for an invoice stays what it is
    third = token_chat("B-1", conversation="chat-3")
    third.say("can i return the tumbler and get a receipt", "return_refund",
              order_id="112-0000001-0000001")  # fmt: skip
    assert third.responses()[0] == "utter_also_invoice"
    assert third.slots["pending_intent"] in (None, "return_refund")
    # an invoice alone is the invoice referral, as before
    fourth = token_chat("B-1", conversation="chat-4")
    fourth.say("I need a VAT invoice", "invoice")
    assert fourth.responses() == ["utter_reason_invoice", "utter_contact_seller"]


@pytest.mark.parametrize(
    ("buyer", "text", "intent"),
    [
        ("B-1", "wait where is my tumbler first", "delivery_status"),
        ("B-1", "hmm actually which ones havent shipped yet?", "delivery_status"),
        ("B-3", "what? i just want to know something first", "out_of_scope"),
    ],
)
def test_a_question_at_which_order_to_cancel_cancels_nothing(
    token_chat, services, buyer, text, intent
):
    # found by a buyer trial: "first" was the first order offered, and "which
    # ones havent shipped" the only one not shipped: each was cancelled
    chat = token_chat(buyer)
    chat.say("i want to cancel my order", "cancel_order")
    assert chat.slots["requested_slot"] == "order_id"
    chat.say(text, intent)
    assert chat.slots.get("route") is None, chat.texts(-1)
    assert "cancel" not in " ".join(chat.texts(-1)).lower()
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0


def test_a_zip_code_given_before_the_order_number_is_checked_with_it(chat_factory):
    # found by a buyer trial: "hi my zip is 10001 and i want to return
    # something", then the order number, was asked for the ZIP code again
    chat = chat_factory()
    chat.say("hi my zip is 10001 and i want to return something", "return_refund")
    assert chat.responses() == ["utter_ask_order_id"]
    chat.say("113-0000006-0000006", "give_order_id", order_id="113-0000006-0000006")
    assert "utter_ask_zip_code" not in chat.responses()
    assert chat.slots["reason_code"] == "return_window_closed"
    # a wrong one counts as a wrong answer, and the ZIP code is asked
    other = chat_factory()
    other.say("my zip is 12345, i want to return something", "return_refund")
    other.say("113-0000006-0000006", "give_order_id", order_id="113-0000006-0000006")
    assert other.responses() == ["utter_ask_zip_code"]
    assert other.slots["zip_attempts"] == 1


def test_a_zip_code_given_first_counts_once(chat_factory):
    # a review: a wrong ZIP in the first message counted again at every order
    # number, towards the lockout
    chat = chat_factory()
    chat.say("my zip is 12345, i want to return something", "return_refund")
    chat.say("113-0000006-0000006", "give_order_id", order_id="113-0000006-0000006")
    assert chat.slots["zip_attempts"] == 1
    chat.say(
        "sorry, 113-0000005-0000005", "give_order_id", order_id="113-0000005-0000005"
    )
    assert chat.slots["zip_attempts"] == 1
    assert chat.responses() == ["utter_ask_zip_code"]
