"""Dialogue turns a buyer can trust (issue 13), against the real Rasa and
action-server processes over the demo data: a case is one per order and topic
across the buyer's chats, so a second chat joins the open case and is told its
number and deadline."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import Conversation, answer_form


def test_a_second_chat_joins_the_open_case_of_the_same_order_and_topic(bot: Stack):
    first = Conversation(bot, buyer="B-1")
    first.say("please cancel my order 112-0000002-0000002")
    answer_form(first, "112-0000002-0000002")
    case_id = first.slots()["case_id"]
    assert case_id and first.slots()["reason_code"] == "cancel_request", (
        first.describe()
    )

    second = Conversation(bot, buyer="B-1")  # another chat of B-1
    assert second.conversation_id != first.conversation_id
    second.say("cancel 112-0000002-0000002 please, I don't need it any more")
    answer_form(second, "112-0000002-0000002")
    assert second.slots()["case_id"] == case_id, second.describe()
    assert f"added this to your open case {case_id}" in second.texts(), (
        second.describe()
    )
