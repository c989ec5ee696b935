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


@cache
def domain_intents() -> tuple[str, ...]:
    """The intents of domain.yml: what a message may be corrected to."""
    return _domain_list("intents")


@cache
def domain_entities() -> tuple[str, ...]:
    return _domain_list("entities")


def domain_response(name: str) -> dict[str, Any] | None:
    """The first unconditional variant of response `name`: {"text": str,
    "buttons": [{"title", "payload"}]}; None when the domain has no such
    response or no variant of it without conditions."""
    variants = (_domain().get("responses") or {}).get(name) or []
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
    prefers them), its `{slot}` placeholders filled (None: empty). None when
    the domain has no such response."""
    variants = [
        v
        for v in (_domain().get("responses") or {}).get(name) or []
        if isinstance(v, dict)
    ]
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
