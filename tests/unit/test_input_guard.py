"""bot.entrypoints.rasa.channels.input_guard: what a buyer's message may be before Rasa sees it."""

from __future__ import annotations

import pytest
import yaml
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
    YAMLStoryReader,
)
from rasa.shared.nlu.training_data.message import Message

from actions.order_questions import order_button
from bot.config import PROJECT_ROOT
from bot.entrypoints.rasa.channels.input_guard import (
    MAX_MESSAGE_CHARS,
    PUBLIC_INTENTS,
    buyer_text,
    is_internal_intent_syntax,
    plain_text,
)

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def rasa_reads(text: str) -> str | None:
    """The intent Rasa's regex message handler would give `text` (None: NLU decides)."""
    assert RegexMessageHandler  # the graph component that calls the reader below
    message = YAMLStoryReader.unpack_regex_message(Message({"text": text}))
    intent = message.get("intent")
    return intent.get("name") if intent else None


def domain_button_payloads() -> set[str]:
    payloads = set()
    for variants in DOMAIN["responses"].values():
        for variant in variants:
            for button in variant.get("buttons") or []:
                payloads.add(button["payload"])
    return payloads


def test_every_button_of_the_domain_still_works():
    payloads = domain_button_payloads()
    assert payloads, "the domain has quick replies"
    for payload in payloads:
        assert buyer_text(payload) == payload
        assert rasa_reads(buyer_text(payload)) == payload[1:]


def test_order_buttons_still_work():
    payload = order_button("112-0000001-0000001", "Kettle")["payload"]
    assert buyer_text(payload) == payload
    assert rasa_reads(payload) == "give_order_id"


def test_public_intents_are_buyer_intents_only():
    nlu_intents = set(DOMAIN["intents"]) - {"give_order_id"}
    internal = {i for i in nlu_intents if i.startswith("EXTERNAL_")}
    assert PUBLIC_INTENTS <= nlu_intents - internal
    for name in ("session_start", "restart", "back", "nlu_fallback", "give_order_id"):
        assert name not in PUBLIC_INTENTS


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        (" /back ", "back"),
        ("//restart", "restart"),
        ("/ /restart", "restart"),
        ('/EXTERNAL_case_reply{"case_id": 3}', 'EXTERNAL_case_reply{"case_id": 3}'),
        ('/give_order_id{"order_id": "1"}', 'give_order_id{"order_id": "1"}'),
        (
            '/give_order_id{"order_id": "112-0000001-0000001", "buyer_id": "B-1"}',
            'give_order_id{"order_id": "112-0000001-0000001", "buyer_id": "B-1"}',
        ),
        ("/human_agent@0.99", "human_agent@0.99"),
        ('/affirm{"zip_code": "98101"}', 'affirm{"zip_code": "98101"}'),
        ("/", "/"),
        ("///", "/"),
        ("/delivery_status extra", "delivery_status extra"),
    ],
)
def test_internal_intent_syntax_becomes_plain_text(sent, expected):
    got = buyer_text(sent)
    assert got == expected
    assert rasa_reads(got) is None
    assert is_internal_intent_syntax(sent)


def test_a_canonical_order_button_is_reserialised():
    sent = '/give_order_id{ "order_id" :"112-0000001-0000001" }'
    got = buyer_text(sent)
    assert got == '/give_order_id{"order_id": "112-0000001-0000001"}'
    assert rasa_reads(got) == "give_order_id"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("where\x00 is\x07 my\x1b[31m order", "where is my[31m order"),
        ("line\none\ttab", "line one tab"),
        ("\u202eredro ym si erehw", "redro ym si erehw"),
        ("\u2066isolate\u2069", "isolate"),
        ("😡📦 مرحبا 你好", "😡📦 مرحبا 你好"),
        ("  \x00\u202e  ", ""),
    ],
)
def test_control_and_bidi_characters_are_dropped(sent, expected):
    assert buyer_text(sent) == expected


def test_messages_are_cut():
    assert len(buyer_text("x" * 100_000)) == MAX_MESSAGE_CHARS
    assert len(buyer_text("\x00" * 10 + "y" * 5000)) == MAX_MESSAGE_CHARS


def test_plain_text_keeps_ordinary_text():
    text = "Where's my order 112-0000001-0000001? It's late :( <b>"
    assert plain_text(text) == text
    assert buyer_text(text) == text
    assert not is_internal_intent_syntax(text)
