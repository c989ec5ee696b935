"""The REST and socket.io channels' last resort, for a turn that produced no
reply (bot.entrypoints.rasa.channels.rest.unavailable_reply): the domain's
`utter_service_unavailable` in the conversation's language (issue 16), read
from the tracker store's events table; English when that cannot be read."""

from __future__ import annotations

import json
from types import SimpleNamespace

from rasa.shared.core.domain import Domain
from sqlalchemy import create_engine, insert

from bot.adapters.rasa_events import EVENTS, tracker_metadata
from bot.config import PROJECT_ROOT
from bot.entrypoints.rasa.channels.rest import unavailable_reply


def _app(tmp_path, *, language: str | None):
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    tracker_metadata.create_all(engine)
    if language is not None:
        with engine.begin() as conn:
            conn.execute(
                insert(EVENTS).values(
                    sender_id="anon-1",
                    type_name="slot",
                    action_name="language",
                    data=json.dumps(
                        {"event": "slot", "name": "language", "value": language}
                    ),
                )
            )
    agent = SimpleNamespace(
        domain=Domain.load(str(PROJECT_ROOT / "domain.yml")),
        tracker_store=SimpleNamespace(engine=engine),
    )
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


def test_a_spanish_conversation_gets_the_spanish_apology(tmp_path):
    reply = unavailable_reply(_app(tmp_path, language="es"), "anon-1")
    assert reply["recipient_id"] == "anon-1"
    assert reply["text"].startswith("Lo siento"), reply


def test_an_unknown_language_gets_the_english_one(tmp_path):
    reply = unavailable_reply(_app(tmp_path, language=None), "anon-1")
    assert reply["text"].startswith("I'm sorry"), reply


def test_without_a_model_the_catalogue_answers(tmp_path):
    reply = unavailable_reply(SimpleNamespace(ctx=SimpleNamespace()), "anon-1")
    assert (
        reply["text"]
        == "I'm sorry, I can't reach your order right now, please try again shortly."
    )
