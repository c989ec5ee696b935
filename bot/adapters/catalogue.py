"""The message catalogue: every sentence a seller, agent or operator reads
outside the chat, and the buyer's text around it (the widget, emails, dates);
the chat's own text lives in domain.yml.

Files are `bot/catalogue/<language>/<area>.yml`, nested mappings of strings
with `{placeholders}`. Keys are dotted paths: `t("reason.late_delivery", ...)`.
English is the reference. Two kinds of language:
- `SUPPORTED_LANGUAGES` (en, zh): the languages of sellers, agents and
  operators; each defines every English key with the same placeholders;
- buyer-only languages (es, issue 16): `BUYER_LANGUAGES` beyond those. Such a
  language defines exactly the buyer-facing keys (`BUYER_FACING`: what a
  buyer reads in the widget, the rating page and their emails); `t()` gives
  English for every other key, so a seller's or agent's text stays theirs.
tests/unit/test_catalogue.py checks both rules.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"
DEFAULT_LANGUAGE = "en"
# Sellers', agents' and operators' languages (a portal account, `csba --lang`).
SUPPORTED_LANGUAGES = ("en", "zh")
# The languages a buyer is addressed in (the conversation's `language` slot,
# Buyer.language); the ones not in SUPPORTED_LANGUAGES hold BUYER_FACING only.
BUYER_LANGUAGES = ("en", "es")
BUYER_ONLY_LANGUAGES = tuple(
    lang for lang in BUYER_LANGUAGES if lang not in SUPPORTED_LANGUAGES
)
# The keys a buyer reads (a key is buyer-facing when it is one of these or
# lies under one): the widget and demo shop, the chat's dates and fallback
# text, ratings, an agent joining the chat, and the buyer's emails (answers
# of a seller or agent, transferred inquiries, replies to a buyer's mail).
# Not: the email's seller topics and categories, the sellers' transfer mails.
BUYER_FACING = (
    "widget",
    "date",
    "chat",
    "rating",
    "handoff.chat",
    # the layout of every page (base.html), the shop's and rating page's too
    "web.app.name",
    "web.nav.label",
    "web.nav.skip_to_content",
    "web.nav.login",
    "email.sender_name",
    "email.no_order",
    "email.answer_from",
    "email.subject.buyer_answer",
    "email.subject.transfer_answer",
    "email.body.buyer_answer",
    "email.body.buyer_answer_thread",
    "email.body.transfer_answer",
    "email.transfer_next",
    "email.rating",
    "email.inbound",
)

# libyaml's loader when PyYAML was built with it: the same documents, read ten
# times faster (every `csba` command reads the catalogue).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _flatten(prefix: str, node: Any, out: dict[str, str], origin: Path) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, origin)
    elif isinstance(node, str):
        if prefix in out:
            raise ValueError(f"{origin}: duplicate catalogue key {prefix!r}")
        out[prefix] = node
    else:
        raise ValueError(f"{origin}: catalogue key {prefix!r} must be a string")


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, keyed by dotted path."""
    messages: dict[str, str] = {}
    folder = CATALOGUE_DIR / language
    for path in sorted(folder.glob("*.yml")):
        area = path.stem
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        _flatten(area, data, messages, path)
    return messages


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def is_buyer_facing(key: str) -> bool:
    return any(key == p or key.startswith(p + ".") for p in BUYER_FACING)


def language_or_default(language: str | None) -> str:
    """A seller's, agent's or operator's language: en or zh, else English."""
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def buyer_language_of(tag: object) -> str | None:
    """The buyer language a tag names ('es', 'es-MX', 'ES_us' -> 'es'); None
    for a language buyers are not answered in."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in BUYER_LANGUAGES else None


def buyer_language_or_default(tag: object) -> str:
    """A buyer's language: en or es, else English."""
    return buyer_language_of(tag) or DEFAULT_LANGUAGE


def t(key: str, language: str | None = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Render message `key` in `language` (English when unsupported, and for
    a key that is not buyer-facing in a buyer-only language).

    A missing key or placeholder raises KeyError: a silent blank would reach a user.
    """
    if language in BUYER_ONLY_LANGUAGES and is_buyer_facing(key):
        template = catalogue(language)[key]
    else:
        template = catalogue(language_or_default(language))[key]
    return template.format_map(params)
