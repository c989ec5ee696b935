"""Every response of domain.yml speaks English and Spanish (issue 16).

An English variation is one with no condition on the `language` slot; its
Spanish variation has the same channel, the same other conditions and, in
addition, `language: es`. Both say the same things: the same `{placeholders}`,
the same buttons (payloads, in the same order; the titles are translated), and
the Spanish text is not the English one left as it was.

The second test asks Rasa's own variation filter what a Spanish buyer may get;
it is expected to fail (strict xfail) for the responses with an English
conditional variation until a language-aware NLG replaces Rasa's choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES: dict[str, list[dict[str, Any]]] = DOMAIN["responses"]

LANGUAGE_SLOT = "language"
SPANISH = "es"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _language_conditions(variation: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for c in variation.get("condition") or [] if c.get("name") == LANGUAGE_SLOT
    ]


def _other_conditions(variation: dict[str, Any]) -> frozenset[tuple[Any, ...]]:
    return frozenset(
        (c.get("type"), c.get("name"), c.get("value"))
        for c in variation.get("condition") or []
        if c.get("name") != LANGUAGE_SLOT
    )


def _key(variation: dict[str, Any]) -> tuple[Any, frozenset[tuple[Any, ...]]]:
    """What a variation is for, its language aside: the channel and the conditions."""
    return variation.get("channel"), _other_conditions(variation)


def _describe(variation: dict[str, Any]) -> str:
    channel, conditions = _key(variation)
    shown = ", ".join(f"{name}={value!r}" for _, name, value in sorted(conditions))
    return f"channel={channel!r}, conditions=[{shown}]"


def _placeholders(variation: dict[str, Any]) -> set[str]:
    return set(PLACEHOLDER.findall(str(variation.get("text") or "")))


def _payloads(variation: dict[str, Any]) -> list[str]:
    return [str(b.get("payload")) for b in variation.get("buttons") or []]


def _words(text: Any) -> str:
    return " ".join(str(text or "").split())


def _split(
    name: str,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """('en' | 'es' | 'other', variation) for each variation of response `name`."""
    for variation in RESPONSES[name]:
        languages = _language_conditions(variation)
        if not languages:
            yield "en", variation
        elif len(languages) == 1 and languages[0].get("value") == SPANISH:
            yield "es", variation
        else:
            yield "other", variation


def test_the_domain_has_responses():
    assert len(RESPONSES) >= 70


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_english_variation_has_its_spanish_one(name):
    variations = list(_split(name))
    others = [v for language, v in variations if language == "other"]
    assert not others, (
        f"{name}: a variation's `language` condition is not exactly "
        f"`language: es`: {[_describe(v) for v in others]}"
    )
    english = [v for language, v in variations if language == "en"]
    spanish = [v for language, v in variations if language == "es"]
    assert english, f"{name}: no English variation (one without a language condition)"

    english_keys = [_key(v) for v in english]
    assert len(set(english_keys)) == len(english_keys), (
        f"{name}: two English variations share a channel and conditions"
    )
    for variation in spanish:
        assert _key(variation) in english_keys, (
            f"{name}: a Spanish variation without its English counterpart "
            f"({_describe(variation)})"
        )

    for en in english:
        matches = [es for es in spanish if _key(es) == _key(en)]
        where = f"{name} ({_describe(en)})"
        assert len(matches) == 1, (
            f"{where}: {len(matches)} Spanish variations, expected exactly 1"
        )
        es = matches[0]
        assert _words(es.get("text")), f"{where}: the Spanish variation has no text"
        assert _placeholders(es) == _placeholders(en), (
            f"{where}: placeholders differ: English {sorted(_placeholders(en))}, "
            f"Spanish {sorted(_placeholders(es))}"
        )
        assert len(es.get("buttons") or []) == len(en.get("buttons") or []), (
            f"{where}: {len(en.get('buttons') or [])} English buttons, "
            f"{len(es.get('buttons') or [])} Spanish ones"
        )
        assert _payloads(es) == _payloads(en), (
            f"{where}: button payloads differ: English {_payloads(en)}, "
            f"Spanish {_payloads(es)}"
        )
        assert _words(es.get("text")) != _words(en.get("text")), (
            f"{where}: the Spanish text is the English one"
        )
        extra_en = {k: v for k, v in en.items() if k not in ("text", "buttons")}
        extra_es = {k: v for k, v in es.items() if k not in ("text", "buttons")}
        extra_es["condition"] = [
            c for c in es.get("condition") or [] if c.get("name") != LANGUAGE_SLOT
        ]
        if not extra_es["condition"]:
            del extra_es["condition"]
        assert extra_es == extra_en, (
            f"{where}: the Spanish variation's other keys (custom, image, metadata, "
            "...) differ from the English one's"
        )


# -- what Rasa 3.6 picks for a Spanish buyer ---------------------------------------------

OTHER_VALUE = "__some_other_value__"
OTHER_CHANNEL = "rest"


def _conditioned_slots(name: str) -> set[str]:
    return {
        c["name"]
        for v in RESPONSES[name]
        for c in v.get("condition") or []
        if c.get("name") != LANGUAGE_SLOT
    }


def _slots_for(name: str, variation: dict[str, Any]) -> dict[str, Any]:
    """Slot values under which `variation` is the English one that applies: its
    own conditions hold and every other slot the response branches on has a
    value no condition names."""
    slots: dict[str, Any] = dict.fromkeys(_conditioned_slots(name), OTHER_VALUE)
    for _, slot, value in _other_conditions(variation):
        slots[slot] = value
    return slots


# Rasa 3.6 (ResponseVariationFilter.responses_for_utter_action) ranks variations
# in four tiers only: conditional for this channel, unconditional for this
# channel, conditional without a channel, unconditional without a channel. Within
# a tier it keeps every variation whose conditions hold and picks one at random;
# it does not prefer the most specific condition. So where an English variation
# has a condition, a Spanish buyer's pool would also hold that English variation
# and the Spanish catch-all (`language: es` alone). The bot's NLG
# (bot.entrypoints.rasa.nlg, endpoints.yml `nlg:`) therefore hands Rasa's filter
# only the conversation's language's variations, their language condition
# removed (bot.adapters.rasa_domain.responses_in).


def _without_language(variation: dict[str, Any]) -> dict[str, Any]:
    variation = dict(variation)
    rest = [
        c
        for c in variation.pop("condition", None) or []
        if c.get("name") != LANGUAGE_SLOT
    ]
    if rest:
        variation["condition"] = rest
    return variation


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_a_spanish_buyer_is_offered_only_the_spanish_variation(name):
    from rasa.core.nlg.generator import ResponseVariationFilter

    from bot.adapters.rasa_domain import responses_in

    english = ResponseVariationFilter(responses_in(RESPONSES, "en"))
    spanish = ResponseVariationFilter(responses_in(RESPONSES, SPANISH))
    for language, en in _split(name):
        if language != "en":
            continue
        channel = en.get("channel") or OTHER_CHANNEL
        slots = _slots_for(name, en)
        expected = [
            _without_language(es)
            for kind, es in _split(name)
            if kind == "es" and _key(es) == _key(en)
        ]
        english_pick = english.responses_for_utter_action(
            name, channel, {**slots, LANGUAGE_SLOT: None}
        )
        assert english_pick == [en], f"{name} ({_describe(en)}): English selection"
        spanish_pick = spanish.responses_for_utter_action(
            name, channel, {**slots, LANGUAGE_SLOT: SPANISH}
        )
        assert spanish_pick == expected, (
            f"{name} ({_describe(en)}): with language=es the pool is "
            f"{[_words(v.get('text'))[:50] for v in spanish_pick]}"
        )


def test_the_bots_generator_answers_in_the_conversations_language():
    """As `rasa run` builds it (endpoints.yml `nlg:`): created before the model is
    loaded, then given the model's domain (rasa.core.agent.Agent.load_model)."""
    import asyncio

    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.config import NLG_TYPE

    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text("utf-8"))
    assert endpoints["nlg"] == {"type": NLG_TYPE}
    nlg = NaturalLanguageGenerator.create(EndpointConfig(type=NLG_TYPE), None)
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    nlg.responses = domain.responses

    def said(*events: SlotSet) -> str:
        tracker = DialogueStateTracker.from_events(
            "t", list(events), slots=domain.slots
        )
        return asyncio.run(nlg.generate("utter_case_opened", tracker, "csba_rest"))[
            "text"
        ]

    case = (SlotSet("case_id", "7"), SlotSet("case_created", False))
    assert said(*case).startswith("I've added this to your open case 7")
    assert said(*case, SlotSet("language", "es")).startswith(
        "Agregué esto a tu caso abierto 7"
    )
    assert said(SlotSet("case_id", "7"), SlotSet("language", "es")).startswith(
        "Tu número de caso es 7"
    )
