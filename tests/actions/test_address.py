"""An address change asked without the new address (found by an unscripted
trial): the seller's case said "as you described" and held no address. The
order form now asks for it, only when the change goes to the seller."""

from __future__ import annotations

import pytest

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow
from bot.services.cases import get_case

UNSHIPPED = "112-0000002-0000002"  # B-1, ships to 98101
SHIPPED = "112-0000003-0000003"
ADDRESS = "4417 Wallingford Ave N, Seattle WA 98103"


def case_question(services, chat) -> str:
    with session_scope(services.engine) as session:
        return session.get(CaseRow, int(chat.slots["case_id"])).question


def test_an_anonymous_buyer_is_asked_for_the_address_after_the_zip(
    chat_factory, services
):
    chat = chat_factory()
    chat.say("i moved, can i change the shipping address", "change_address")
    chat.say(UNSHIPPED, "give_order_id", order_id=UNSHIPPED)
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("98101", "give_order_id")
    assert chat.responses() == ["utter_ask_new_address"]
    assert "hasn't shipped yet" in chat.texts(-1)[0]
    chat.say(f"new one is {ADDRESS}", "give_order_id")
    assert chat.slots["reason_code"] == "address_change_request"
    assert case_question(services, chat) == (
        f"i moved, can i change the shipping address — new one is {ADDRESS}"
    )
    assert chat.slots["new_address"] is None  # cleared with the inquiry


def test_an_address_in_the_request_is_not_asked_again(token_chat, services):
    chat = token_chat("B-1")
    text = f"please send it to {ADDRESS} instead"
    chat.say(text, "change_address", order_id=UNSHIPPED)
    assert chat.responses()[0] == "utter_reason_address_change_request"
    assert case_question(services, chat) == text


def test_a_shipped_order_is_answered_without_asking(token_chat):
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=SHIPPED)
    assert chat.slots["reason_code"] == "already_shipped"
    assert "utter_ask_new_address" not in chat.responses()


def test_an_answer_that_is_no_address_is_asked_again(token_chat, services):
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=UNSHIPPED)
    chat.say("why do you need that", "nlu_fallback")
    assert chat.responses() == ["utter_ask_new_address"]
    assert chat.slots["form_notice"] == "address_needed"
    assert "Sorry, I need the new delivery address" in chat.texts(-1)[0]
    chat.say(ADDRESS, "give_order_id")
    assert chat.slots["reason_code"] == "address_change_request"
    assert case_question(services, chat).endswith(ADDRESS)


def test_the_buyer_can_stop_at_the_address_question(token_chat, services):
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=UNSHIPPED)
    chat.say("never mind", "deny")
    assert chat.responses() == ["utter_inquiry_cancelled"]
    assert chat.slots["case_id"] is None
    with session_scope(services.engine) as session:
        assert session.query(CaseRow).count() == 0


def test_a_question_about_the_question_is_no_goodbye(token_chat, services):
    # the NLU reads "why do you need that" as a goodbye, "why do you need it" as
    # a pre-order question: neither stops the inquiry or starts another
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=UNSHIPPED)
    for text, intent in (
        ("why do you need that", "goodbye"),
        ("why do you need it", "pre_order"),
    ):
        chat.say(text, intent)
        assert chat.responses() == ["utter_ask_new_address"]
        assert chat.slots["form_notice"] == "address_needed"
        assert chat.slots["pending_intent"] == "change_address"
    chat.say(ADDRESS, "change_address")
    assert chat.slots["reason_code"] == "address_change_request"


def test_words_with_a_number_are_no_address(token_chat, services):
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=UNSHIPPED)
    chat.say("I have 2 questions first", "nlu_fallback")
    assert chat.responses() == ["utter_ask_new_address"]
    assert chat.slots["form_notice"] == "address_needed"
    assert chat.slots["case_id"] is None


def test_a_person_asked_for_at_the_address_question_gets_no_address_in_the_case(
    token_chat, services
):
    chat = token_chat("B-1")
    chat.say("I need to change the address", "change_address", order_id=UNSHIPPED)
    chat.say("can i talk to a person about it", "human_agent")
    assert chat.slots["new_address"] is None
    with session_scope(services.engine) as session:
        questions = [c.question for c in session.query(CaseRow).all()]
    assert all("—" not in q for q in questions), questions


@pytest.mark.parametrize(
    "correction",
    [
        "sorry typo, the apartment is 7 not 4",
        "oh wait sorry, it should be 125 Main St not 123",
    ],
)
def test_a_correction_of_the_new_address_joins_its_case(
    token_chat, services, correction
):
    # found by a buyer trial: "it should be 125 Main St not 123" got "What would
    # you like to know about your order?" and the seller kept the wrong address
    chat = token_chat("B-1")
    chat.say(
        "please change the address of 112-0000002-0000002 to 123 Main St Apt 4, Bellevue WA 98004",
        "change_address",
        order_id="112-0000002-0000002",
    )
    assert chat.slots["reason_code"] == "address_change_request"
    case_id = int(chat.slots["case_id"])
    chat.say(correction, "change_address")
    assert chat.responses() == ["utter_case_update"]
    assert "correction" in chat.texts(-1)[0]
    with session_scope(services.engine) as session:
        case = get_case(session, case_id)
    assert case.messages[-1].text == correction
    assert chat.slots["case_status"] == "correction_added"


def test_a_correction_read_as_an_order_number_joins_the_case_too(token_chat, services):
    # found by a buyer trial: "oops sorry its apt 6 not 5" (read as an order
    # number) got "What would you like to know about your order?"
    chat = token_chat("B-1")
    chat.say(
        "please change the address of 112-0000002-0000002 to 1420 Pine St Apt 5, Seattle WA 98122",
        "change_address",
        order_id="112-0000002-0000002",
    )
    case_id = int(chat.slots["case_id"])
    chat.say("oops sorry its apt 6 not 5", "give_order_id")
    assert chat.responses() == ["utter_case_update"]
    assert chat.slots["case_status"] == "correction_added"
    with session_scope(services.engine) as session:
        assert (
            get_case(session, case_id).messages[-1].text == "oops sorry its apt 6 not 5"
        )
