""""Was this helpful?" in the chat (issue 17, item 5): every decision is kept as
an inquiry; the widget gets a data-only question when the decision answered,
and when a case's answer reaches the chat."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.adapters.orm import InquiryRow
from bot.services import cases, ratings
from tests.actions.conftest import NOW


def _inquiries(services) -> list[tuple[str, str, str, int | None]]:
    with services.session() as session:
        rows = session.execute(select(InquiryRow).order_by(InquiryRow.id)).scalars()
        return [(r.conversation_id, r.route, r.reason_code, r.case_id) for r in rows]


def test_an_answer_is_kept_as_an_inquiry_and_asks_whether_it_helped(token_chat):
    chat = token_chat("B-1")
    chat.say("where is it", "delivery_status", order_id="112-0000003-0000003")
    assert chat.responses() == ["utter_reason_in_transit"]
    [(conversation, route, reason, case_id)] = _inquiries(chat.services)
    assert (route, reason, case_id) == ("bot", "in_transit", None)
    assert conversation == chat.sender_id
    # the question is data only, after the answer: no text, no intent to type
    [ask] = chat.data[-1]
    assert ask["ask"] == "helpful" and isinstance(ask["inquiry"], int)
    assert set(ask) == {"ask", "inquiry"}

    # the widget's answer, as the web app stores it for the token's conversation
    now = datetime.fromisoformat(NOW)
    with chat.services.session() as session:
        rated = ratings.rate_inquiry(
            session,
            inquiry_id=ask["inquiry"],
            conversation_id=chat.sender_id,
            helpful=True,
            now=now,
        )
    assert (rated.subject, rated.value) == ("inquiry", 1)


def test_a_case_asks_nothing_until_its_answer_reaches_the_chat(token_chat):
    chat = token_chat("B-1")
    chat.say("please cancel, wrong size", "cancel_order", order_id="112-0000002-0000002")
    assert chat.slots["route"] == "seller_case"
    assert chat.data[-1] == []  # the seller has not answered yet
    [(_, route, reason, case_id)] = _inquiries(chat.services)
    assert (route, reason, case_id) == ("seller_case", "cancel_request",
                                        int(chat.slots["case_id"]))  # fmt: skip

    now = datetime.fromisoformat(NOW) + timedelta(hours=2)
    with chat.services.session() as session:
        cases.reply(session, case_id=case_id, seller_id="S-100",
                    text="Cancelled, refund on its way.", now=now)  # fmt: skip
    chat.say("any news?", "delivery_status", order_id="112-0000002-0000002")
    assert "Cancelled, refund on its way." in " ".join(chat.texts(-1))
    inquiries = _inquiries(chat.services)
    asks = chat.data[-1]
    with chat.services.session() as session:
        first = ratings.inquiry_of_case(
            session, case_id=case_id, conversation_id=chat.sender_id
        )
    # the case's inquiry (its answer arrived); "any news?" about that case
    # is told where it stands (actions/case_update.py), not a new inquiry
    assert asks == [{"ask": "helpful", "inquiry": first.id}]
    assert len(inquiries) == 1
    assert chat.responses() == ["utter_seller_reply", "utter_case_update"]


def test_an_inquiry_waiting_for_a_person_asks_nothing(chat_factory):
    chat = chat_factory()
    chat.say("I want to speak to a human", "human_agent")
    assert chat.data[-1] == []
    [(_, route, _, _)] = _inquiries(chat.services)
    assert route == "agent"
