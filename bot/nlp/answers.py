"""Answer a buyer's product question from the product detail data.

The seed: "CSBA will try to answer a customer inquiry based on information
available on the product detail page. If we cannot solve a customer's inquiry,
we will send a message to your account via Case Log." So this module either
quotes one fact from the page (an attribute, a bullet, a description sentence or
the title) or returns None, and the policy opens a case for the seller. A wrong
confident answer is worse than a case, so the matcher is conservative:

1. The question is normalised (HTML, entities, curly quotes, length) and run
   through the offline spaCy pipeline (tokenizer + lookup lemmatizer).
2. Multi-word phrases of the synonym table ("made of", "how long", "come with",
   "water resistant") and single trigger words ("wattage", "batteries") become
   *concept* terms; the remaining content words become *word* terms (stop words,
   question words, pronouns and generic words such as "item" are dropped). An
   unknown word that is one or two edits away from a word of the page or of the
   synonym table is corrected ("waranty" -> "warranty").
3. Every fact of the page is analysed the same way, once per product content.
4. A fact answers when it carries every concept of the question (the key
   concept must be present: a warranty question is never answered by a
   material fact) and covers enough of the question's weighted terms. The best
   fact wins; attributes whose *name* carries the concept win ties; the title is
   only a last resort. The score is the covered share (MIN_SCORE..1).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.domain.model import Product, ProductAnswer

__all__ = ["answer_product_question", "MIN_SCORE"]

# A fact must cover at least this share of the question's weighted terms.
MIN_SCORE = 0.65
# Longer messages are cut: product questions are short; this bounds the cost.
MAX_QUESTION_CHARS = 400
# The title repeats half the page; it answers only when nothing else does.
TITLE_FACTOR = 0.9
# Bonus when the attribute's name carries a concept or word of the question.
NAME_BONUS = 0.1
# Bonus per term matched by the buyer's own word rather than by a synonym.
LITERAL_BONUS = 0.02
# Weights of the question's terms.
WORD_WEIGHT = 1.0
TITLE_WORD_WEIGHT = 0.5  # the question names the product itself ("the kettle")
NUMBER_WEIGHT = 0.5
AUX_WEIGHT = 0.8  # "how long", "come with": needed, but not the topic

# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #

# Concepts: synonyms that must match each other. Phrases are written naturally
# and lemmatised with the pipeline at first use, so "batteries" == "battery".
#   name:  the concept's own words; strong evidence on the page, a concept term
#          in the question;
#   value: values of the concept ("blue", "steel"); in a question they match the
#          same word or a page fact whose concept evidence is strong (an
#          attribute named "color"); on the page they are weak evidence;
#   ask:   question-only triggers ("how heavy", "hold");
#   also:  question-only triggers that match their own word on the page too
#          ("rain" is a waterproof question, and "rain cover" answers it);
#   page:  page-only triggers, strong ("hand wash" answers "dishwasher safe?");
#   hint:  page-only triggers, weak ("including iPhone" is no box contents).
CONCEPTS: dict[str, dict[str, str]] = {
    "dishwasher": {
        "name": "dishwasher | dishwasher safe | dish washer | dishwashable",
        "page": "hand wash | handwash | hand washing | top rack",
    },
    "care": {
        "name": "clean | cleaning | wash | washing | washable | care | wipe | rinse"
        " | descale | launder | machine wash | washing machine | dry clean"
        " | tumble dry | hang dry",
        "page": "dishwasher | dishwasher safe | hand wash | top rack",
    },
    "power": {
        "name": "wattage | watt | watts | power | powerful | output power",
        "ask": "how powerful",
    },
    "voltage": {
        "name": "voltage | volt | volts | dual voltage",
        "also": "europe | european | uk | britain | australia | japan | abroad"
        " | international | internationally | overseas",
    },
    "size": {
        "name": "size | sizes | sizing | dimension | dimensions | measurement"
        " | measurements | measure | big | length | width | height | depth | tall"
        " | wide | inch | inches | cm | mm | ft | feet | foot | centimeter"
        " | millimeter",
        "value": "xs | xl | xxl | xxxl | 2xl | 3xl | 4xl | petite | plus size",
        "ask": "how big | how large | how small | how tall | how wide",
        "page": "small | medium | large | size chart",
    },
    "fit": {
        "name": "true to size | run small | run large | run big | size up"
        " | size down | slim fit | regular fit | relaxed fit",
        "ask": "run true to size | fit true to size",
    },
    "weight": {
        "name": "weight | weigh | heavy | heaviness | lightweight | pound | pounds"
        " | lb | lbs | kg | kilogram | kilograms | gram | grams",
        "ask": "how heavy | how light",
    },
    "material": {
        "name": "material | materials | fabric | made of | made from | made out of"
        " | make of",
        "value": "steel | stainless | plastic | nylon | polyester | cotton"
        " | spandex | elastane | wood | wooden | bamboo | aluminum | aluminium"
        " | glass | silicone | leather | rubber | ceramic | metal | tritan | abs"
        " | acacia | wool | linen | polyurethane | copper | titanium"
        " | porcelain | cast iron",
    },
    "warranty": {"name": "warranty | warrantee | guarantee | guaranteed"},
    "battery": {
        "name": "battery | batteries | aa | aaa | mah | rechargeable | li-ion"
        " | lithium | battery life",
    },
    "charger": {
        "name": "charger | power adapter | adapter | wall plug | wall charger"
        " | charging cable | usb cable | power supply | charging brick",
    },
    "waterproof": {
        "name": "waterproof | water proof | water resistant | water resistance"
        " | water repellent | splash proof | splashproof | splash resistant"
        " | sweat resistant | submersible",
        "also": "rain | swim | swimming | shower | wet",
    },
    "compatible": {
        "name": "compatible | compatibility | work with | works with",
        "ask": "fit with",
    },
    "color": {
        "name": "color | colour | colors | colours",
        "value": "black | white | red | blue | green | pink | purple | grey | gray"
        " | silver | gold | yellow | orange | navy | beige | brown | olive | plum"
        " | charcoal | teal | turquoise | ivory | cream | khaki | burgundy"
        " | maroon | violet | lavender | coral | mint | rose gold",
    },
    "capacity": {
        "name": "capacity | volume | liter | liters | litre | litres | ml"
        " | milliliter | fl oz | fluid ounce | oz | ounce | ounces | quart"
        " | quarts | qt | gallon | gallons",
        "ask": "hold | how much does it hold | how many cups",
    },
    "age": {
        "name": "age | ages | year old | years old | years and up | month old"
        " | toddler | toddlers | child | children | kid | kids | baby | babies"
        " | infant | infants",
    },
    "speed": {"name": "speed | fast | mph | km/h | kmh | rpm", "ask": "how fast"},
    "brightness": {"name": "bright | brightness | lumen | lumens"},
    "instructions": {
        "name": "instruction | instructions | manual | booklet | user guide"
        " | user manual | directions",
    },
    "usage": {
        "name": "how to use | directions for use",
        "ask": "how do i use | how do you use | how should i use | how to apply"
        " | how do i apply | how often",
    },
    "contents": {
        "name": "in the box | what's in the box | package includes | package contents"
        " | in the package",
        "ask": "what be include | what come with | what else come with",
        "hint": "include | included | includes",
    },
    "included": {
        "name": "included | include | includes | come with | comes with"
        " | not included | in the box | supplied | with",
    },
    "howlong": {
        "ask": "how long",
        "page": "hour | hours | minute | minutes | min | mins | day | days | week"
        " | weeks | month | months | year | years | life | lifetime | long"
        " | length | inch | inches | ft | feet | foot | cm | meter | meters | m"
        " | run time | runtime | playtime",
    },
    "temperature": {
        "name": "temperature | temp | degrees | insulated | insulation | heat setting"
        " | heat settings | keep warm",
        "value": "hot | cold | warm | cool | heat | ice | iced",
    },
    "opacity": {
        "name": "see through | see-through | sheer | opaque | squat proof"
        " | transparent | not see through",
    },
}

# Values that name a part as often as the product ("blue LED", "white mode"): on
# their own word they need a second word of the question in the same fact.
SUPPORTED_VALUES = frozenset({"color"})
# Concepts that help but are not what the question is about: they are required,
# weigh less, and never carry an answer alone.
AUX_CONCEPTS = frozenset({"included", "howlong"})
# Aux concepts a fact may lack: "does it include a storage box" is answered by
# "STORAGE BOX: a sturdy tub...". They still weigh, so that a fact about the
# batteries alone does not answer "does it come with batteries".
OPTIONAL_CONCEPTS = frozenset({"included"})
# "with" alone is only an "included" trigger as part of "come with" (see above);
# on the page a bare "with" would tag half the facts, so the page ignores it.
PAGE_IGNORED_TRIGGERS = frozenset({("with",)})

# Units glued to a number ("1500W", "1.7L") or right after one ("1500 W").
UNIT_CONCEPTS: dict[str, str] = {
    "w": "power",
    "kw": "power",
    "watt": "power",
    "v": "voltage",
    "volt": "voltage",
    "l": "capacity",
    "ml": "capacity",
    "oz": "capacity",
    "qt": "capacity",
    "mah": "battery",
    "mm": "size",
    "cm": "size",
    "m": "size",
    "in": "size",
    "inch": "size",
    "ft": "size",
    "g": "weight",
    "kg": "weight",
    "lb": "weight",
    "lbs": "weight",
    "lm": "brightness",
    "mph": "speed",
}
LENGTH_UNITS = frozenset({"mm", "cm", "m", "in", "inch", "ft"})
_UNIT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]+)$")

# Not questions about the product: the policy owns them (issue 2, section 4).
ORDER_WORDS = frozenset(
    """
    return returns refund refunds exchange ship shipping shipment shipped deliver
    delivery delivered arrive arrival track tracking cancel cancellation invoice
    receipt price cost discount coupon promo customize customise personalize
    personalise engrave engraving embroider embroidered embroidery monogram
    """.split()
)

# Product phrases that contain an order word.
PRODUCT_PHRASES = frozenset({("noise", "cancel"), ("noise", "cancelling")})

# Content-free words of buyer messages, beyond spaCy's stop words.
GENERIC_WORDS = frozenset(
    """
    item items product products thing things it its does do can could would will
    leave leaving place get got have has come comes came go goes going use using
    used need needs want wants like know tell question questions hi hello hey
    thanks thank please pls plz lol ok okay good great nice fine sure able possible
    type kind way look looking buy bought purchase purchased work works one ones
    also really actually exactly anyone somebody someone info information detail
    details say said seller sellers amazon asking ask wonder wondering curious mom
    dad wife husband son daughter friend different available support supported
    feature features function option options version versions something dont
    doesnt isnt hasnt havent wont cant wasnt arent didnt im ive whats wats hows
    thats u ur r y ya yeah yes n't 's 're 've 'll 'd 'm
    """.split()
)
# spaCy stop words that carry meaning in product questions.
KEPT_STOP_WORDS = frozenset(
    {"top", "bottom", "side", "front", "back", "full", "empty", "off", "on", "under"}
)
# Two spellings the tokenizer leaves alone, and chat shorthand.
SHORTHAND = {
    "w/": "with",
    "w/o": "without",
    "whats": "what is",
    "wats": "what is",
    "wat": "what",
    "hows": "how is",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
}

_TAG_RE = re.compile(r"<[^>]{0,200}>")
_SPACE_RE = re.compile(r"\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n+")
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
# Data structures
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Term:
    key: str  # stem of the lemma (or the phrase)
    concepts: frozenset[str]
    kind: str  # "concept" | "value" | "word" | "number"
    weight: float
    alts: frozenset[str] = frozenset()  # stems of the lemma and of the word
    in_title: bool = False  # names the product itself ("the kettle")
    literal: bool = False  # a concept term that also matches its own word

    @property
    def aux(self) -> bool:
        return self.kind == "concept" and self.concepts <= AUX_CONCEPTS


@dataclass(frozen=True)
class _Fact:
    source: str
    text: str
    keys: frozenset[str]  # stems of the fact's content lemmas
    strong: frozenset[str]  # concepts with strong evidence
    weak: frozenset[str]  # concepts with weak evidence (a single colour name)
    name_keys: frozenset[str]  # stems and concepts of the attribute's name
    is_title: bool
    length: int


@dataclass(frozen=True)
class _Lexicon:
    ask_phrases: dict[tuple[str, ...], tuple[frozenset[str], str, bool]]
    page_phrases: dict[tuple[str, ...], dict[str, bool]]  # concept -> strong
    max_phrase: int
    trigger_words: frozenset[str]
    known_words: frozenset[str]
    norm: dict[str, str]


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
# Pipeline and lexicon (built once per pipeline)
# --------------------------------------------------------------------------- #


def _load_lookup_words() -> tuple[frozenset[str], dict[str, str]]:
    """English words known to spacy-lookups-data (for the spelling fallback) and
    its spelling normalisation table ("colour" -> "color")."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - the dependency is pinned
        return frozenset(), {}
    from pathlib import Path

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
def _lexicon(nlp: Any) -> _Lexicon:
    from spacy.lang.en.stop_words import STOP_WORDS

    known, norm = _load_lookup_words()
    ask: dict[tuple[str, ...], tuple[set[str], str, bool]] = {}
    page: dict[tuple[str, ...], dict[str, bool]] = {}
    triggers: set[str] = set()

    def phrases(spec: str) -> Iterable[tuple[str, ...]]:
        for raw in spec.split("|"):
            raw = raw.strip()
            if raw:
                yield tuple(_lemmas_of(nlp, norm, raw))

    for concept, spec in CONCEPTS.items():
        for role, text in spec.items():
            for phrase in phrases(text):
                if not phrase:
                    continue
                triggers.update(p for p in phrase if len(p) > 2)
                if role in ("name", "value", "ask", "also"):
                    kind = "value" if role == "value" else "concept"
                    concepts, old_kind, literal = ask.get(phrase, (set(), kind, False))
                    concepts.add(concept)
                    kind = "concept" if "concept" in (old_kind, kind) else kind
                    ask[phrase] = (concepts, kind, literal or role == "also")
                if role in ("name", "value", "page", "hint") and phrase not in (
                    PAGE_IGNORED_TRIGGERS
                ):
                    strength = page.setdefault(phrase, {})
                    strong = role in ("name", "page")
                    strength[concept] = strength.get(concept, False) or strong
    return _Lexicon(
        ask_phrases={k: (frozenset(v[0]), v[1], v[2]) for k, v in ask.items()},
        page_phrases=page,
        max_phrase=max(len(k) for k in list(ask) + list(page)),
        trigger_words=frozenset(triggers),
        known_words=known | frozenset(STOP_WORDS),
        norm=norm,
    )


def _lemmas_of(nlp: Any, norm: dict[str, str], text: str) -> list[str]:
    return [tok.lemma for tok in _tokens(nlp, norm, text)]


@dataclass(frozen=True)
class _Tok:
    text: str
    lemma: str
    is_stop: bool
    is_num: bool


def _tokens(nlp: Any, norm: dict[str, str], text: str) -> list[_Tok]:
    """Lowercased content-bearing tokens (punctuation and symbols dropped)."""
    out: list[_Tok] = []
    text = " ".join(SHORTHAND.get(w, w) for w in text.lower().split())
    for tok in nlp(text):
        t = tok.text
        if not any(ch.isalnum() for ch in t):
            continue
        lemma = tok.lemma_.lower() or t
        if lemma == "have" and t in ("'s", "s"):
            lemma = "be"  # the lookup table reads "what's" as "what has"
        if t == "n't":
            lemma = "not"
        lemma = norm.get(lemma, lemma)
        out.append(_Tok(t, lemma, bool(tok.is_stop), bool(tok.like_num)))
    return out


# --------------------------------------------------------------------------- #
# Facts of a product (cached per content)
# --------------------------------------------------------------------------- #


def _fact_features(
    lex: _Lexicon, toks: Sequence[_Tok]
) -> tuple[set[str], set[str], set[str]]:
    keys: set[str] = set()
    strong: set[str] = set()
    weak: set[str] = set()
    lemmas = [t.lemma for t in toks]
    colour_names = 0
    for i, tok in enumerate(toks):
        if not tok.is_stop or tok.lemma in KEPT_STOP_WORDS:
            keys.add(_stem(tok.lemma))
            keys.add(_stem(tok.text))
        m = _UNIT_RE.match(tok.text)
        if m and m.group(2) in UNIT_CONCEPTS:
            strong.add(UNIT_CONCEPTS[m.group(2)])
            if m.group(2) in LENGTH_UNITS:
                strong.add("howlong")
        elif tok.text in UNIT_CONCEPTS and i > 0 and toks[i - 1].is_num:
            strong.add(UNIT_CONCEPTS[tok.text])
            if tok.text in LENGTH_UNITS:
                strong.add("howlong")
        for n in range(min(lex.max_phrase, len(lemmas) - i), 0, -1):
            hit = lex.page_phrases.get(tuple(lemmas[i : i + n]))
            if hit is None:
                continue
            for concept, is_strong in hit.items():
                if concept == "color" and n == 1:
                    if tok.text in ("color", "colour"):  # "a colour gift box"
                        is_strong = False
                    elif not is_strong:
                        colour_names += 1
                (strong if is_strong else weak).add(concept)
    if colour_names >= 2:  # "Black, Ocean Blue, Coral Red": a list of colours
        strong.add("color")
    return keys, strong, weak - strong


def _fact(
    lex: _Lexicon, nlp: Any, source: str, text: str, name: str = "", title=False
) -> _Fact:
    toks = _tokens(nlp, lex.norm, text)
    keys, strong, weak = _fact_features(lex, toks)
    name_keys: set[str] = set()
    if name:
        name_toks = _tokens(nlp, lex.norm, name)
        n_keys, n_strong, n_weak = _fact_features(lex, name_toks)
        keys |= n_keys
        strong |= n_strong | n_weak  # a concept in the name is strong evidence
        weak -= strong
        name_keys = n_keys | n_strong | n_weak
    return _Fact(
        source=source,
        text=text,
        keys=frozenset(keys),
        strong=frozenset(strong),
        weak=frozenset(weak),
        name_keys=frozenset(name_keys),
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


_FACT_CACHE: OrderedDict[tuple[int, str, str], tuple[_Fact, ...]] = OrderedDict()
_FACT_CACHE_SIZE = 512
_FACT_CACHE_LOCK = threading.Lock()


def _product_facts(lex: _Lexicon, nlp: Any, product: Product) -> tuple[_Fact, ...]:
    key = (id(nlp), *_product_key(product))
    with _FACT_CACHE_LOCK:
        cached = _FACT_CACHE.get(key)
        if cached is not None:
            _FACT_CACHE.move_to_end(key)
            return cached
    facts: list[_Fact] = []
    for name, value in dict(product.attributes or {}).items():
        name_s, value_s = _normalise(str(name)), _normalise(str(value))
        if not name_s or not value_s:
            continue
        readable = name_s.replace("_", " ")
        facts.append(
            _fact(lex, nlp, f"attributes.{name}", f"{name_s}: {value_s}", readable)
        )
    for i, bullet in enumerate(product.bullets or ()):
        text = _normalise(str(bullet))
        if text:
            facts.append(_fact(lex, nlp, f"bullets[{i}]", text))
    for sentence in _split_sentences(_normalise_keep_lines(product.description or "")):
        facts.append(_fact(lex, nlp, "description", sentence))
    title = _normalise(product.title or "")
    if title:
        facts.append(_fact(lex, nlp, "title", title, title=True))
    result = tuple(facts)
    with _FACT_CACHE_LOCK:
        _FACT_CACHE[key] = result
        while len(_FACT_CACHE) > _FACT_CACHE_SIZE:
            _FACT_CACHE.popitem(last=False)
    return result


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


def _question_terms(
    lex: _Lexicon, nlp: Any, question: str, facts: Sequence[_Fact], title_keys
) -> list[_Term] | None:
    """The question's terms, or None when it is not a product question."""
    toks = _tokens(nlp, lex.norm, question)
    if not toks:
        return []
    # Spelling: an unknown word close to a word of the page or the synonym table.
    page_words = set().union(*(f.keys for f in facts)) if facts else set()
    vocabulary = page_words | lex.trigger_words
    fixed: list[_Tok] = []
    for tok in toks:
        word = tok.text
        if (
            len(word) >= 5
            and word.isalpha()
            and word not in lex.known_words
            and _stem(tok.lemma) not in page_words
            and tok.lemma not in lex.trigger_words
        ):
            better = _correct(word, vocabulary)
            if better:
                fixed.extend(_tokens(nlp, lex.norm, better))
                continue
        fixed.append(tok)
    toks = fixed
    for i, tok in enumerate(toks):
        if tok.text in ORDER_WORDS or tok.lemma in ORDER_WORDS:
            before = toks[i - 1].lemma if i else ""
            if (before, tok.lemma) not in PRODUCT_PHRASES:
                return None

    lemmas = [t.lemma for t in toks]
    terms: list[_Term] = []
    i = 0
    while i < len(toks):
        matched = False
        for n in range(min(lex.max_phrase, len(toks) - i), 0, -1):
            hit = lex.ask_phrases.get(tuple(lemmas[i : i + n]))
            if hit is None:
                continue
            concepts, kind, literal = hit
            if n == 1 and toks[i].is_stop and lemmas[i] not in KEPT_STOP_WORDS:
                break  # a lone stop word ("with") is no concept
            aux = concepts <= AUX_CONCEPTS
            alts = {_stem(lemmas[i]), _stem(toks[i].text)} if n == 1 else set()
            terms.append(
                _Term(
                    key=_stem(lemmas[i]) if n == 1 else " ".join(lemmas[i : i + n]),
                    concepts=concepts,
                    kind=kind,
                    weight=AUX_WEIGHT if aux else WORD_WEIGHT,
                    alts=frozenset(alts),
                    literal=literal,
                )
            )
            i += n
            matched = True
            break
        if matched:
            continue
        tok = toks[i]
        i += 1
        if (tok.is_stop and tok.lemma not in KEPT_STOP_WORDS) or (
            tok.text in GENERIC_WORDS or tok.lemma in GENERIC_WORDS
        ):
            continue
        if (len(tok.text) < 2 or len(tok.lemma) < 2) and not tok.is_num:
            continue  # "hs" -> "h" would meet the "h" of "km/h"
        key = _stem(tok.lemma)
        alts = frozenset({key, _stem(tok.text)})
        if tok.is_num:
            terms.append(_Term(key, frozenset(), "number", NUMBER_WEIGHT, alts))
            continue
        m = _UNIT_RE.match(tok.text)
        if m and m.group(2) in UNIT_CONCEPTS:
            concept = UNIT_CONCEPTS[m.group(2)]
            terms.append(_Term(key, frozenset({concept}), "value", NUMBER_WEIGHT, alts))
            continue
        in_title = bool(alts & title_keys)
        weight = TITLE_WORD_WEIGHT if in_title else WORD_WEIGHT
        terms.append(_Term(key, frozenset(), "word", weight, alts, in_title))
    # The same key twice ("batteries? battery") counts once.
    unique: dict[tuple[str, frozenset[str]], _Term] = {}
    for term in terms:
        unique.setdefault((term.key, term.concepts), term)
    return list(unique.values())


# --------------------------------------------------------------------------- #
# Scoring
# --------------------------------------------------------------------------- #


def _score(terms: Sequence[_Term], fact: _Fact) -> tuple[float, float]:
    """(score, rank) of `fact` for the question's terms.

    The score is the weighted share of the terms the fact carries (times
    TITLE_FACTOR for the title); 0 when a concept of the question is missing
    from the fact or the share is below MIN_SCORE. The rank adds bonuses (an
    attribute whose name matches, the buyer's own words) that order the facts
    that pass, and never let one through."""
    # Weak concept evidence (a single colour name in a bullet) needs a specific
    # word of the question in the same fact ("what color is the rain cover").
    supported = any(
        t.kind == "word" and not t.in_title and t.alts & fact.keys for t in terms
    )
    matched_weight = 0.0
    total = 0.0
    literal_hits = 0
    topical = False  # something other than "how long" / "included" matched
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
            ok = bool(term.concepts & fact.strong) or (
                literal and (supported or not term.concepts & SUPPORTED_VALUES)
            )
        else:
            ok = literal
        literal_hits += ok and literal
        if ok:
            matched_weight += term.weight
            total += term.weight
            if not term.aux and term.kind != "number":
                topical = True
        elif term.kind in ("concept", "value") and not (
            term.concepts <= OPTIONAL_CONCEPTS
        ):
            return 0.0, 0.0  # the key concept is missing: never this fact
        else:
            # The product's own name ("is the bottle ...") is implied by every
            # fact of its page: missing it costs half.
            total += term.weight / 2 if term.in_title else term.weight
    if total == 0 or not topical:
        return 0.0, 0.0
    score = matched_weight / total
    if score < MIN_SCORE:
        return 0.0, 0.0
    rank = score + LITERAL_BONUS * literal_hits  # the buyer's words beat a synonym
    if fact.name_keys and any(
        (t.concepts & fact.name_keys) or (t.alts & fact.name_keys)
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
    the fact covers. None means the page is silent (or the question is about
    the order, not the product): send the question to the seller.
    """
    if not isinstance(question, str):
        return None
    text = _normalise(question, MAX_QUESTION_CHARS)
    if not text:
        return None
    if nlp is None:
        from bot.nlp.pipeline import load

        nlp = load()
    lex = _lexicon(nlp)
    facts = _product_facts(lex, nlp, product)
    if not facts:
        return None
    title_keys = next((f.keys for f in facts if f.is_title), frozenset())
    terms = _question_terms(lex, nlp, text, facts, title_keys)
    if not terms:
        return None

    best: tuple[int, float, int, int] | None = None
    answer: ProductAnswer | None = None
    for order, fact in enumerate(facts):
        score, rank = _score(terms, fact)
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
