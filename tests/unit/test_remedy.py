"""The remedy a buyer types in answer to "Would you like a replacement?"
(bot.nlp.remedy): a replacement, a refund, or neither."""

from __future__ import annotations

import pytest

from bot.nlp.remedy import REFUND, REPLACEMENT, UNCLEAR, remedy_named


@pytest.mark.parametrize(
    "text",
    [
        "replacement please",
        "hmm actually just one of the two is dented. replacement please",
        "send a replacement",
        "can you replace it",
        "can i get a replacement instead of refund?",
        "send me a new one",
        "I want a replacement not a refund",
        "no refund, send another one",
        "I’d rather exchange it",
        "prefiero uno nuevo",
        "no quiero reembolso, mándame otro nuevo",
    ],
)
def test_a_replacement(text):
    assert remedy_named(text) == REPLACEMENT


@pytest.mark.parametrize(
    "text",
    [
        "refund me",
        "i want my money back",
        "i'd rather have a refund",
        "refund please, not a replacement",
        "i dont want a new one, i want my money back",
        "quiero un reembolso",
    ],
)
def test_a_refund(text):
    assert remedy_named(text) == REFUND


@pytest.mark.parametrize(
    "text",
    [
        "the kettle is broken too",
        "i want to return it",
        "the new one i got is broken",
        "",
        "   ",
        None,
    ],
)
def test_neither(text):
    assert remedy_named(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "no refund please",
        "not a refund",
        "I don't want a replacement",
        "not interested in a replacement",
        "replacement is not needed",
        "I never asked for a replacement",
        "is the replacement free?",
        "how long does a refund take",
        "replace or refund, whatever is faster",
    ],
)
def test_named_but_not_chosen(text):
    assert remedy_named(text) == UNCLEAR
