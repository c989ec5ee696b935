"""Every language of the message catalogue says the same things."""

from __future__ import annotations

import pytest

from bot.adapters.catalogue import SUPPORTED_LANGUAGES, catalogue, placeholders, t


@pytest.mark.parametrize(
    "language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]
)
def test_every_language_has_the_english_keys_and_placeholders(language):
    english = catalogue("en")
    other = catalogue(language)
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []
    mismatched = {
        key: (placeholders(english[key]), placeholders(other[key]))
        for key in english
        if placeholders(english[key]) != placeholders(other[key])
    }
    assert mismatched == {}


def test_missing_key_raises_rather_than_showing_a_blank():
    with pytest.raises(KeyError):
        t("cli.no_such_message")


def test_missing_placeholder_raises():
    with pytest.raises(KeyError):
        t("cli.cases.replied", "en", id=3)


def test_unsupported_language_falls_back_to_english():
    assert t("common.none", "fr") == t("common.none", "en") == "none"
    assert t("common.none", "zh") == "无"
