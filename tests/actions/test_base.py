"""The base action: lazy services, abstract bases, failures, hostile input."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sqlalchemy import select

import actions.base as base
from actions.base import BotServices, CsbaAction, clean_text, conversation_key
from actions.inquiry import ActionStartInquiry
from actions.triage import ActionTriage
from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow
from tests.actions.conftest import PROJECT_ROOT, make_tracker, user_event

HOSTILE = {
    "empty": "",
    "long": "where is my order " * 1200,  # 21,600 characters
    "control": "\x00\x01\x07where\x1b[31m is\r\n my\x7f order\x9b?",
    "emoji": "📦😡🙏 where is my 🛍️??",
    "sql": "'; DROP TABLE orders; -- 112-0000001-0000001' OR '1'='1",
    "html": "<script>alert('x')</script><img src=x onerror=alert(1)>",
}


def test_importing_the_actions_builds_nothing():
    """The action server imports the package: no engine, no services, no secret."""
    code = (
        "import actions.base, actions.orders, actions.product, actions.session, "
        "actions.triage, actions.fallback, bot.adapters.db\n"
        "from rasa_sdk.executor import ActionExecutor\n"
        "ActionExecutor().register_package('actions')\n"
        "assert actions.base.default_services.cache_info().currsize == 0\n"
        "assert bot.adapters.db._cached_engine.cache_info().currsize == 0\n"
    )
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_services_are_lazy_and_injected(monkeypatch):
    services = BotServices(database_url="postgresql://nobody@127.0.0.1:1/none")
    assert services._engine is None  # nothing connects before the first session
    action = ActionTriage(services)
    assert action.services is services
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.db")
    base.default_services.cache_clear()
    default = ActionTriage()
    assert base.default_services.cache_info().currsize == 0
    assert default.services is base.default_services()


def test_the_executor_registers_only_concrete_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    names = set(executor.actions)
    assert {
        "action_session_start",
        "action_check_updates",
        "action_start_inquiry",
        "action_triage",
        "action_fallback",
        "validate_order_form",
        "action_ask_order_id",
        "action_ask_product_asin",
    } <= names
    with pytest.raises(TypeError):
        CsbaAction()  # abstract


def test_every_domain_action_is_implemented(domain):
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(domain["actions"]) <= set(executor.actions)


class Exploding(CsbaAction):
    def name(self) -> str:
        return "action_exploding_for_tests"

    def act(self, dispatcher, tracker, domain, turn):
        raise RuntimeError("boom")


def test_an_unexpected_error_becomes_a_polite_reply(services, domain, caplog):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user_event("hi", "greet")])
    events = asyncio.run(Exploding(services).run(dispatcher, tracker, domain))
    assert events == []
    assert dispatcher.messages[-1]["response"] == "utter_service_unavailable"
    assert "boom" in caplog.text and "action_exploding_for_tests" in caplog.text


def test_database_down_every_route_answers(chat_factory, down_services):
    chat = chat_factory(services=down_services)
    chat.say("I need a person", "human_agent")
    assert chat.responses() == ["utter_service_unavailable"]
    chat.say("is it in stock?", "pre_order")
    # pre_order needs no database row, but triage reads the order store first
    assert chat.responses() in (
        ["utter_service_unavailable"],
        ["utter_reason_pre_order", "utter_contact_seller_pre_order"],
    )
    chat.say("thanks", "thanks")
    assert chat.responses() == ["utter_youre_welcome"]


def test_database_unusable_path(chat_factory, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    services = BotServices(database_url=f"sqlite:///{blocker}/x.db")
    chat = chat_factory(services=services)
    chat.say("human please", "human_agent")
    assert chat.responses() == ["utter_service_unavailable"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_text_in_every_step(kind, chat_factory, services):
    text = HOSTILE[kind]
    chat = chat_factory()
    # as the inquiry itself ...
    chat.say(text, "human_agent")
    assert chat.slots["route"] == "agent"
    stored = chat.slots["inquiry_text"] or ""  # kept with the decision
    assert stored == clean_text(text, base.MAX_QUESTION_CHARS)
    assert len(stored) <= base.MAX_QUESTION_CHARS
    # ... as every answer of the order form ...
    chat.say(text, "cancel_order")
    chat.say(text, "give_order_id")
    assert chat.form_active
    chat.say("112-0000002-0000002", "give_order_id", order_id="112-0000002-0000002")
    chat.say(text, "nlu_fallback")
    assert chat.form_active or chat.responses() == ["utter_ask_zip_code"]
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "cancel_request"
    # ... and as small talk and fallbacks.
    chat.say(text, "nlu_fallback")
    chat.say(text, "out_of_scope")
    with session_scope(services.engine) as session:
        for case in session.scalars(select(CaseRow)):
            assert len(case.question) <= base.MAX_QUESTION_CHARS
            assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in case.question)
    for message in chat.texts():
        assert "Traceback" not in message


def test_start_inquiry_truncates_and_cleans_the_question(services, domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user_event(HOSTILE["long"], "delivery_status")])
    events = asyncio.run(ActionStartInquiry(services).run(dispatcher, tracker, domain))
    slots = {e["name"]: e["value"] for e in events}
    assert len(slots["inquiry_text"]) == base.MAX_QUESTION_CHARS


def test_a_button_click_keeps_the_words_typed_before(services, domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        events=[
            user_event("my parcel is lost, I'm worried", "nlu_fallback"),
            user_event("/delivery_status", "delivery_status"),
        ]
    )
    events = asyncio.run(ActionStartInquiry(services).run(dispatcher, tracker, domain))
    slots = {e["name"]: e["value"] for e in events}
    assert slots["inquiry_text"] == "my parcel is lost, I'm worried"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("  a\tb\nc  ", 100, "a b c"),
        ("\x00\x1b[1mbold\x7f", 100, "[1mbold"),
        ("📦 ok", 100, "📦 ok"),
        ("abcdef", 3, "abc"),
        (None, 10, ""),
        (42, 10, ""),
    ],
)
def test_clean_text(text, limit, expected):
    assert clean_text(text, limit) == expected


def test_conversation_key_fits_the_column():
    assert conversation_key("anon-abc") == "anon-abc"
    long_key = conversation_key("x" * 1000)
    assert len(long_key) <= 255 and long_key == conversation_key("x" * 1000)
    assert long_key != conversation_key("y" * 1000)


def test_a_very_long_sender_id_still_gets_its_case(chat_factory, services):
    chat = chat_factory(sender_id="anon-" + "z" * 5000)
    chat.say("a person please", "human_agent")
    assert chat.slots["route"] == "agent"
    with session_scope(services.engine) as session:
        case = session.scalars(select(CaseRow)).one()
        assert case.conversation_id == conversation_key(chat.sender_id)
