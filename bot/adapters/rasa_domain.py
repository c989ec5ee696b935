"""Rasa's `domain.yml`, as the project reads it: the intents and entities it
declares, a response the web app shows by itself (the chat's greeting), and a
response filled with slot values (the chat's answer, emailed to a buyer whose
seller transferred the inquiry: bot.services.transfer).

Read once per process (the file ships with the bot and does not change while it runs).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from bot import config

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# The slot whose value picks a response's language (issue 16). A variation
# with the condition `language: es` is Spanish; one without a language
# condition is English, the reference every language falls back to.
LANGUAGE_SLOT = "language"
REFERENCE_LANGUAGE = "en"


@cache
def domain_intents() -> tuple[str, ...]:
    """The intents of domain.yml: what a message may be corrected to."""
    return _domain_list("intents")


@cache
def domain_entities() -> tuple[str, ...]:
    return _domain_list("entities")


# Entities no training example carries: the NLU pipeline's language component
# sets `language` (bot.entrypoints.rasa.language) on a whole message.
UNTRAINED_ENTITIES = frozenset({"language"})


def trained_entities() -> tuple[str, ...]:
    """The entities a training example may annotate."""
    return tuple(e for e in domain_entities() if e not in UNTRAINED_ENTITIES)


def variations_in(variations: list[Any], language: str | None) -> list[dict[str, Any]]:
    """The variations a buyer reading `language` gets, without their language
    condition: a Spanish variation `[language: es, case_created: false]` becomes
    `[case_created: false]` for Spanish and is left out for English. So Rasa's
    own choice among what is left (conditions that hold before unconditional
    ones, the channel's before the others) never mixes languages. A language
    with no variation of a response gets the English ones."""

    def language_of(variation: dict[str, Any]) -> str:
        for condition in variation.get("condition") or []:
            if isinstance(condition, dict) and condition.get("name") == LANGUAGE_SLOT:
                return str(condition.get("value"))
        return REFERENCE_LANGUAGE

    dicts = [v for v in variations if isinstance(v, dict)]
    wanted = language or REFERENCE_LANGUAGE
    if not any(language_of(v) == wanted for v in dicts):
        wanted = REFERENCE_LANGUAGE
    chosen = []
    for variation in dicts:
        if language_of(variation) != wanted:
            continue
        variation = dict(variation)
        rest = [
            c
            for c in variation.pop("condition", None) or []
            if not (isinstance(c, dict) and c.get("name") == LANGUAGE_SLOT)
        ]
        if rest:
            variation["condition"] = rest
        chosen.append(variation)
    return chosen


def responses_in(
    responses: dict[str, list[Any]], language: str | None
) -> dict[str, list[dict[str, Any]]]:
    """Every response's variations in `language` (variations_in)."""
    return {name: variations_in(list(v), language) for name, v in responses.items()}


def domain_response(name: str, language: str | None = None) -> dict[str, Any] | None:
    """The first unconditional variant of response `name` in `language`
    (English by default): {"text": str, "buttons": [{"title", "payload"}]};
    None when the domain has no such response or no variant of it without
    conditions."""
    variants = variations_in(
        (_domain().get("responses") or {}).get(name) or [], language
    )
    for variant in variants:
        if isinstance(variant, dict) and not variant.get("condition"):
            buttons = [
                {"title": str(b["title"]), "payload": str(b["payload"])}
                for b in variant.get("buttons") or []
                if isinstance(b, dict) and "title" in b and "payload" in b
            ]
            return {"text": str(variant.get("text") or ""), "buttons": buttons}
    return None


def rendered_response(name: str, slots: dict[str, Any]) -> str | None:
    """Response `name`'s text as Rasa would say it with these slot values: the
    first variant whose conditions all hold (a conditional one first, as Rasa
    prefers them), its `{slot}` placeholders filled (None: empty), in the
    language of the `language` slot. None when the domain has no such response."""
    variants = variations_in(
        (_domain().get("responses") or {}).get(name) or [], slots.get(LANGUAGE_SLOT)
    )
    matching = [
        v for v in variants if v.get("condition") and _holds(v["condition"], slots)
    ]
    chosen = (matching or [v for v in variants if not v.get("condition")] or [None])[0]
    if chosen is None:
        return None
    text = str(chosen.get("text") or "")
    return _PLACEHOLDER.sub(lambda m: _slot_text(slots.get(m.group(1))), text)


def _holds(conditions: list[Any], slots: dict[str, Any]) -> bool:
    return all(
        isinstance(c, dict)
        and c.get("type") == "slot"
        and slots.get(c.get("name")) == c.get("value")
        for c in conditions
    )


def _slot_text(value: Any) -> str:
    return "" if value is None else str(value)


@cache
def _domain() -> dict[str, Any]:
    return yaml.safe_load((config.PROJECT_ROOT / "domain.yml").read_text("utf-8"))


def _domain_list(key: str) -> tuple[str, ...]:
    domain = _domain()
    names: list[str] = []
    for item in domain.get(key) or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            names.extend(str(name) for name in item)
    return tuple(names)
