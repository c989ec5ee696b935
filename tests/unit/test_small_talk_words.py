"""bot.nlp.small_talk: "are you a bot?"."""

from __future__ import annotations

import pytest

from bot.nlp.small_talk import asks_if_bot


@pytest.mark.parametrize(
    "text",
    [
        "are you a bot?",
        "are you a real person?",
        "r u a robot",
        "am i talking to a bot",
        "am I chatting with a real human?",
        "is this a bot?",
        "is this automated",
        "you're a bot?",
        "¿eres un robot?",
        "¿estoy hablando con una persona?",
        "is anyone there?",
        "hello?? anybody there",
        "¿hay alguien ahí?",
    ],
)
def test_asks_if_bot(text):
    assert asks_if_bot(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a real person",
        "can I speak with a human",
        "connect me to a person please",
        "quiero hablar con una persona",
        "is this kettle automatic?",
        "are you open on sundays",
        "is anyone there who can help me cancel my order",
        "are you human? put me through to an agent",
        "agente en español por favor",
        "where is my order",
        "",
    ],
)
def test_does_not_ask_if_bot(text):
    assert not asks_if_bot(text)
