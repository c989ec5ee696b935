"""Live hand-off (issue 14) against the real `rasa run` and action server.

An agent's presence, claim and hand-back are written through bot.services.handoff
on the stack's own database, as the live inbox does; the agent's message and the
hand-back reach the conversation through Rasa's HTTP API (bot.services.push), as
the web app sends them. The buyer talks over the token channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.adapters.db import make_engine, session_scope
from bot.services import agent_presence, handoff, users
from bot.services.push import push_agent_message, push_handoff_closed
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import Conversation
from tools.devstack import DEMO_NOW

NOW = datetime.fromisoformat(DEMO_NOW)


@dataclass(frozen=True)
class _Settings:
    rasa_url: str
    rasa_token: str


@pytest.fixture(scope="module")
def db(stack: Stack):
    engine = make_engine(f"sqlite:///{stack.workdir / 'csba.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def agent_id(db) -> int:
    with session_scope(db) as session:
        user = users.add_user(
            session, username="live-agent", password="a-long-password-1", role="agent",
            now=NOW,
        )  # fmt: skip
        return user.id


@pytest.fixture(autouse=True)
def _leave_no_agent_online(db, agent_id: int):
    """The stack is shared with the other e2e tests: they expect no agent online
    and no open hand-off."""
    yield
    _presence(db, agent_id, "away")
    with session_scope(db) as session:
        waiting, live = handoff.inbox(session, now=NOW)
        for line in waiting + live:
            handoff.cancel(
                session, conversation_id=line.handoff.conversation_id, now=NOW
            )


def _presence(db, agent_id: int, status: str) -> None:
    with session_scope(db) as session:
        agent_presence.set_presence(session, agent_id=agent_id, status=status, now=NOW)


def _active(db, conversation_id: str):
    with session_scope(db) as session:
        return handoff.active(session, conversation_id=conversation_id)


def _bot_events(stack: Stack, conversation_id: str) -> list[dict]:
    return [e for e in stack.tracker(conversation_id)["events"] if e["event"] == "bot"]


def test_no_agent_online_gives_the_agent_case(stack: Stack, db, agent_id: int):
    _presence(db, agent_id, "away")
    chat = Conversation(stack)
    chat.say("can i talk to a real person please")
    assert "case" in chat.texts().lower()
    assert "queue" not in chat.texts().lower()
    assert stack.slots(chat.conversation_id)["handoff"] is None
    assert _active(db, chat.conversation_id) is None


def test_a_person_takes_over_and_gives_back(stack: Stack, db, agent_id: int):
    _presence(db, agent_id, "online")
    chat = Conversation(stack)
    chat.say("i want to talk to a human")
    assert "number 1 in the queue" in chat.texts(), chat.texts()
    assert stack.slots(chat.conversation_id)["handoff"] == "waiting"
    waiting = _active(db, chat.conversation_id)
    # an anonymous buyer who has not passed the ZIP check: shown as unverified
    assert waiting is not None and not waiting.verified and waiting.buyer_id is None

    # the bot does not take over while the buyer waits: it repeats the place
    turn = len(chat.transcript)
    chat.say("hello?? anyone there")
    assert "number 1 in the queue" in chat.texts(turn), chat.texts(turn)

    with session_scope(db) as session:
        handoff.claim(session, handoff_id=waiting.id, agent_id=agent_id, now=NOW)
        _, message = handoff.agent_message(
            session, handoff_id=waiting.id, agent_id=agent_id,
            text="Hi, I'm Sam. Let me look at that.", now=NOW,
        )  # fmt: skip
    settings = _Settings(stack.rasa_url, stack.api_token)
    # a REST chat is not open to pushes: the message waits in the database
    assert not push_agent_message(
        chat.conversation_id, message.text, agent="live-agent", settings=settings
    )

    # live: the bot says nothing of its own; the agent's message comes with the
    # buyer's next one, once
    reply = chat.say("it was supposed to come on monday")
    assert [m.get("text") for m in reply if m.get("text")] == [
        "live-agent: Hi, I'm Sam. Let me look at that."
    ]
    assert {"handoff": "delivered"} in [m.get("custom") for m in reply]
    assert stack.slots(chat.conversation_id)["handoff"] == "live"
    reply = chat.say("hello?")
    assert not any(m.get("text") for m in reply), reply

    with session_scope(db) as session:
        handoff.close(
            session, handoff_id=waiting.id, agent_id=agent_id, outcome="resolved",
            now=NOW + timedelta(minutes=3),
        )  # fmt: skip
    assert push_handoff_closed(chat.conversation_id, settings=settings)
    said, asked = _bot_events(stack, chat.conversation_id)[-2:]
    assert "handed the chat back" in said["text"]
    # then "Was this helpful?", as data the widget turns into its question
    assert asked["data"]["custom"] == {"handoff": "closed", "ask": "helpful"}
    assert stack.slots(chat.conversation_id)["handoff"] is None

    # the bot answers again
    turn = len(chat.transcript)
    chat.say("hi")
    assert chat.texts(turn), "the bot answers after the hand-back"
    assert "queue" not in chat.texts(turn)


def test_the_buyer_goes_back_to_the_bot(stack: Stack, db, agent_id: int):
    _presence(db, agent_id, "online")
    chat = Conversation(stack)
    chat.say("talk to a person")
    assert stack.slots(chat.conversation_id)["handoff"] == "waiting"
    titles = {b["title"]: b["payload"] for b in chat.last_buttons()}
    assert titles.get("Back to the assistant") == "/handoff_cancel"
    turn = len(chat.transcript)
    chat.say("/handoff_cancel")
    assert "back with the assistant" in chat.texts(turn)
    assert stack.slots(chat.conversation_id)["handoff"] is None
    assert _active(db, chat.conversation_id) is None
    turn = len(chat.transcript)
    chat.say("where is my order")
    assert "queue" not in chat.texts(turn) and chat.texts(turn)


def test_a_forged_hand_back_changes_nothing(stack: Stack, db, agent_id: int):
    _presence(db, agent_id, "online")
    chat = Conversation(stack)
    chat.say("agent please")
    assert stack.slots(chat.conversation_id)["handoff"] == "waiting"
    # typed by the buyer: the input guard refuses the internal intent
    turn = len(chat.transcript)
    chat.say("/EXTERNAL_handoff_closed")
    assert stack.slots(chat.conversation_id)["handoff"] == "waiting"
    assert "queue" in chat.texts(turn)
    # sent through the API while the agent still has it: the action checks
    settings = _Settings(stack.rasa_url, stack.api_token)
    assert push_handoff_closed(chat.conversation_id, settings=settings)
    assert stack.slots(chat.conversation_id)["handoff"] == "waiting"
    assert _active(db, chat.conversation_id) is not None
