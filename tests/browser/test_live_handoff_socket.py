"""Live hand-off (issue 14) through the project's socket.io channel inside the
real `rasa run`, as the widget uses it: a buyer asks for a person, an agent
claims the chat and writes, the buyer's open socket receives each message as it
is sent, and the hand-back reaches it too.

The agent side goes through bot.services.handoff and bot.services.push, as the
live inbox does (the inbox pages are covered in tests/web/test_live.py). The
latency of an agent message reaching the buyer's socket is printed, never
asserted: a figure for the issue's note, not a timed test.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import pytest
import socketio

from bot.adapters.db import make_engine, session_scope
from bot.services import agent_presence, handoff
from bot.services.push import push_agent_message, push_handoff_closed
from tests.browser.conftest import AGENT
from tests.e2e.conftest import NOTES
from tools.devstack import DEMO_NOW

NOW = datetime.fromisoformat(DEMO_NOW)  # the action server's fixed clock
MESSAGES = 100


@dataclass(frozen=True)
class _Settings:
    rasa_url: str
    rasa_token: str


class Buyer:
    """An anonymous buyer's open chat: every bot message, as it arrives."""

    def __init__(self, rasa_url: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.messages: list[tuple[float, dict]] = []
        self.arrived = threading.Condition()
        self.turn_done = threading.Event()
        self.conversation_id = ""
        confirmed = threading.Event()

        def on_confirm(data: dict) -> None:
            self.conversation_id = data["session_id"]
            confirmed.set()

        def on_message(data: dict) -> None:
            with self.arrived:
                self.messages.append((time.perf_counter(), data))
                self.arrived.notify_all()

        self.client.on("session_confirm", on_confirm)
        self.client.on("bot_uttered", on_message)
        self.client.on("bot_turn_done", lambda *_: self.turn_done.set())
        self.client.connect(rasa_url, wait_timeout=30)
        self.client.emit("session_request", {})
        assert confirmed.wait(30)

    def say(self, text: str) -> list[dict]:
        start = len(self.messages)
        self.turn_done.clear()
        self.client.emit("user_uttered", {"message": text})
        assert self.turn_done.wait(120), "no bot_turn_done"
        return [data for _, data in self.messages[start:]]

    def wait_for(self, text: str, timeout: float = 30) -> float:
        """When a bot message with exactly `text` arrived (perf_counter)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for at, data in reversed(self.messages):
                    if data.get("text") == text:
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{text!r} never reached the buyer")
                self.arrived.wait(left)

    def close(self) -> None:
        self.client.disconnect()


def _agent_id(session) -> int:
    return next(i for i, name in agent_presence.agent_choices(session) if name == AGENT)


@pytest.fixture
def db(web_stack):
    engine = make_engine(web_stack.database_url)
    yield engine
    with session_scope(engine) as session:
        agent_presence.set_presence(
            session, agent_id=_agent_id(session), status="away", now=NOW
        )
        waiting, live = handoff.inbox(session, now=NOW)
        for line in waiting + live:
            handoff.cancel(
                session, conversation_id=line.handoff.conversation_id, now=NOW
            )
    engine.dispose()


def test_an_agent_chats_live_with_the_buyers_open_socket(web_stack, db):
    with session_scope(db) as session:
        agent_id = _agent_id(session)
        agent_presence.set_presence(
            session, agent_id=agent_id, status="online", now=NOW
        )
    settings = _Settings(web_stack.rasa_url, web_stack.api_token)
    buyer = Buyer(web_stack.rasa_url)
    try:
        replies = buyer.say("can i speak to a human please")
        assert any("number 1 in the queue" in (m.get("text") or "") for m in replies)
        with session_scope(db) as session:
            waiting = handoff.active(session, conversation_id=buyer.conversation_id)
            handoff.claim(session, handoff_id=waiting.id, agent_id=agent_id, now=NOW)

        latencies = []
        for n in range(MESSAGES):
            text = f"Agent message {n}: let me check that for you."
            sent = time.perf_counter()
            assert push_agent_message(
                buyer.conversation_id, text, agent=AGENT, settings=settings
            )
            latencies.append(buyer.wait_for(text) - sent)

        # the buyer writes: no bot answer in a live chat, only "delivered" data
        replies = buyer.say("thanks, it was the blue one")
        assert not any(m.get("text") for m in replies), replies
        assert {"handoff": "delivered"} in [m.get("custom") for m in replies]
        events = web_stack.tracker(buyer.conversation_id)["events"]
        assert "thanks, it was the blue one" in [
            e.get("text") for e in events if e["event"] == "user"
        ]

        with session_scope(db) as session:
            handoff.close(
                session, handoff_id=waiting.id, agent_id=agent_id,
                outcome="resolved", now=NOW,
            )  # fmt: skip
        assert push_handoff_closed(buyer.conversation_id, settings=settings)
        buyer.wait_for(
            "The agent has handed the chat back to me. Is there anything else I can "
            "help you with?"
        )
        replies = buyer.say("where is my order")
        assert any(m.get("text") for m in replies), "the bot answers again"
    finally:
        buyer.close()

    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(0.95 * len(latencies)) - 1] * 1000
    line = (
        f"live hand-off: agent message to the buyer's socket over {MESSAGES} "
        f"messages: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    NOTES.append(line)
    print(line)

