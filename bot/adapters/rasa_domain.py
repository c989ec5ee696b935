"""Rasa's `domain.yml`, as the project reads it: the intents and entities it
declares, and a response the web app shows by itself (the chat's greeting).

Read once per process (the file ships with the bot and does not change while it runs).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from bot import config


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
