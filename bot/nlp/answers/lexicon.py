"""The matcher's vocabulary file, bot/nlp/lexicon.yml: its sections, their
validation (`LexiconError` names the bad entry) and `load_lexicon`, which reads
and validates it once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.nlp.answers.text import SPACE_RE, normalise

__all__ = [
    "COUNT_TOPIC",
    "DURATION_TOPIC",
    "LEXICON_PATH",
    "TIME_TOPIC",
    "TOPIC_ROLES",
    "Lexicon",
    "LexiconError",
    "load_lexicon",
    "validate_lexicon",
]

# The vocabulary file (see its header for how to extend it).
LEXICON_PATH = Path(__file__).resolve().parent.parent / "lexicon.yml"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the bad entry."""


# The roles of a topic's lists (see lexicon.yml) and their internal names.
TOPIC_ROLES = {
    "words": "name",
    "values": "value",
    "asked": "ask",
    "situations": "also",
    "on_page": "page",
    "page_hints": "hint",
}
_WORD_LISTS = (
    "helper_topics",
    "optional_topics",
    "supported_value_topics",
    "exclusive_value_topics",
    "listed_value_topics",
    "object_topics",
    "dimension_topics",
    "part_sensitive_topics",
    "page_ignored_words",
    "length_units",
    "noise_phrases",
    "purchase_verbs",
    "generic_words",
    "soft_words",
    "kept_stop_words",
    "condition_words",
    "determiners",
    "buyer_words",
    "buyer_modifiers",
    "prepositions",
    "part_links",
    "question_words",
    "statement_starts",
    "object_words",
    "order_words",
    "order_phrases",
    "availability_phrases",
    "product_phrases",
    "dimension_fact_topics",
    "dimension_separators",
    "purchase_determiners",
    "purchase_relatives",
    "order_reference_links",
    "order_reference_nouns",
    "opening_words",
    "purchase_pronouns",
    "purchase_adverbs",
    "title_feature_words",
    "stem_suffixes",
    "unstemmed_words",
    "simultaneous_words",
)
_MAPPINGS = ("units", "unit_symbols", "shorthand", "number_words", "lemmas")
_TOPIC_REFS = (
    "helper_topics",
    "optional_topics",
    "supported_value_topics",
    "exclusive_value_topics",
    "listed_value_topics",
    "object_topics",
    "dimension_topics",
    "part_sensitive_topics",
    "dimension_fact_topics",
)
# The helper topics of "how long is" (a length or a duration) and of "how long
# does" (a duration): the code needs them.
DURATION_TOPIC = "howlong"
TIME_TOPIC = "duration"
# The helper topic of "how many": any number on the page is evidence of it.
COUNT_TOPIC = "count"
_SECTIONS = frozenset(
    {"topics", "synonyms", "length_question_topic", *_WORD_LISTS, *_MAPPINGS}
)


@dataclass(frozen=True, eq=False)  # hashed by identity: load_lexicon caches it
class Lexicon:
    """The validated content of lexicon.yml (words in lower case)."""

    topics: Mapping[str, Mapping[str, tuple[str, ...]]]  # topic -> role -> phrases
    helper_topics: frozenset[str]
    optional_topics: frozenset[str]
    supported_value_topics: frozenset[str]
    exclusive_value_topics: frozenset[str]
    listed_value_topics: frozenset[str]
    object_topics: frozenset[str]
    object_words: frozenset[str]
    dimension_topics: frozenset[str]
    part_sensitive_topics: frozenset[str]
    page_ignored_words: frozenset[str]
    length_question_topic: str
    units: Mapping[str, str]
    length_units: frozenset[str]
    unit_symbols: Mapping[str, str]
    synonyms: tuple[tuple[str, ...], ...]
    noise_phrases: tuple[str, ...]
    purchase_verbs: tuple[str, ...]
    generic_words: frozenset[str]
    soft_words: frozenset[str]
    kept_stop_words: frozenset[str]
    condition_words: frozenset[str]
    determiners: frozenset[str]
    buyer_words: frozenset[str]
    buyer_modifiers: frozenset[str]
    prepositions: frozenset[str]
    part_links: frozenset[str]
    question_words: frozenset[str]
    statement_starts: tuple[str, ...]
    shorthand: Mapping[str, str]
    number_words: Mapping[str, str]
    lemmas: Mapping[str, str]  # the lemmatizer's mistakes: "left" is no "leave"
    order_words: frozenset[str]
    order_phrases: tuple[str, ...]
    availability_phrases: tuple[str, ...]
    product_phrases: tuple[str, ...]
    dimension_fact_topics: frozenset[str]
    dimension_separators: frozenset[str]
    purchase_determiners: tuple[str, ...]  # in order: they make a regex
    purchase_relatives: tuple[str, ...]
    order_reference_links: tuple[str, ...]  # "from" in "from my order 112-..."
    order_reference_nouns: tuple[str, ...]  # "order number" in "order number 112-..."
    opening_words: frozenset[str]  # "wait", "oh", "and" before a question
    purchase_pronouns: tuple[str, ...]
    purchase_adverbs: tuple[str, ...]
    title_feature_words: tuple[str, ...]
    stem_suffixes: tuple[str, ...]  # in order: the first that fits is cut
    unstemmed_words: frozenset[str]  # "shower" is no "show", "lighter" no "light"
    simultaneous_words: frozenset[str]  # "while", "during": use at the same time


def _bad(origin: str, where: str, problem: str) -> LexiconError:
    return LexiconError(f"{origin}: {where}: {problem}")


def _word(origin: str, where: str, value: Any) -> str:
    if isinstance(value, bool):
        raise _bad(
            origin,
            where,
            f"{value!r} is not a word: YAML reads yes/no/on/off as true/false, "
            "put the word in quotes",
        )
    if not isinstance(value, (str, int, float)) or not str(value).strip():
        raise _bad(origin, where, f"expected a non-empty word or phrase, got {value!r}")
    text = str(value).strip()
    if text != text.lower():
        raise _bad(origin, where, f"{text!r} must be written in lower case")
    return SPACE_RE.sub(" ", text)


def _words(origin: str, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _bad(origin, where, f"expected a list of words, got {value!r}")
    return tuple(_word(origin, f"{where}[{i}]", v) for i, v in enumerate(value))


def _mapping(origin: str, where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _bad(origin, where, f"expected 'word: meaning' lines, got {value!r}")
    return {
        _word(origin, f"{where} (key {k!r})", k): _word(origin, f"{where}.{k}", v)
        for k, v in value.items()
    }


def validate_lexicon(doc: Any, origin: str = "lexicon.yml") -> Lexicon:
    """The Lexicon of a parsed lexicon file, or LexiconError naming the bad entry."""
    if not isinstance(doc, dict):
        raise _bad(origin, "top level", "expected sections such as 'topics:'")
    unknown = sorted(str(k) for k in doc if k not in _SECTIONS)
    if unknown:
        raise _bad(origin, unknown[0], "unknown section (misspelt?)")
    missing = sorted(_SECTIONS - set(doc))
    if missing:
        raise _bad(origin, missing[0], "section missing")

    raw_topics = doc["topics"]
    if not isinstance(raw_topics, dict) or not raw_topics:
        raise _bad(origin, "topics", "expected one or more topics")
    topics: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, spec in raw_topics.items():
        where = f"topics.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise _bad(origin, where, "a topic name is one lower-case word (a-z, _)")
        if not isinstance(spec, dict) or not spec:
            raise _bad(origin, where, f"expected lists such as 'words:', got {spec!r}")
        roles: dict[str, tuple[str, ...]] = {}
        for role, value in spec.items():
            if role not in TOPIC_ROLES:
                raise _bad(
                    origin,
                    f"{where}.{role}",
                    f"unknown list; use one of {', '.join(TOPIC_ROLES)}",
                )
            roles[role] = _words(origin, f"{where}.{role}", value)
        topics[name] = roles

    for needed in (DURATION_TOPIC, TIME_TOPIC, COUNT_TOPIC):
        if needed not in topics:
            raise _bad(origin, f"topics.{needed}", "missing; the matcher needs it")
    lists = {key: _words(origin, key, doc[key]) for key in _WORD_LISTS}
    maps = {key: _mapping(origin, key, doc[key]) for key in _MAPPINGS}
    for key in _TOPIC_REFS:
        for i, topic in enumerate(lists[key]):
            if topic not in topics:
                raise _bad(origin, f"{key}[{i}]", f"no topic named {topic!r}")
    length_topic = _word(origin, "length_question_topic", doc["length_question_topic"])
    if length_topic not in topics:
        raise _bad(origin, "length_question_topic", f"no topic named {length_topic!r}")
    for unit, topic in maps["units"].items():
        if topic not in topics:
            raise _bad(origin, f"units.{unit}", f"no topic named {topic!r}")
    for i, unit in enumerate(lists["length_units"]):
        if unit not in maps["units"]:
            raise _bad(origin, f"length_units[{i}]", f"{unit!r} is not in units")
    for symbol, unit in maps["unit_symbols"].items():
        if unit not in maps["units"]:
            raise _bad(origin, f"unit_symbols.{symbol}", f"{unit!r} is not in units")
    for word, digits in maps["number_words"].items():
        if not digits.isdigit():
            raise _bad(origin, f"number_words.{word}", f"{digits!r} is not a number")

    raw_groups = doc["synonyms"]
    if not isinstance(raw_groups, list):
        raise _bad(origin, "synonyms", "expected a list of groups: - [word, word]")
    groups: list[tuple[str, ...]] = []
    seen: dict[str, int] = {}
    for i, group in enumerate(raw_groups):
        words = _words(origin, f"synonyms[{i}]", group)
        if len(words) < 2:
            raise _bad(origin, f"synonyms[{i}]", "a group needs two words or more")
        for j, word in enumerate(words):
            if re.search(r"[\s/-]", word):
                raise _bad(
                    origin,
                    f"synonyms[{i}][{j}]",
                    f"{word!r}: one word per entry (put phrases in a topic)",
                )
            if word in seen and seen[word] != i:
                raise _bad(
                    origin,
                    f"synonyms[{i}][{j}]",
                    f"{word!r} is already in synonyms[{seen[word]}]; merge the groups",
                )
            seen[word] = i
        groups.append(words)

    return Lexicon(
        topics=topics,
        helper_topics=frozenset(lists["helper_topics"]),
        optional_topics=frozenset(lists["optional_topics"]),
        supported_value_topics=frozenset(lists["supported_value_topics"]),
        exclusive_value_topics=frozenset(lists["exclusive_value_topics"]),
        listed_value_topics=frozenset(lists["listed_value_topics"]),
        object_topics=frozenset(lists["object_topics"]),
        object_words=frozenset(lists["object_words"]),
        dimension_topics=frozenset(lists["dimension_topics"]),
        part_sensitive_topics=frozenset(lists["part_sensitive_topics"]),
        page_ignored_words=frozenset(lists["page_ignored_words"]),
        length_question_topic=length_topic,
        units=maps["units"],
        length_units=frozenset(lists["length_units"]),
        unit_symbols=maps["unit_symbols"],
        synonyms=tuple(groups),
        noise_phrases=lists["noise_phrases"],
        purchase_verbs=lists["purchase_verbs"],
        generic_words=frozenset(lists["generic_words"]),
        soft_words=frozenset(lists["soft_words"]),
        kept_stop_words=frozenset(lists["kept_stop_words"]),
        condition_words=frozenset(lists["condition_words"]),
        determiners=frozenset(lists["determiners"]),
        buyer_words=frozenset(lists["buyer_words"]),
        buyer_modifiers=frozenset(lists["buyer_modifiers"]),
        prepositions=frozenset(lists["prepositions"]),
        part_links=frozenset(lists["part_links"]),
        question_words=frozenset(lists["question_words"]),
        statement_starts=lists["statement_starts"],
        shorthand=maps["shorthand"],
        number_words=maps["number_words"],
        lemmas=maps["lemmas"],
        order_words=frozenset(lists["order_words"]),
        order_phrases=lists["order_phrases"],
        availability_phrases=lists["availability_phrases"],
        product_phrases=lists["product_phrases"],
        dimension_fact_topics=frozenset(lists["dimension_fact_topics"]),
        dimension_separators=frozenset(lists["dimension_separators"]),
        purchase_determiners=lists["purchase_determiners"],
        purchase_relatives=lists["purchase_relatives"],
        order_reference_links=lists["order_reference_links"],
        order_reference_nouns=lists["order_reference_nouns"],
        opening_words=frozenset(lists["opening_words"]),
        purchase_pronouns=lists["purchase_pronouns"],
        purchase_adverbs=lists["purchase_adverbs"],
        title_feature_words=lists["title_feature_words"],
        stem_suffixes=lists["stem_suffixes"],
        unstemmed_words=frozenset(lists["unstemmed_words"]),
        simultaneous_words=frozenset(lists["simultaneous_words"]),
    )


@lru_cache(maxsize=8)
def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The lexicon file (LEXICON_PATH by default), read and validated once."""
    file = Path(path) if path is not None else LEXICON_PATH
    try:
        # libyaml's loader when available: the same document, ten times faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise LexiconError(f"{file}: cannot read the lexicon: {exc}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{file.name}: not valid YAML: {exc}") from None
    return validate_lexicon(doc, file.name)


_WORDS = re.compile(r"[a-z0-9]+")


def asks_something(text: str) -> bool:
    """The message asks something ("what's the warranty", "wait, can I microwave
    it"), rather than describing an order ("the one from last week?", "i dont
    know"): its first word past the lexicon's `opening_words` is a question
    word (the text normalised as the matcher does, apostrophes dropped: "what’s"
    is "whats")."""
    lex = load_lexicon()
    words = _WORDS.findall(normalise(text).lower().replace("'", ""))
    first = next((w for w in words if w not in lex.opening_words), "")
    return first in lex.question_words
