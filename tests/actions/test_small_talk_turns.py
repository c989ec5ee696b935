"""Small talk that is not: "are you a bot?", "any news?" about an open case,
and "no it didn't, nothing at my door" after a delivered answer (found by a
buyer trial: each got "Sorry, I can only help with orders...", a person's
queue, or "No problem")."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow

DELIVERED = "112-0000001-0000001"  # B-1's, delivered Nov 20
OLD_KETTLE = "113-0000006-0000006"  # B-2's, delivered Sep 12, window closed


def cases(services) -> list[CaseRow]:
    with session_scope(services.engine) as session:
        rows = session.scalars(select(CaseRow)).all()
        session.expunge_all()
        return rows


def test_are_you_a_bot_is_told_what_it_talks_to(token_chat, services):
    chat = token_chat("B-1")
    chat.say("are you a bot?", "out_of_scope")
    assert chat.responses() == ["utter_bot_identity"]
    assert "automated" in chat.texts(-1)[0]
    (message,) = chat.last
    assert [b["payload"] for b in message.buttons] == ["/human_agent"]
    # read as a request for a person: told all the same, no queue, no case
    chat.say("are you a real person?", "human_agent")
    assert chat.responses() == ["utter_bot_identity"]
    assert chat.slots["route"] is None
    assert cases(services) == []
    # asking for one is asking for one
    chat.say("I want to talk to a real person", "human_agent")
    assert chat.slots["route"] == "agent"


def test_any_news_read_as_small_talk_tells_where_the_case_stands(token_chat, services):
    chat = token_chat("B-2")
    chat.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    (case,) = cases(services)
    chat.say("any news?", "out_of_scope")
    assert chat.responses() == ["utter_case_update"]
    assert f"case {case.id}" in chat.texts(-1)[0]
    # without an open case it is small talk, as before
    other = token_chat("B-3")
    other.say("any news?", "out_of_scope")
    assert other.responses() == ["utter_out_of_scope"]


def test_no_it_never_came_after_a_delivered_answer_is_a_case(token_chat, services):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    assert chat.responses() == ["utter_reason_delivered"]
    chat.say("no it didnt, nothing at my door", "deny")
    assert chat.responses() == [
        "utter_reason_delivered_not_received",
        "utter_case_opened",
    ]
    assert chat.slots["order_id"] == DELIVERED
    (case,) = cases(services)
    assert (case.order_id, case.reason_code) == (DELIVERED, "delivered_not_received")


def test_it_says_delivered_but_i_never_got_it_keeps_the_order(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    chat.say("it says delivered but i never got it", "delivery_status")
    assert chat.slots["reason_code"] == "delivered_not_received"
    assert chat.slots["order_id"] == DELIVERED


def test_a_plain_no_is_still_a_plain_no(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    chat.say("no thanks", "deny")
    assert chat.responses() == ["utter_no_problem"]


def test_any_news_as_the_first_message_finds_the_buyers_case(token_chat, services):
    # found by a buyer trial: "any news on my case?" and "whats the status of
    # case 3" in a new chat were asked which order
    first = token_chat("B-2")
    first.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    (case,) = cases(services)
    later = token_chat("B-2", conversation="chat-2")  # another chat of theirs
    later.say("any news on my case?", "delivery_status")
    assert later.responses() == ["utter_case_update"]
    assert f"case {case.id}" in later.texts(-1)[0]
    again = token_chat("B-2", conversation="chat-3")
    again.say(f"whats the status of case {case.id}", "delivery_status")
    assert again.responses() == ["utter_case_update"]
    # another buyer's case number tells them nothing about it
    stranger = token_chat("B-1", conversation="chat-4")
    stranger.say(f"whats the status of case {case.id}", "delivery_status")
    assert stranger.responses() == ["utter_ask_order_id_recent"]
    assert OLD_KETTLE not in " ".join(stranger.texts())
