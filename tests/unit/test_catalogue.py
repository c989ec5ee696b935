"""Every language of the message catalogue says the same things: the
seller/agent languages every English key, a buyer-only language (es) exactly
the buyer-facing ones (bot.adapters.catalogue.BUYER_FACING)."""

from __future__ import annotations

import pytest

from bot.adapters import catalogue as catalogue_module
from bot.adapters.catalogue import (
    BUYER_LANGUAGES,
    BUYER_ONLY_LANGUAGES,
    SUPPORTED_LANGUAGES,
    buyer_language_or_default,
    catalogue,
    is_buyer_facing,
    language_or_default,
    placeholders,
    t,
)


def _key_mismatches(
    language: str, keys: set[str], messages=catalogue
) -> dict[str, object]:
    """What `language` lacks or has beyond `keys`, and the keys whose
    placeholders differ from English."""
    english = messages("en")
    other = messages(language)
    return {
        "missing": sorted(keys - set(other)),
        "extra": sorted(set(other) - keys),
        "placeholders": {
            key: (placeholders(english[key]), placeholders(other[key]))
            for key in keys & set(other)
            if placeholders(english[key]) != placeholders(other[key])
        },
    }


NO_MISMATCH = {"missing": [], "extra": [], "placeholders": {}}


@pytest.mark.parametrize(
    "language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]
)
def test_every_language_has_the_english_keys_and_placeholders(language):
    assert _key_mismatches(language, set(catalogue("en"))) == NO_MISMATCH


@pytest.mark.parametrize("language", BUYER_ONLY_LANGUAGES)
def test_a_buyer_language_has_exactly_the_buyer_facing_keys(language):
    buyer_keys = {key for key in catalogue("en") if is_buyer_facing(key)}
    assert _key_mismatches(language, buyer_keys) == NO_MISMATCH


def test_spanish_is_a_buyer_only_language():
    assert BUYER_LANGUAGES == ("en", "es")
    assert BUYER_ONLY_LANGUAGES == ("es",)
    assert "es" not in SUPPORTED_LANGUAGES  # no seller or agent reads Spanish
    assert language_or_default("es") == "en"
    assert buyer_language_or_default("es") == "es"
    assert buyer_language_or_default("zh") == buyer_language_or_default(None) == "en"
    # an account's language tag
    assert (
        buyer_language_or_default("es-MX") == buyer_language_or_default("ES_us") == "es"
    )


def test_every_buyer_facing_prefix_names_english_keys():
    english = catalogue("en")
    for prefix in catalogue_module.BUYER_FACING:
        assert any(key == prefix or key.startswith(prefix + ".") for key in english), (
            prefix
        )


def test_the_buyers_keys_are_those_they_read():
    for key in (
        "widget.ui.placeholder",
        "widget.upload.attached",
        "date.by_day",
        "rating.page.title",
        "handoff.chat.joined",
        "email.body.buyer_answer",
        "email.answer_from.seller",
        "email.inbound.body_case",
        "email.rating",
    ):
        assert is_buyer_facing(key), key
    for key in (
        "email.body.case_opened",  # to the seller
        "email.topic.with_reason",
        "email.category.late_delivery",
        "email.transfer_mail.accepted",
        "email.ratings_x",  # a prefix is a whole segment
        "handoff.live.title",  # agents
        "reason.late_delivery",  # agents' reason sentences stay English
        "web.login.title",
        "cli.cases.replied",
    ):
        assert not is_buyer_facing(key), key


def test_spanish_buyer_text_and_english_for_everything_else():
    assert t("widget.ui.send", "es") == "Enviar"
    assert t("widget.ui.attach", "es") == "Adjuntar una foto"
    assert t("handoff.chat.joined", "es", agent="Ana").startswith("Ana")
    assert t("web.login.title", "es") == t("web.login.title", "en")
    assert t("reason.late_delivery", "es", **_params("reason.late_delivery")) == t(
        "reason.late_delivery", "en", **_params("reason.late_delivery")
    )
    assert t("common.none", "es") == "none"


def _params(key: str) -> dict[str, str]:
    return dict.fromkeys(placeholders(catalogue("en")[key]), "x")


def test_a_buyer_facing_key_missing_from_spanish_fails():
    spanish = dict(catalogue("es"))
    del spanish["widget.ui.placeholder"]
    spanish["widget.ui.agent_typing"] = "{nombre} está escribiendo…"
    spanish["web.login.title"] = "Iniciar sesión"  # a seller's page: not buyer-facing
    buyer_keys = {key for key in catalogue("en") if is_buyer_facing(key)}

    def patched(language: str) -> dict[str, str]:
        return spanish if language == "es" else catalogue(language)

    assert _key_mismatches("es", buyer_keys, patched) == {
        "missing": ["widget.ui.placeholder"],
        "extra": ["web.login.title"],
        "placeholders": {"widget.ui.agent_typing": ({"agent"}, {"nombre"})},
    }


def test_missing_key_raises_rather_than_showing_a_blank():
    with pytest.raises(KeyError):
        t("cli.no_such_message")


def test_missing_placeholder_raises():
    with pytest.raises(KeyError):
        t("cli.cases.replied", "en", id=3)


def test_unsupported_language_falls_back_to_english():
    assert t("common.none", "fr") == t("common.none", "en") == "none"
    assert t("common.none", "zh") == "无"
