"""Rasa's `domain.yml`, as the project reads it: the intents and entities it declares.

Read once per process (the file ships with the bot and does not change while it runs).
"""

from __future__ import annotations

from functools import cache

import yaml

from bot import config


@cache
def domain_intents() -> tuple[str, ...]:
    """The intents of domain.yml: what a message may be corrected to."""
    return _domain_list("intents")


@cache
def domain_entities() -> tuple[str, ...]:
    return _domain_list("entities")


def _domain_list(key: str) -> tuple[str, ...]:
    domain = yaml.safe_load((config.PROJECT_ROOT / "domain.yml").read_text("utf-8"))
    names: list[str] = []
    for item in domain.get(key) or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            names.extend(str(name) for name in item)
    return tuple(names)
