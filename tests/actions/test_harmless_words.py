"""Words that must not act (found by a review of the case updates, claims,
follow-ups and small talk): each message below once did something the buyer
did not ask for, or told a chat what was not its own."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow, ReturnAuthorizationRow
from bot.services.cases import reply
from tests.actions.conftest import NOW

KETTLE_AND_TUMBLERS = "112-0000001-0000001"  # B-1's, delivered
UNSHIPPED = "112-0000002-0000002"  # B-1's kettle, not shipped


def _rows(services, row_type):
    with session_scope(services.engine) as session:
        rows = session.scalars(select(row_type)).all()
        session.expunge_all()
        return rows


def test_a_zip_code_proves_one_order_not_the_buyers_other_cases(
    token_chat, chat_factory, services
):
    owner = token_chat("B-1")
    owner.say("please cancel my order", "cancel_order", order_id=UNSHIPPED)
    (case,) = _rows(services, CaseRow)
    with session_scope(services.engine) as session:
        reply(session, case_id=case.id, seller_id="S-100",
              text="Cancelled; refunded to Visa ending 4242",
              now=datetime.fromisoformat(NOW) + timedelta(hours=1))  # fmt: skip
    stranger = chat_factory()  # knows another order of B-1's and its ZIP code
    stranger.say("where is my order", "delivery_status", order_id=KETTLE_AND_TUMBLERS)
    stranger.say("98101", "give_order_id")
    for text, intent in [("any news?", "out_of_scope"),
                         (f"status of case {case.id}", "delivery_status")]:  # fmt: skip
        stranger.say(text, intent)
        said = " ".join(stranger.texts(-1))
        assert "Visa" not in said and UNSHIPPED not in said, said
    with session_scope(services.engine) as session:
        texts = [m.text for m in session.get(CaseRow, case.id).messages]
    assert not any("any news" in t or "status of case" in t for t in texts)


def test_cancel_and_refund_to_my_card_is_a_cancellation(token_chat):
    chat = token_chat("B-1")
    chat.say("Please cancel order 112-0000002-0000002 and refund to my card",
             "cancel_order", order_id=UNSHIPPED)  # fmt: skip
    assert chat.slots["reason_code"] == "cancel_request"


def test_i_didnt_get_that_after_a_delivered_answer_opens_nothing(token_chat, services):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=KETTLE_AND_TUMBLERS)
    chat.say("sorry I didn't get that, what do you mean?", "out_of_scope")
    chat.say("no, I didn't get what you said", "deny")
    assert _rows(services, CaseRow) == []


def test_a_request_beside_update_words_is_decided_as_a_request(token_chat, services):
    chat = token_chat("B-1")
    chat.say("please change the address of 112-0000002-0000002 to 1 Pine St, Seattle "
             "WA 98101", "change_address", order_id=UNSHIPPED)  # fmt: skip
    assert chat.slots["reason_code"] == "address_change_request"
    chat.say("I found it cheaper elsewhere, please cancel order 112-0000002-0000002",
             "cancel_order", order_id=UNSHIPPED)  # fmt: skip
    assert chat.slots["reason_code"] == "cancel_request"
    assert {c.category for c in _rows(services, CaseRow)} == {
        "change_address",
        "cancel_order",
    }


def test_instead_about_the_refund_takes_no_cancellation_back(token_chat, services):
    chat = token_chat("B-1")
    chat.say("please cancel my order", "cancel_order", order_id=UNSHIPPED)
    chat.say("will the refund go to my card or store credit instead?", "return_refund")
    assert "utter_cancellation_taken_back" not in chat.responses()


def test_an_invoice_for_a_return_authorises_no_return(token_chat, services):
    chat = token_chat("B-1")
    chat.say("I need an invoice for the return of order 112-0000001-0000001 for my "
             "tax records", "invoice", order_id=KETTLE_AND_TUMBLERS)  # fmt: skip
    assert chat.slots["reason_code"] == "invoice"
    assert _rows(services, ReturnAuthorizationRow) == []


def test_any_news_on_a_case_with_no_order_names_no_order(token_chat):
    chat = token_chat("B-3")
    chat.say("I want to talk to a person", "human_agent")
    assert chat.slots["route"] == "agent"
    chat.say("any news?", "out_of_scope")
    assert chat.responses() == ["utter_case_update"]
    assert "None" not in chat.texts(-1)[0] and "order" not in chat.texts(-1)[0]


def test_a_seller_answer_not_yet_shown_in_this_chat_is_the_latest_answer(
    token_chat, services
):
    first = token_chat("B-1", conversation="chat-a")
    first.say("please cancel my order", "cancel_order", order_id=UNSHIPPED)
    (case,) = _rows(services, CaseRow)
    with session_scope(services.engine) as session:
        reply(session, case_id=case.id, seller_id="S-100", text="Done, cancelled.",
              now=datetime.fromisoformat(NOW) + timedelta(hours=1))  # fmt: skip
    other = token_chat("B-1", conversation="chat-b")
    other.say("any news on my case?", "delivery_status")
    assert other.slots["case_status"] == "answered"
    assert '"Done, cancelled."' in other.texts(-1)[0]


def test_asking_for_an_agent_outright_is_a_person(token_chat):
    chat = token_chat("B-1")
    chat.say("are you human? put me through to an agent", "human_agent")
    assert chat.slots["route"] == "agent"
