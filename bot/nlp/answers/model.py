"""The matcher's data: a token, a question term, a fact of the page, an
analysed page, and the lexicon lemmatised with one pipeline (`Index`)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.nlp.answers.lexicon import Lexicon

# Evidence of a topic on the page: a value or a hint (weak), page wording
# (strong), or one of the topic's own words (strong, and named: it wins ties).
WEAK, STRONG, NAMED = 0, 1, 2


@dataclass(frozen=True)
class Tok:
    text: str
    lemma: str
    is_stop: bool
    is_num: bool
    # "condition": in a condition clause ("when the water boils"); "aside": a
    # purpose or the buyer's things ("to see the food", "in my tent").
    context: str = ""
    product: bool = False  # names the product ("the pan I ordered")
    subject: bool = False  # names a part ("the motor"), not a property
    other: bool = False  # the buyer's other item of the same kind ("my other dryer")
    alternative: int = 0  # a side of "X or Y" (1, 2, ...), 0 when none


@dataclass(frozen=True)
class Index:
    """The lexicon, lemmatised with one pipeline."""

    lex: Lexicon
    ask_phrases: dict[tuple[str, ...], tuple[frozenset[str], str, bool]]
    page_phrases: dict[tuple[str, ...], dict[str, int]]  # topic -> WEAK..NAMED
    max_phrase: int
    trigger_words: frozenset[str]
    known_words: frozenset[str]
    norm: dict[str, str]
    synonym_of: dict[str, str]  # stem -> group key
    noise: frozenset[tuple[str, ...]]
    max_noise: int
    product_phrases: frozenset[tuple[str, ...]]
    purchase_re: re.Pattern[str]
    order_reference_re: re.Pattern[str]  # an order number and the words leading to it
    title_features_re: re.Pattern[str]
    # The pages analysed with this index, by (asin, content hash).
    pages: OrderedDict[tuple[str, str], Page] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    pages_lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False
    )


@dataclass(frozen=True)
class Fact:
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
    surface: frozenset[str] = frozenset()  # its words as written (spelling)


@dataclass(frozen=True)
class Page:
    facts: tuple[Fact, ...]
    words: frozenset[str]  # every key of every fact (spelling, parts it knows)
    product_words: tuple[str, ...]  # stems naming the product: ("fry", "pan")
    # The brand and model of the title ("Brevik", "Air5"): words no dictionary
    # or lexicon knows, before the title's feature list. They name the product.
    brand_words: frozenset[str] = frozenset()
    # Stems (and synonym groups) of every word of the title's name, before its
    # feature list ("Voltara 20V Cordless Drill Driver Kit").
    name_words: frozenset[str] = frozenset()
    # The title's name as `text.chunks` ("|hearth|1.7|l|electric|kettle|"):
    # "the 1.7 l kettle" describes the product by its title's own words.
    name_chunks: str = ""
    # Every word of the page as written, for the spelling fallback.
    surface: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Term:
    key: str  # stem of the lemma (or the phrase)
    concepts: frozenset[str]
    kind: str  # "concept" | "value" | "word" | "number"
    weight: float
    alts: frozenset[str] = frozenset()  # stems of the lemma and of the word
    # A phrase's stems ("noise cancelling"): the fact uses the buyer's words
    # when it has them all.
    phrase: frozenset[str] = frozenset()
    product: bool = False  # names the product itself ("the kettle")
    literal: bool = False  # a topic term that also matches its own word
    aux: bool = False  # a helper topic ("how long", "come with")
    required: bool = False  # the fact must carry it (the question's focus)
    free: bool = False  # missing it costs nothing (the product, an aside)
    soft: bool = False  # a word that helps but says little ("safe", "max")
    # The buyer's other item of the product's kind ("fit my other DRYER"): the
    # title, which names this product, does not answer for it.
    other: bool = False
    # A side of "X or Y" ("does it run small or big", "strip cut or cross
    # cut"), 0 when none: a fact needs every word of one side, not both.
    alternative: int = 0
    # The focus comes from a "while" condition ("can I use it WHILE IT
    # CHARGES"): the buyer asks whether it works then, which a bare value
    # ("charging time: 2 hours") never says.
    condition: bool = False
    # The focus is a part the buyer names ("is THE STRAW dishwasher safe", "is
    # THE PAN from my order..."): a fact about something else never answers it.
    part: bool = False
