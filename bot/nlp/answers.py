"""Answer a buyer's product question from the product detail data.

The seed: "CSBA will try to answer a customer inquiry based on information
available on the product detail page. If we cannot solve a customer's inquiry,
we will send a message to your account via Case Log." So this module either
quotes one fact from the page (an attribute, a bullet, a description sentence or
the title) or returns None, and the policy opens a case for the seller. A wrong
confident answer is worse than a case, so the matcher never guesses: it finds
what the question is about (its FOCUS) first, and answers only from a fact that
covers that focus (issue 12, item 4).

1. The question is normalised (HTML, entities, curly quotes, length); order
   numbers, greetings and filler ("hi", "pls", "thanks in advance") are noise,
   and the product the buyer names ("the kettle", "the pan I ordered") is not
   the focus. A clause about the order ("also when will it arrive") is left to
   the policy; beside a question, the other clauses are asides ("how many feet
   is the cord? MY OUTLET IS FAR"). The rest goes through the offline spaCy
   pipeline (tokenizer + lookup lemmatizer).
2. Phrases and words of the lexicon's *topics* ("wattage", "how heavy", "made
   of", "dishwasher safe") become topic terms; the remaining content words
   become word terms. Words after a condition word ("does it whistle WHEN THE
   WATER BOILS") are context, not focus; so is a part named after a topic ("the
   warranty ON THE MOTOR"), unless the topic is a measure ("how wide is the
   BACKREST") or the page never names the part. An unknown word one or two edits
   away from a word of the page or the lexicon is corrected ("waranty"), and two
   words that make one word of the page are joined ("non stick").
3. Every fact of the page is analysed the same way, once per product content;
   the longest lexicon phrase wins ("max weight capacity" is no weight), units
   after a number are topic evidence ("1500 W" is power, "75 cm" a size) and
   "A x B x C cm" gives a length, a width and a height.
4. A fact answers only when it carries every topic of the question and every
   focus word (literally, by lemma or stem, or through a synonym group), and
   covers enough of the remaining weighted terms. A question whose focus is
   absent from the page gets None, however many other words overlap. The best
   fact wins; attributes whose *name* carries the focus win ties; the title is
   only a last resort. The score is the covered share (MIN_SCORE..1).

The vocabulary (topics, units, synonyms, noise, stop words) is data, in
`bot/nlp/lexicon.yml`, read once and validated (`load_lexicon`).

Questions about the order rather than the product (returns, refunds, shipping,
delivery, cancellation, invoices, prices) are never answered from the page: the
routing policy owns them.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.domain.model import Product, ProductAnswer

__all__ = [
    "answer_product_question",
    "load_lexicon",
    "Lexicon",
    "LexiconError",
    "LEXICON_PATH",
    "MIN_SCORE",
]

# The vocabulary file (see its header for how to extend it).
LEXICON_PATH = Path(__file__).resolve().with_name("lexicon.yml")

# A fact must cover at least this share of the question's weighted terms.
MIN_SCORE = 0.65
# Longer messages are cut: product questions are short; this bounds the cost.
MAX_QUESTION_CHARS = 400
# The title repeats half the page; it answers only when nothing else does.
TITLE_FACTOR = 0.9
# Bonus when the attribute's name carries a topic or word of the question.
NAME_BONUS = 0.1
# Bonus per term matched by the buyer's own word rather than by a synonym.
LITERAL_BONUS = 0.02
# Weights of the question's terms.
WORD_WEIGHT = 1.0
PRODUCT_WORD_WEIGHT = 0.5  # the product itself ("the kettle"): only helps
NUMBER_WEIGHT = 0.5
AUX_WEIGHT = 0.8  # "how long": needed, but not the topic
OPTIONAL_WEIGHT = 0.5  # "come with": helps, a fact may lack it
# Words that help but never block: asides ("to see the food", "in my tent"),
# soft words ("microwave SAFE") and, after a topic, parts ("the motor"). Words
# of a condition ("when the water boils") never block either, but weigh fully.
SECONDARY_WEIGHT = 0.5

# Order numbers, with or without dashes ("112-1234567-1234567", "#1121234567...").
_ORDER_NUMBER_RE = re.compile(r"#?(?<![\d-])\d{3}[-\s]?\d{7}[-\s]?\d{7}(?![\d-])")
# Clause boundaries of a question: punctuation followed by a space or the end,
# brackets and spaced dashes ("1.7" and "USB-C" are not boundaries).
_CLAUSE_RE = re.compile(r"[,;:?!]+(?=\s|$)|\.+(?=\s|$)|[()\[\]]|\s[-–—]+\s|\n")
# A unit glued to a number ("1500W", "1.7L").
_UNIT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]+)$")
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_SPACE_RE = re.compile(r"\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n+")
# Where a title stops naming the product and starts listing features.
_TITLE_FEATURES_RE = re.compile(
    r"\s+(?:with|for|and|in|by|w/)\s+|[,(|\[–—:]|\s-\s", re.IGNORECASE
)
_SUFFIXES = (
    "ically",
    "ation",
    "ally",
    "ably",
    "ibly",
    "able",
    "ible",
    "ment",
    "ness",
    "ated",
    "ates",
    "ate",
    "ing",
    "ed",
    "er",
    "ly",
    "ic",
    "es",
    "s",
    "e",
)


# --------------------------------------------------------------------------- #
# The lexicon file: loading and validation
# --------------------------------------------------------------------------- #


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
    "prepositions",
    "part_links",
    "question_words",
    "order_words",
    "product_phrases",
)
_MAPPINGS = ("units", "unit_symbols", "shorthand", "number_words")
# Evidence of a topic on the page: a value or a hint (weak), page wording
# (strong), or one of the topic's own words (strong, and named: it wins ties).
_WEAK, _STRONG, _NAMED = 0, 1, 2
_ROLE_STRENGTH = {"name": _NAMED, "page": _STRONG, "value": _WEAK, "hint": _WEAK}
_TOPIC_REFS = (
    "helper_topics",
    "optional_topics",
    "supported_value_topics",
    "exclusive_value_topics",
    "dimension_topics",
    "part_sensitive_topics",
)
# The helper topics of "how long is" (a length or a duration) and of "how long
# does" (a duration): the code needs them.
DURATION_TOPIC = "howlong"
TIME_TOPIC = "duration"
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
    prepositions: frozenset[str]
    part_links: frozenset[str]
    question_words: frozenset[str]
    shorthand: Mapping[str, str]
    number_words: Mapping[str, str]
    order_words: frozenset[str]
    product_phrases: tuple[str, ...]


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
    return _SPACE_RE.sub(" ", text)


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

    for needed in (DURATION_TOPIC, TIME_TOPIC):
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
        prepositions=frozenset(lists["prepositions"]),
        part_links=frozenset(lists["part_links"]),
        question_words=frozenset(lists["question_words"]),
        shorthand=maps["shorthand"],
        number_words=maps["number_words"],
        order_words=frozenset(lists["order_words"]),
        product_phrases=lists["product_phrases"],
    )


@lru_cache(maxsize=8)
def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The lexicon file (LEXICON_PATH by default), read and validated once."""
    file = Path(path) if path is not None else LEXICON_PATH
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(f"{file}: cannot read the lexicon: {exc}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{file.name}: not valid YAML: {exc}") from None
    return validate_lexicon(doc, file.name)


# --------------------------------------------------------------------------- #
# Data structures
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Term:
    key: str  # stem of the lemma (or the phrase)
    concepts: frozenset[str]
    kind: str  # "concept" | "value" | "word" | "number"
    weight: float
    alts: frozenset[str] = frozenset()  # stems of the lemma and of the word
    product: bool = False  # names the product itself ("the kettle")
    literal: bool = False  # a topic term that also matches its own word
    aux: bool = False  # a helper topic ("how long", "come with")
    required: bool = False  # the fact must carry it (the question's focus)
    free: bool = False  # missing it costs nothing (the product, an aside)
    soft: bool = False  # a word that helps but says little ("safe", "max")


@dataclass(frozen=True)
class _Fact:
    source: str
    text: str
    keys: frozenset[str]  # stems of the fact's content lemmas (and synonym groups)
    strong: frozenset[str]  # topics with strong evidence
    weak: frozenset[str]  # topics with weak evidence (a single colour name)
    named: frozenset[str]  # topics named by one of their own words
    name_keys: frozenset[str]  # stems of the attribute's name
    name_topics: frozenset[str]  # topics of the attribute's name
    is_title: bool
    length: int


@dataclass(frozen=True)
class _Page:
    facts: tuple[_Fact, ...]
    words: frozenset[str]  # every key of every fact (spelling, parts it knows)
    product_words: tuple[str, ...]  # stems naming the product: ("fry", "pan")


@dataclass(frozen=True)
class _Tok:
    text: str
    lemma: str
    is_stop: bool
    is_num: bool
    # "condition": in a condition clause ("when the water boils"); "aside": a
    # purpose or the buyer's things ("to see the food", "in my tent").
    context: str = ""
    product: bool = False  # names the product ("the pan I ordered")
    subject: bool = False  # names a part ("the motor"), not a property


@dataclass(frozen=True)
class _Index:
    """The lexicon, lemmatised with one pipeline."""

    lex: Lexicon
    ask_phrases: dict[tuple[str, ...], tuple[frozenset[str], str, bool]]
    page_phrases: dict[tuple[str, ...], dict[str, int]]  # topic -> _WEAK.._NAMED
    max_phrase: int
    trigger_words: frozenset[str]
    known_words: frozenset[str]
    norm: dict[str, str]
    synonym_of: dict[str, str]  # stem -> group key
    noise: frozenset[tuple[str, ...]]
    max_noise: int
    product_phrases: frozenset[tuple[str, ...]]
    purchase_re: re.Pattern[str]
    # The pages analysed with this index, by (asin, content hash).
    pages: OrderedDict[tuple[str, str], _Page] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    pages_lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False
    )


# --------------------------------------------------------------------------- #
# Text helpers
# --------------------------------------------------------------------------- #


def _stem(lemma: str) -> str:
    """A light suffix stripper on top of the lemma, so that "adjustable" meets
    "adjust", "automatically" meets "automatic" and "charger" meets "charging"."""
    word = lemma
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def _normalise(text: str, limit: int | None = None) -> str:
    text = unicodedata.normalize("NFKC", text)
    if limit is not None:
        text = text[: limit * 2]
    text = html.unescape(_TAG_RE.sub(" ", text))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = text.replace("“", '"').replace("”", '"')
    text = _SPACE_RE.sub(" ", text).strip()
    if limit is not None:
        text = text[:limit]
    return text


def _split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
                and prev2
            ):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# --------------------------------------------------------------------------- #
# Pipeline and lexicon index (built once per pipeline)
# --------------------------------------------------------------------------- #


def _load_lookup_words() -> tuple[frozenset[str], dict[str, str]]:
    """English words known to spacy-lookups-data (for the spelling fallback) and
    its spelling normalisation table ("colour" -> "color")."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - the dependency is pinned
        return frozenset(), {}

    data = Path(spacy_lookups_data.__file__).parent / "data"
    words: set[str] = set()
    norm: dict[str, str] = {}
    try:
        with gzip.open(data / "en_lemma_index.json.gz") as fh:
            for entries in json.load(fh).values():
                words.update(w for w in entries if "_" not in w)
        with gzip.open(data / "en_lemma_lookup.json.gz") as fh:
            words.update(json.load(fh))
        with gzip.open(data / "en_lexeme_norm.json.gz") as fh:
            norm = {k: v for k, v in json.load(fh).items() if k.islower()}
    except (OSError, ValueError):  # pragma: no cover - broken install
        return frozenset(words), norm
    words.update(norm)
    return frozenset(words), norm


@lru_cache(maxsize=4)
def _index(nlp: Any, lex: Lexicon) -> _Index:
    from spacy.lang.en.stop_words import STOP_WORDS

    known, norm = _load_lookup_words()
    ask: dict[tuple[str, ...], tuple[set[str], str, bool]] = {}
    page: dict[tuple[str, ...], dict[str, int]] = {}
    triggers: set[str] = set()
    ignored = {tuple(_lemmas_of(nlp, lex, norm, w)) for w in lex.page_ignored_words}

    for concept, spec in lex.topics.items():
        for role_name, entries in spec.items():
            role = TOPIC_ROLES[role_name]
            for raw in entries:
                phrase = tuple(_lemmas_of(nlp, lex, norm, raw))
                if not phrase:
                    continue
                triggers.update(p for p in phrase if len(p) > 2)
                if role in ("name", "value", "ask", "also"):
                    kind = "value" if role == "value" else "concept"
                    concepts, old_kind, literal = ask.get(phrase, (set(), kind, False))
                    concepts.add(concept)
                    kind = "concept" if "concept" in (old_kind, kind) else kind
                    ask[phrase] = (concepts, kind, literal or role == "also")
                if role in ("name", "value", "page", "hint") and phrase not in ignored:
                    strength = page.setdefault(phrase, {})
                    level = _ROLE_STRENGTH[role]
                    strength[concept] = max(strength.get(concept, _WEAK), level)

    synonym_of: dict[str, str] = {}
    for group in lex.synonyms:
        key = "~" + group[0]
        for word in group:
            for lemma in _lemmas_of(nlp, lex, norm, word):
                synonym_of[_stem(lemma)] = key
            synonym_of[_stem(word)] = key

    noise = {tuple(_lemmas_of(nlp, lex, norm, p)) for p in lex.noise_phrases}
    noise.discard(())
    verbs = "|".join(re.escape(v) for v in sorted(lex.purchase_verbs, key=len)[::-1])
    # "the kettle I got", "this pan we just ordered": group 1 names the product.
    purchase_re = re.compile(
        r"\b(?:the|this|that|my|these|those|your)\s+((?:[a-z0-9'-]+\s+){0,3}?"
        r"[a-z0-9'-]+)\s+(?:that\s+|which\s+)?(?:i|we)\s+(?:just\s+|recently\s+|"
        rf"have\s+|had\s+|already\s+)?(?:{verbs})\b"
    )
    return _Index(
        lex=lex,
        ask_phrases={k: (frozenset(v[0]), v[1], v[2]) for k, v in ask.items()},
        page_phrases=page,
        max_phrase=max(len(k) for k in list(ask) + list(page)),
        trigger_words=frozenset(triggers),
        known_words=known | frozenset(STOP_WORDS),
        norm=norm,
        synonym_of=synonym_of,
        noise=frozenset(noise),
        max_noise=max((len(n) for n in noise), default=0),
        product_phrases=frozenset(
            tuple(_lemmas_of(nlp, lex, norm, p)) for p in lex.product_phrases
        ),
        purchase_re=purchase_re,
    )


def _lemmas_of(nlp: Any, lex: Lexicon, norm: dict[str, str], text: str) -> list[str]:
    return [tok.lemma for tok in _tokens(nlp, lex, norm, text)]


def _tokens(nlp: Any, lex: Lexicon, norm: dict[str, str], text: str) -> list[_Tok]:
    """Lowercased content-bearing tokens (punctuation and symbols dropped)."""
    out: list[_Tok] = []
    text = " ".join(lex.shorthand.get(w, w) for w in text.lower().split())
    if lex.unit_symbols:
        text = _unit_symbols_re(tuple(lex.unit_symbols)).sub(
            lambda m: f"{m.group(1)} {lex.unit_symbols[m.group(2)]} ", text
        )
    for tok in nlp(text):
        t = tok.text
        if not any(ch.isalnum() for ch in t):
            continue
        lemma = tok.lemma_.lower() or t
        if lemma == "have" and t in ("'s", "s"):
            lemma = "be"  # the lookup table reads "what's" as "what has"
        if t == "n't":
            lemma = "not"
        if (len(t) == 1 and t.isalpha() and t != "s") or (
            t.isalpha() and not lemma.isalpha()
        ):
            lemma = t  # "2 m" (metres) is no "be", "second" no "2"
        lemma = norm.get(lemma, lemma)
        number = lex.number_words.get(t)
        if number is not None:
            out.append(_Tok(number, number, False, True))
            continue
        out.append(_Tok(t, lemma, bool(tok.is_stop), bool(tok.like_num)))
    return out


@lru_cache(maxsize=8)
def _unit_symbols_re(symbols: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(s) for s in sorted(symbols, key=len)[::-1])
    return re.compile(rf"(\d)\s?({alternatives})")


# --------------------------------------------------------------------------- #
# Facts of a product (cached per content)
# --------------------------------------------------------------------------- #


def _fact_features(
    idx: _Index, toks: Sequence[_Tok]
) -> tuple[set[str], set[str], set[str], set[str]]:
    lex = idx.lex
    keys: set[str] = set()
    strong: set[str] = set()
    weak: set[str] = set()
    named: set[str] = set()
    lemmas = [t.lemma for t in toks]
    colour_names = 0
    covered = 0  # tokens up to here belong to a longer phrase already read
    length_unit = dimensions = False
    for i, tok in enumerate(toks):
        if (
            tok.text in ("x", "×")
            and 0 < i < len(toks) - 1
            and any(t.is_num for t in toks[max(0, i - 3) : i])
            and (toks[i + 1].is_num or _UNIT_RE.match(toks[i + 1].text))
        ):
            dimensions = True  # "15 x 7 x 2.8 cm"
        if not tok.is_stop or tok.lemma in lex.kept_stop_words:
            for key in (_stem(tok.lemma), _stem(tok.text)):
                keys.add(key)
                group = idx.synonym_of.get(key)
                if group:
                    keys.add(group)
        m = _UNIT_RE.match(tok.text)
        unit = None
        if m and m.group(2) in lex.units:
            unit = m.group(2)
        elif tok.text in lex.units and i > 0 and toks[i - 1].is_num:
            unit = tok.text
        if unit is not None:
            strong.add(lex.units[unit])
            if unit in lex.length_units:
                # "30 inches" answers "how long is the cord"; and "what is the
                # inseam length" when the inseam is there too.
                strong.add(DURATION_TOPIC)
                weak.add(lex.length_question_topic)
                length_unit = True
        # The longest phrase wins: "max weight capacity" is no weight, "power
        # cord" no power.
        for n in range(min(idx.max_phrase, len(lemmas) - i), 0, -1):
            if i < covered:
                break
            hit = idx.page_phrases.get(tuple(lemmas[i : i + n]))
            if hit is None:
                continue
            covered = i + n
            for concept, level in hit.items():
                if concept in lex.supported_value_topics and n == 1:
                    singular = not tok.text.endswith("s")
                    if singular and tok.text in _topic_names(lex, concept):
                        level = _WEAK  # "a colour gift box" names no colour
                    elif level == _WEAK:
                        colour_names += 1
                if level == _NAMED:
                    named.add(concept)
                (strong if level >= _STRONG else weak).add(concept)
            break
    measures = lex.dimension_topics | {"size", lex.length_question_topic}
    if dimensions and length_unit and not named - measures:
        # "size: 60 x 80 x 10 inches" gives a length, a width and a height; a
        # "VESA: 100 x 100 mm" pattern does not.
        strong |= lex.dimension_topics
    if colour_names >= 2:  # "Black, Ocean Blue, Coral Red": a list of colours
        strong |= lex.supported_value_topics
    return keys, strong, weak - strong, named


@lru_cache(maxsize=64)
def _topic_names(lex: Lexicon, topic: str) -> frozenset[str]:
    return frozenset(lex.topics[topic].get("words", ()))


def _fact(
    idx: _Index, nlp: Any, source: str, text: str, name: str = "", title=False
) -> _Fact:
    toks = _tokens(nlp, idx.lex, idx.norm, text)
    keys, strong, weak, named = _fact_features(idx, toks)
    name_keys: set[str] = set()
    name_topics: set[str] = set()
    if name:
        name_toks = _tokens(nlp, idx.lex, idx.norm, name)
        n_keys, n_strong, n_weak, n_named = _fact_features(idx, name_toks)
        keys |= n_keys
        strong |= n_strong | n_weak  # a topic in the name is strong evidence
        weak -= strong
        named |= n_named
        name_keys = n_keys
        name_topics = n_strong | n_weak
    return _Fact(
        source=source,
        text=text,
        keys=frozenset(keys),
        strong=frozenset(strong),
        weak=frozenset(weak),
        named=frozenset(named),
        name_keys=frozenset(name_keys),
        name_topics=frozenset(name_topics),
        is_title=title,
        length=len(toks),
    )


def _product_key(product: Product) -> tuple[str, str]:
    blob = json.dumps(
        [
            product.title,
            list(product.bullets),
            product.description,
            sorted((str(k), str(v)) for k, v in dict(product.attributes).items()),
        ],
        ensure_ascii=False,
    )
    return product.asin, hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


_PAGE_CACHE_SIZE = 512  # analysed pages kept per index (pipeline + lexicon)


def _product_page(idx: _Index, nlp: Any, product: Product) -> _Page:
    key = _product_key(product)
    with idx.pages_lock:
        cached = idx.pages.get(key)
        if cached is not None:
            idx.pages.move_to_end(key)
            return cached
    facts: list[_Fact] = []
    for name, value in dict(product.attributes or {}).items():
        name_s, value_s = _normalise(str(name)), _normalise(str(value))
        if not name_s or not value_s:
            continue
        readable = name_s.replace("_", " ")
        facts.append(
            _fact(idx, nlp, f"attributes.{name}", f"{name_s}: {value_s}", readable)
        )
    for i, bullet in enumerate(product.bullets or ()):
        text = _normalise(str(bullet))
        if text:
            facts.append(_fact(idx, nlp, f"bullets[{i}]", text))
    for sentence in _split_sentences(_normalise_keep_lines(product.description or "")):
        facts.append(_fact(idx, nlp, "description", sentence))
    title = _normalise(product.title or "")
    if title:
        facts.append(_fact(idx, nlp, "title", title, title=True))
    page = _Page(
        facts=tuple(facts),
        words=frozenset().union(*(f.keys for f in facts)) if facts else frozenset(),
        product_words=_product_words(idx, nlp, title),
    )
    with idx.pages_lock:
        idx.pages[key] = page
        while len(idx.pages) > _PAGE_CACHE_SIZE:
            idx.pages.popitem(last=False)
    return page


def _product_words(idx: _Index, nlp: Any, title: str) -> tuple[str, ...]:
    """The stems of the title's last two words before its feature list: the
    product itself ("Ferro 28 cm Non-Stick Frying Pan with Lid" -> fry, pan)."""
    name = _TITLE_FEATURES_RE.split(title, maxsplit=1)[0]
    words = [
        _stem(t.lemma)
        for t in _tokens(nlp, idx.lex, idx.norm, name)
        if t.text.isalpha() and len(t.text) > 2 and t.text not in idx.lex.units
    ]
    return tuple(words[-2:])


def _normalise_keep_lines(text: str) -> str:
    return "\n".join(_normalise(line) for line in str(text).splitlines())


# --------------------------------------------------------------------------- #
# The question
# --------------------------------------------------------------------------- #


def _correct(word: str, vocabulary: Iterable[str]) -> str | None:
    """The single closest word of `vocabulary`, or None (ties are refused)."""
    limit = 1 if len(word) < 8 else 2
    best: list[str] = []
    best_d = limit + 1
    for cand in vocabulary:
        if abs(len(cand) - len(word)) > limit or cand[:1] != word[:1]:
            continue
        d = _edit_distance(word, cand, limit)
        if d < best_d:
            best, best_d = [cand], d
        elif d == best_d:
            best.append(cand)
    if best_d <= limit and len(set(best)) == 1:
        return best[0]
    return None


def _question_tokens(
    idx: _Index, nlp: Any, text: str, page: _Page
) -> list[list[_Tok]] | None:
    """The question's clauses as tokens, noise removed, each token marked as
    context or as naming the product; None when it is about the order."""
    lex = idx.lex
    text = _ORDER_NUMBER_RE.sub(" ", text.lower())
    owned: set[str] = set()  # "the kettle I got": the product, not the focus
    for m in idx.purchase_re.finditer(text):
        owned.update(_stem(t.lemma) for t in _tokens(nlp, lex, idx.norm, m.group(1)))
    # Clauses, and whether each asks something ("...?", "how ...", "is ...").
    clauses: list[tuple[list[_Tok], bool]] = []
    position = 0
    for boundary in [*_CLAUSE_RE.finditer(text), None]:
        stop = boundary.start() if boundary else len(text)
        toks = _drop_noise(idx, _tokens(nlp, lex, idx.norm, text[position:stop]))
        asks = bool(boundary and "?" in boundary.group()) or bool(
            toks and toks[0].text in lex.question_words
        )
        if toks:
            clauses.append((toks, asks))
        position = boundary.end() if boundary else len(text)
    # Spelling: an unknown word close to a word of the page or of the lexicon.
    vocabulary = page.words | idx.trigger_words
    fixed_clauses: list[tuple[list[_Tok], bool]] = []
    for toks, asks in clauses:
        fixed: list[_Tok] = []
        for tok in toks:
            word = tok.text
            if (
                len(word) >= 5
                and word.isalpha()
                and word not in idx.known_words
                and _stem(tok.lemma) not in page.words
                and tok.lemma not in idx.trigger_words
            ):
                better = _correct(word, vocabulary)
                if better:
                    fixed.extend(_tokens(nlp, lex, idx.norm, better))
                    continue
            fixed.append(tok)
        fixed = _join_compounds(nlp, idx, fixed, page)
        # A clause about the order ("also when will it arrive") is the
        # policy's; the rest of the message may still ask about the product.
        if not _about_the_order(idx, fixed):
            fixed_clauses.append((fixed, asks))
    if not fixed_clauses or len(fixed_clauses) < len(clauses):
        if not any(asks for _, asks in fixed_clauses):
            return None
    # With a question in the message, the other clauses are asides ("my
    # outlet is kinda far", "im 280 lbs", "hi, I ordered the queen").
    asking = any(asks for _, asks in fixed_clauses)
    out: list[list[_Tok]] = []
    head = page.product_words[-1:] if page.product_words else ()
    for toks, asks in fixed_clauses:
        marked: list[_Tok] = []
        context = ""
        aside = "aside" if asking and not asks else ""
        phrase = ""  # "subject" after "the", "buyer" after "my", until a stop word
        predicate = _predicate_position(lex, toks)
        for i, tok in enumerate(toks):
            if tok.text in lex.condition_words:
                context = "condition"
                phrase = ""
                continue
            before = toks[i - 1] if i else None
            if tok.text in lex.determiners:
                # "is the motor", "the warranty on the motor": a part that a
                # topic before it may be about; "from the crib": the focus.
                linked = before is not None and (
                    before.lemma == "be" or before.text in lex.part_links
                )
                phrase = "subject" if linked else ""
            elif tok.text in lex.buyer_words:
                after_preposition = before is not None and (
                    before.text in lex.prepositions
                )
                phrase = "buyer" if after_preposition else "mine"
            elif tok.is_stop and tok.lemma not in lex.kept_stop_words:
                phrase = ""
            stem = _stem(tok.lemma)
            product = stem in owned or (bool(head) and stem == head[0])
            product = product and phrase not in ("buyer", "mine")  # "my other dryer"
            if (
                not product
                and len(page.product_words) == 2
                and stem == page.product_words[0]
                and i + 1 < len(toks)
                and _stem(toks[i + 1].lemma) == page.product_words[1]
            ):
                product = True  # "frying" of "the frying pan"
            marked.append(
                _Tok(
                    tok.text,
                    tok.lemma,
                    tok.is_stop,
                    tok.is_num,
                    context=context or aside or ("aside" if phrase == "buyer" else ""),
                    product=product,
                    subject=phrase == "subject" and i != predicate,
                )
            )
        out.append(marked)
    return out


def _join_compounds(nlp: Any, idx: _Index, toks: list[_Tok], page: _Page) -> list[_Tok]:
    """ "non stick" is the page's "nonstick", "dish washer" its "dishwasher"."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        if i + 1 < len(toks) and toks[i].text.isalpha() and toks[i + 1].text.isalpha():
            joined = toks[i].text + toks[i + 1].text
            if _stem(joined) in page.words:
                out.extend(_tokens(nlp, idx.lex, idx.norm, joined))
                i += 2
                continue
        out.append(toks[i])
        i += 1
    return out


def _about_the_order(idx: _Index, toks: Sequence[_Tok]) -> bool:
    for i, tok in enumerate(toks):
        if tok.text in idx.lex.order_words or tok.lemma in idx.lex.order_words:
            pair = (toks[i - 1].lemma if i else "", tok.lemma)
            if pair not in idx.product_phrases:
                return True
    return False


def _predicate_position(lex: Lexicon, toks: Sequence[_Tok]) -> int:
    """In "is the glass lid shatterproof", the position of "shatterproof": the
    last word of a phrase after "is the", which says something about the rest
    (-1 when the clause is not built that way)."""
    if len(toks) < 4 or toks[0].lemma != "be" or toks[1].text not in lex.determiners:
        return -1
    end = 2
    while end < len(toks) and not (
        toks[end].is_stop and toks[end].lemma not in lex.kept_stop_words
    ):
        end += 1
    return end - 1 if end - 2 >= 2 else -1


def _drop_noise(idx: _Index, toks: list[_Tok]) -> list[_Tok]:
    if not idx.noise:
        return toks
    lemmas = [t.lemma for t in toks]
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        for n in range(min(idx.max_noise, len(toks) - i), 0, -1):
            if tuple(lemmas[i : i + n]) in idx.noise:
                i += n
                break
        else:
            out.append(toks[i])
            i += 1
    return out


def _question_terms(
    idx: _Index, nlp: Any, question: str, page: _Page
) -> list[_Term] | None:
    """The question's terms, each marked required or not, or None when it is
    not a product question."""
    lex = idx.lex
    clauses = _question_tokens(idx, nlp, question, page)
    if clauses is None:
        return None
    # (term, role): "topic", "helper", "number", or for words "focus", "soft",
    # "product", "subject", "condition", "aside".
    raw: list[tuple[_Term, str]] = []
    length_questions: set[int] = set()  # "how long is ..." terms
    for toks in clauses:
        lemmas = [t.lemma for t in toks]
        i = 0
        while i < len(toks):
            matched = False
            for n in range(min(idx.max_phrase, len(toks) - i), 0, -1):
                if any(t.product for t in toks[i : i + n]):
                    continue  # "the rain jacket" names the product, not the rain
                hit = idx.ask_phrases.get(tuple(lemmas[i : i + n]))
                if hit is None:
                    continue
                concepts, kind, literal = hit
                if n == 1 and toks[i].is_stop and lemmas[i] not in lex.kept_stop_words:
                    break  # a lone stop word ("with") is no topic
                aux = concepts <= lex.helper_topics
                optional = concepts <= lex.optional_topics
                alts = {_stem(lemmas[i]), _stem(toks[i].text)} if n == 1 else set()
                if DURATION_TOPIC in concepts:
                    if i + n < len(toks) and lemmas[i + n] == "be":
                        length_questions.add(len(raw))  # "how long is the mat"
                    else:  # "how long does it last": a duration, not a length
                        concepts = frozenset({TIME_TOPIC})
                weight = OPTIONAL_WEIGHT if optional else AUX_WEIGHT if aux else 1.0
                term = _Term(
                    key=_stem(lemmas[i]) if n == 1 else " ".join(lemmas[i : i + n]),
                    concepts=concepts,
                    kind=kind,
                    weight=weight,
                    alts=frozenset(alts | _groups(idx, alts)),
                    literal=literal,
                    aux=aux,
                    required=not optional,
                )
                in_aside = any(t.context == "aside" for t in toks[i : i + n])
                raw.append(
                    (term, "aside" if in_aside else "helper" if aux else "topic")
                )
                i += n
                matched = True
                break
            if matched:
                continue
            tok = toks[i]
            i += 1
            if (tok.is_stop and tok.lemma not in lex.kept_stop_words) or (
                tok.text in lex.generic_words or tok.lemma in lex.generic_words
            ):
                continue
            if (len(tok.text) < 2 or len(tok.lemma) < 2) and not tok.is_num:
                continue  # "hs" -> "h" would meet the "h" of "km/h"
            key = _stem(tok.lemma)
            alts = {key, _stem(tok.text)}
            alts |= _groups(idx, alts)
            if tok.is_num:
                term = _Term(key, frozenset(), "number", NUMBER_WEIGHT, frozenset(alts))
                raw.append((term, "number"))
                continue
            m = _UNIT_RE.match(tok.text)
            if m and m.group(2) in lex.units:
                concept = lex.units[m.group(2)]
                term = _Term(
                    key,
                    frozenset({concept}),
                    "value",
                    NUMBER_WEIGHT,
                    frozenset(alts),
                    required=True,
                )
                raw.append((term, "aside" if tok.context == "aside" else "topic"))
                continue
            if tok.product:
                role = "product"
            elif tok.text in lex.soft_words or tok.lemma in lex.soft_words:
                role = "soft"
            elif tok.context:
                role = tok.context
            elif tok.subject:
                role = "subject"
            else:
                role = "focus"
            term = _Term(
                key,
                frozenset(),
                "word",
                WORD_WEIGHT,
                frozenset(alts),
                product=role == "product",
            )
            raw.append((term, role))

    # The focus: the topics and the words of the main clause that do not name
    # the product. A part after "is the"/"of the" that follows a topic other
    # than a measure, and that the page knows, only helps ("what's the
    # warranty on the motor"); otherwise the part is the focus ("is the straw
    # dishwasher safe", "how wide is the backrest", "what's the wattage of the
    # kettle" asked of a USB hub). With no focus in the main clause, the
    # condition clause or the asides are the focus ("how long does it last
    # after opening").
    first_topic = next(
        (
            n
            for n, (t, role) in enumerate(raw)
            if role == "topic" and t.kind == "concept"
        ),
        len(raw),
    )
    main_focus = any(role in ("topic", "focus", "subject") for _, role in raw)
    measures_a_part = any(
        role == "topic" and t.concepts & lex.part_sensitive_topics for t, role in raw
    )
    terms: list[_Term] = []
    for n, (term, role) in enumerate(raw):
        secondary_part = (
            role == "subject"
            and n > first_topic
            and bool(term.alts & page.words)
            and not measures_a_part
        )
        if n in length_questions and not main_focus:
            # "how long is the mat": a length, not a duration.
            term = replace(
                term,
                concepts=frozenset({lex.length_question_topic}),
                aux=False,
                weight=WORD_WEIGHT,
                required=True,
            )
        elif role in ("topic", "helper", "number"):
            pass
        elif role == "focus" or (role == "subject" and not secondary_part):
            term = replace(term, required=True)
        elif role in ("condition", "aside") and not main_focus:
            term = replace(term, required=True)
        elif role == "aside":
            term = replace(term, required=False, free=True, weight=SECONDARY_WEIGHT)
        elif role == "product":
            term = replace(term, weight=PRODUCT_WORD_WEIGHT, free=True)
        elif role in ("soft", "subject"):
            term = replace(term, weight=SECONDARY_WEIGHT, soft=role == "soft")
        terms.append(term)
    # The same key twice ("batteries? battery") counts once.
    unique: dict[tuple[str, frozenset[str]], _Term] = {}
    for term in terms:
        old = unique.get((term.key, term.concepts))
        if old is None or (term.required and not old.required):
            unique[(term.key, term.concepts)] = term
    return list(unique.values())


def _groups(idx: _Index, stems: Iterable[str]) -> set[str]:
    return {idx.synonym_of[s] for s in stems if s in idx.synonym_of}


# --------------------------------------------------------------------------- #
# Scoring
# --------------------------------------------------------------------------- #


def _score(lex: Lexicon, terms: Sequence[_Term], fact: _Fact) -> tuple[float, float]:
    """(score, rank) of `fact` for the question's terms.

    0 when a required term (a topic, a focus word) is missing from the fact or
    the weighted share of the terms it carries is below MIN_SCORE; otherwise the
    share (times TITLE_FACTOR for the title). The rank adds bonuses (an
    attribute whose name matches, the buyer's own words) that order the facts
    that pass, and never let one through."""
    # Weak topic evidence (a single colour name in a bullet) needs a specific
    # word of the question in the same fact ("what color is the rain cover").
    supported = any(
        t.kind == "word" and not (t.product or t.soft or t.free) and t.alts & fact.keys
        for t in terms
    )
    # Another value of an exclusive topic ("wooden or silicone utensils")
    # answers "can I use metal utensils" through a focus word.
    focus_support = any(
        t.kind == "word" and t.required and t.alts & fact.keys for t in terms
    )
    matched_weight = 0.0
    total = 0.0
    literal_hits = 0
    named_hits = 0
    topical = False  # something other than "how long" / "included" matched
    focused = False  # a required term other than a helper matched
    for term in terms:
        literal = bool(term.alts & fact.keys)
        if term.kind == "concept":
            ok = (
                bool(term.concepts & fact.strong)
                or (bool(term.concepts & fact.weak) and supported)
                or (term.literal and literal)
            )
        elif term.kind == "value":
            # "is it blue?" is not answered by "Blue LED headlights."
            ok = (
                bool(term.concepts & fact.strong)
                or (
                    bool(term.concepts & fact.weak)
                    and focus_support
                    and term.concepts <= lex.exclusive_value_topics
                )
                or (
                    literal
                    and (supported or not term.concepts & lex.supported_value_topics)
                )
            )
        else:
            ok = literal
        literal_hits += ok and literal
        named_hits += ok and bool(term.concepts & fact.named)
        if ok:
            matched_weight += term.weight
            total += term.weight
            if not term.aux and term.kind != "number":
                topical = True
                focused = focused or term.required
        elif term.required:
            return 0.0, 0.0  # the focus is missing: never this fact
        elif not term.free:
            # The product's own name ("is the bottle ...") is implied by every
            # fact of its page, an aside ("my outlet is far") asks nothing:
            # missing them costs nothing.
            total += term.weight
    if total == 0 or not topical or not focused:
        return 0.0, 0.0
    score = matched_weight / total
    if score < MIN_SCORE:
        return 0.0, 0.0
    # The buyer's words beat a synonym, a topic's own word beats page wording
    # ("peak height" beats "dimensions" for "how tall").
    rank = score + LITERAL_BONUS * (literal_hits + named_hits)
    if fact.name_keys and any(
        (t.concepts & fact.name_topics) or (t.alts & fact.name_keys)
        for t in terms
        if not t.aux
    ):
        rank += NAME_BONUS
    if fact.is_title:
        score *= TITLE_FACTOR
    return score, rank


def answer_product_question(
    product: Product, question: str, *, nlp: Any = None
) -> ProductAnswer | None:
    """The fact of the product detail page that answers `question`, or None.

    `ProductAnswer.text` quotes the page (an attribute reads "<name>: <value>"),
    `source` says where it is ("attributes.<name>", "bullets[<i>]",
    "description", "title") and `score` in [0, 1] is how much of the question
    the fact covers. None means the page is silent on what the question asks
    (or the question is about the order, not the product): send the question to
    the seller.
    """
    if not isinstance(question, str):
        return None
    text = _normalise(question, MAX_QUESTION_CHARS)
    if not text:
        return None
    if nlp is None:
        from bot.nlp.pipeline import load

        nlp = load()
    lex = load_lexicon()
    idx = _index(nlp, lex)
    page = _product_page(idx, nlp, product)
    if not page.facts:
        return None
    terms = _question_terms(idx, nlp, text, page)
    if not terms or not any(t.required for t in terms):
        return None

    best: tuple[int, float, int, int] | None = None
    answer: ProductAnswer | None = None
    for order, fact in enumerate(page.facts):
        score, rank = _score(lex, terms, fact)
        if score <= 0.0:
            continue
        # The title only when nothing else answers; then the higher rank, the
        # shorter fact, and page order (attributes, bullets, description).
        key = (-int(fact.is_title), rank, -fact.length, -order)
        if best is None or key > best:
            best = key
            answer = ProductAnswer(
                asin=product.asin,
                text=fact.text,
                source=fact.source,
                score=round(min(max(score, 0.0), 1.0), 3),
            )
    return answer
