"""action_triage's live hand-off (issue 14) and the hand-off actions, over the
demo database. What the bot does on the following turns (HandoffPolicy) is
covered against the real processes in tests/e2e/test_handoff.py."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from actions.handoff import (
    ActionHandoffCancel,
    ActionHandoffRelay,
    ActionHandoffResume,
)
from actions.session import ActionSessionStart
from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow
from bot.services import agent_presence, handoff, users
from tests.actions.conftest import NOW


def _agent_online(services) -> int:
    now = datetime.fromisoformat(NOW)
    with services.session() as session:
        agent = users.add_user(
            session, username="ann", password="a-long-password-1", role="agent",
            now=now,
        )  # fmt: skip
        agent_presence.set_presence(
            session, agent_id=agent.id, status="online", now=now
        )
        return agent.id


def _cases(services) -> int:
    with session_scope(services.engine) as session:
        return session.execute(select(func.count(CaseRow.id))).scalar_one()


def test_with_an_agent_online_the_buyer_joins_the_queue(chat_factory, services):
    _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    assert chat.responses() == [
        "utter_reason_buyer_asked_for_agent",
        "utter_handoff_waiting",
    ]
    assert "number 1 in the queue" in chat.texts(-1)[1]
    assert "about 6 minutes" in chat.texts(-1)[1]  # no history yet: 6 min
    assert chat.slots["handoff"] == "waiting"
    assert chat.slots["route"] == "agent"
    assert chat.slots["reason_code"] == "buyer_asked_for_agent"
    assert _cases(services) == 0  # the person answers live: no case


def test_without_an_agent_the_case_as_before(chat_factory, services):
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    assert chat.responses() == [
        "utter_reason_buyer_asked_for_agent",
        "utter_agent_case_opened",
    ]
    assert chat.slots["handoff"] is None
    assert _cases(services) == 1


def test_outside_the_agents_hours_the_buyer_learns_when_they_are_back(
    chat_factory, services, monkeypatch
):
    monkeypatch.setenv("CSBA_AGENT_HOURS", "12:00-20:00")  # the demo clock is 10:00
    chat = chat_factory()
    chat.say("human please", "human_agent")
    assert chat.responses() == [
        "utter_reason_buyer_asked_for_agent",
        "utter_agent_case_opened",
        "utter_agents_back",
    ]
    # back at noon on the demo day, which is today for the buyer
    assert "they're back today at 12 PM PT." in chat.texts(-1)[2]
    assert _cases(services) == 1


def test_relay_repeats_the_place_and_cancel_ends_the_wait(
    chat_factory, services, tracker_factory, dispatcher
):
    _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    conversation = chat.sender_id
    with services.session() as session:
        assert handoff.active(session, conversation_id=conversation) is not None
    tracker = tracker_factory(sender_id=conversation, slots={"handoff": "waiting"})
    events = asyncio.run(
        ActionHandoffRelay(services).run(dispatcher, tracker, chat.domain)
    )
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_handoff_still_waiting"
    ]
    assert {"event": "slot", "name": "handoff_position", "value": "1"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    dispatcher.messages.clear()
    events = asyncio.run(
        ActionHandoffCancel(services).run(dispatcher, tracker, chat.domain)
    )
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_handoff_cancelled"
    ]
    with services.session() as session:
        assert handoff.active(session, conversation_id=conversation) is None
    # relayed after the end: the bot takes over again and says so
    dispatcher.messages.clear()
    events = asyncio.run(
        ActionHandoffRelay(services).run(dispatcher, tracker, chat.domain)
    )
    assert [m.get("response") for m in dispatcher.messages] == ["utter_handoff_over"]
    assert {"event": "slot", "name": "handoff", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


def test_a_buyer_left_waiting_by_every_agent_gets_the_case(
    chat_factory, services, tracker_factory, dispatcher
):
    agent_id = _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    with services.session() as session:
        agent_presence.set_presence(
            session, agent_id=agent_id, status="away", now=datetime.fromisoformat(NOW)
        )
    tracker = tracker_factory(sender_id=chat.sender_id, slots={"handoff": "waiting"})
    events = asyncio.run(
        ActionHandoffRelay(services).run(dispatcher, tracker, chat.domain)
    )
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_handoff_no_agent_case"
    ]
    assert _cases(services) == 1
    slots = {e.get("name"): e.get("value") for e in events if e.get("event") == "slot"}
    assert slots["handoff"] is None and slots["case_id"]


def test_an_old_cancel_button_does_not_end_a_live_chat(
    chat_factory, services, tracker_factory, dispatcher
):
    agent_id = _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    now = datetime.fromisoformat(NOW)
    with services.session() as session:
        view = handoff.active(session, conversation_id=chat.sender_id)
        handoff.claim(session, handoff_id=view.id, agent_id=agent_id, now=now)
        handoff.agent_message(
            session, handoff_id=view.id, agent_id=agent_id, text="Hi, Ann here", now=now
        )
    tracker = tracker_factory(sender_id=chat.sender_id, slots={"handoff": "waiting"})
    asyncio.run(ActionHandoffCancel(services).run(dispatcher, tracker, chat.domain))
    # the agent's message the chat had not shown, then why it stays with her
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_handoff_agent_message",
        "utter_handoff_cancel_live",
    ]
    with services.session() as session:
        assert handoff.active(session, conversation_id=chat.sender_id).state == "live"
        assert handoff.undelivered(session, conversation_id=chat.sender_id) == []


def test_resume_says_the_bot_is_back_and_asks_whether_it_helped(
    chat_factory, services, tracker_factory, dispatcher
):
    agent_id = _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    now = datetime.fromisoformat(NOW)
    tracker = tracker_factory(sender_id=chat.sender_id, slots={"handoff": "live"})
    with services.session() as session:
        view = handoff.active(session, conversation_id=chat.sender_id)
        handoff.claim(session, handoff_id=view.id, agent_id=agent_id, now=now)
    # a stale signal while the agent still has the chat: nothing said, no question
    asyncio.run(ActionHandoffResume(services).run(dispatcher, tracker, chat.domain))
    assert dispatcher.messages == []
    with services.session() as session:
        handoff.close(
            session, handoff_id=view.id, agent_id=agent_id, outcome="resolved", now=now
        )
    events = asyncio.run(
        ActionHandoffResume(services).run(dispatcher, tracker, chat.domain)
    )
    assert [m.get("response") for m in dispatcher.messages] == [
        "utter_handoff_back",
        None,
    ]
    # the question is data only (no text, no buttons: no intent to inject);
    # the widget shows it and posts the answer to /chat/rating
    ask = dispatcher.messages[1]
    assert ask["custom"] == {"handoff": "closed", "ask": "helpful"}
    assert not ask.get("text") and not ask.get("buttons")
    assert {"event": "slot", "name": "handoff", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


def test_resume_after_a_cancelled_hand_off_asks_nothing(
    chat_factory, services, tracker_factory, dispatcher
):
    _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    with services.session() as session:
        handoff.cancel(
            session, conversation_id=chat.sender_id, now=datetime.fromisoformat(NOW)
        )
    tracker = tracker_factory(sender_id=chat.sender_id)
    asyncio.run(ActionHandoffResume(services).run(dispatcher, tracker, chat.domain))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_handoff_back"]


def test_a_new_session_keeps_the_hand_off(
    chat_factory, services, tracker_factory, dispatcher
):
    """No slot carries over to a new session (an hour without a message): the
    hand-off comes back from the database, so the bot stays quiet."""
    _agent_online(services)
    chat = chat_factory()
    chat.say("let me talk to a person", "human_agent")
    tracker = tracker_factory(sender_id=chat.sender_id)
    events = asyncio.run(
        ActionSessionStart(services).run(dispatcher, tracker, chat.domain)
    )
    assert {"event": "slot", "name": "handoff", "value": "waiting"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    other = tracker_factory(sender_id="anon-someone-else")
    events = asyncio.run(
        ActionSessionStart(services).run(dispatcher, other, chat.domain)
    )
    assert "handoff" not in [e.get("name") for e in events]
