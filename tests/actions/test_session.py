"""Session start (identity, replies) and the delivery of seller and agent
replies at the buyer's next message, once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from bot.adapters.db import session_scope
from bot.services.cases import agent_reply, reply
from tests.actions.conftest import make_tracker

LATE = "113-0000004-0000004"  # B-2, late: a seller case for S-100
LATER = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)


def open_late_case(chat) -> int:
    chat.say("where is my kettle", "delivery_status", order_id=LATE)
    assert chat.slots["route"] == "seller_case"
    return int(chat.slots["case_id"])


def seller_replies(services, case_id: int, text: str, at: datetime = LATER) -> None:
    with session_scope(services.engine) as session:
        reply(session, case_id=case_id, seller_id="S-100", text=text, now=at)


def test_a_seller_reply_is_delivered_at_the_next_message_once(token_chat, services):
    chat = token_chat("B-2")
    case_id = open_late_case(chat)
    seller_replies(services, case_id, "We re-shipped it today, new tracking UG999.")
    chat.say("hello?", "greet")
    assert chat.responses() == ["utter_seller_reply", "utter_greet"]
    assert chat.texts(-1)[0] == (
        f"The seller replied about your case {case_id}: "
        "“We re-shipped it today, new tracking UG999.”"
    )
    chat.say("thanks", "thanks")
    assert chat.responses() == ["utter_youre_welcome"]
    chat.say("where is my kettle", "delivery_status")
    assert "utter_seller_reply" not in chat.responses()


def test_a_reply_is_delivered_whatever_the_next_message(token_chat, services):
    chat = token_chat("B-2")
    case_id = open_late_case(chat)
    seller_replies(services, case_id, "Sorry for the delay!")
    chat.say("asdfgh", "nlu_fallback")
    assert chat.responses() == ["utter_seller_reply", "utter_rephrase"]


def test_a_reply_is_delivered_in_the_middle_of_a_form(token_chat, services):
    chat = token_chat("B-2")
    case_id = open_late_case(chat)
    chat.say("I want to return something", "return_refund")
    seller_replies(services, case_id, "Shipped again.")
    chat.say("/give_order_id", "give_order_id", order_id="113-0000006-0000006")
    assert chat.responses()[0] == "utter_seller_reply"
    assert chat.responses().count("utter_seller_reply") == 1


def test_replies_are_delivered_at_session_start(token_chat, services):
    chat = token_chat("B-2")
    case_id = open_late_case(chat)
    seller_replies(services, case_id, "First answer.")
    seller_replies(services, case_id, "Second answer.", LATER + timedelta(minutes=5))
    chat.start_session()
    assert chat.responses() == ["utter_seller_reply", "utter_seller_reply"]
    assert ["First" in chat.texts(-1)[0], "Second" in chat.texts(-1)[1]] == [True, True]
    # The new session knows the buyer from the token; nothing is delivered twice.
    assert chat.slots["buyer_id"] == "B-2"
    chat.say("hi", "greet")
    assert chat.responses() == ["utter_greet"]


def test_an_agent_reply_is_delivered(chat_factory, services):
    chat = chat_factory()
    chat.say("I want a human", "human_agent")
    case_id = int(chat.slots["case_id"])
    with session_scope(services.engine) as session:
        agent_reply(
            session, case_id=case_id, agent_id="agent-7", text="Hi, I'm Sam.", now=LATER
        )
    chat.say("hello", "greet")
    assert chat.responses() == ["utter_agent_reply", "utter_greet"]
    assert "Hi, I'm Sam." in chat.texts(-1)[0]


def test_replies_of_other_conversations_are_not_shown(token_chat, services):
    mine = token_chat("B-2", conversation="one")
    other = token_chat("B-2", conversation="two")
    case_id = open_late_case(mine)
    seller_replies(services, case_id, "For the first chat only.")
    other.say("hi", "greet")
    assert other.responses() == ["utter_greet"]


def session_start_events(services, domain, sender_id, metadata):
    tracker = make_tracker(
        sender_id=sender_id, slots={"session_started_metadata": metadata}
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSessionStart(services).run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def test_session_start_events_with_a_token(services, domain):
    from bot.services.identity import (
        conversation_id_for,
        issue_buyer_token,
        verify_buyer_token,
    )

    token = issue_buyer_token("B-3", conversation="c")
    sender = conversation_id_for(verify_buyer_token(token))
    metadata = {"csba": {"token": token, "buyer_id": "B-3", "auth": "token"}}
    events, messages = session_start_events(services, domain, sender, metadata)
    assert [e["event"] for e in events] == [
        "session_started",
        "slot",
        "slot",
        "slot",
        "action",
    ]
    assert events[0]["event"] == "session_started"
    assert {"event": "slot", "name": "buyer_id", "value": "B-3"}.items() <= events[
        2
    ].items()
    # the buyer's account language (issue 16)
    assert {"event": "slot", "name": "language", "value": "en"}.items() <= events[
        3
    ].items()
    assert events[-1]["name"] == "action_listen"
    assert messages == []


def test_session_start_without_a_token(services, domain):
    forged = {"csba": {"buyer_id": "B-1", "auth": "token", "token": "not.a.jwt"}}
    events, _ = session_start_events(services, domain, "anon-x", forged)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert all(e.get("name") != "buyer_id" for e in events)


def test_session_start_with_the_database_down(token_chat, down_services):
    chat = token_chat("B-2", services=down_services)
    chat.start_session()
    assert chat.responses() == []
    assert chat.slots["buyer_id"] == "B-2"


def test_session_start_takes_the_language_the_widget_shows(services, domain):
    # an anonymous chat whose widget shows Spanish (the page's ?lang=es or the
    # browser's): the bot answers in Spanish until the buyer's words say otherwise
    metadata = {"csba": {"auth": "anonymous", "page_language": "es"}}
    events, _ = session_start_events(services, domain, "anon-es", metadata)
    assert {"event": "slot", "name": "language", "value": "es"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    # a language buyers are not answered in is no hint
    metadata = {"csba": {"auth": "anonymous", "page_language": "fr"}}
    events, _ = session_start_events(services, domain, "anon-fr", metadata)
    assert all(e.get("name") != "language" for e in events)


def test_a_verified_buyers_account_wins_over_the_widget(services, domain):
    from bot.services.identity import (
        conversation_id_for,
        issue_buyer_token,
        verify_buyer_token,
    )

    token = issue_buyer_token("B-3", conversation="c")
    sender = conversation_id_for(verify_buyer_token(token))
    metadata = {
        "csba": {
            "token": token,
            "buyer_id": "B-3",
            "auth": "token",
            "page_language": "es",
        }
    }
    events, _ = session_start_events(services, domain, sender, metadata)
    languages = [e["value"] for e in events if e.get("name") == "language"]
    assert languages == ["en"]
