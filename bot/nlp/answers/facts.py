"""The facts of a product detail page (attributes, bullets, description
sentences, title), each analysed once per page content: its word stems and the
topics it gives evidence of."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from bot.domain.model import Product
from bot.nlp.answers.index import stem_of, tokens_of
from bot.nlp.answers.lexicon import COUNT_TOPIC, DURATION_TOPIC, TIME_TOPIC, Lexicon
from bot.nlp.answers.model import NAMED, STRONG, WEAK, Fact, Index, Page, Tok
from bot.nlp.answers.text import UNIT_RE, chunks, normalise, split_sentences


def _fact_features(
    idx: Index, toks: Sequence[Tok]
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
            tok.text in lex.dimension_separators
            and 0 < i < len(toks) - 1
            and any(t.is_num for t in toks[max(0, i - 3) : i])
            and (toks[i + 1].is_num or UNIT_RE.match(toks[i + 1].text))
        ):
            dimensions = True  # "15 x 7 x 2.8 cm"
        if not tok.is_stop or tok.lemma in lex.kept_stop_words:
            # "cross-cut" also says "cross" and "cut".
            parts = tok.text.split("-") if "-" in tok.text else []
            for key in (
                stem_of(idx.lex, tok.lemma),
                stem_of(idx.lex, tok.text),
                *(stem_of(idx.lex, p) for p in parts if len(p) > 2 and p.isalpha()),
            ):
                keys.add(key)
                group = idx.synonym_of.get(key)
                if group:
                    keys.add(group)
        if tok.is_num and _counts(idx, toks, i):
            strong.add(COUNT_TOPIC)  # "how many": "4 persons", "heat_settings: 3"
        m = UNIT_RE.match(tok.text)
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
                        level = WEAK  # "a colour gift box" names no colour
                    elif level == WEAK:
                        colour_names += 1
                if level == NAMED:
                    named.add(concept)
                (strong if level >= STRONG else weak).add(concept)
            break
    measures = (
        lex.dimension_topics | lex.dimension_fact_topics | {lex.length_question_topic}
    )
    if dimensions and length_unit and not named - measures:
        # "size: 60 x 80 x 10 inches" gives a length, a width and a height; a
        # "VESA: 100 x 100 mm" pattern does not.
        strong |= lex.dimension_topics
    if colour_names >= 2:  # "Black, Ocean Blue, Coral Red": a list of colours
        strong |= lex.supported_value_topics
    return keys, strong, weak - strong, named


def _counts(idx: Index, toks: Sequence[Tok], i: int) -> bool:
    """Whether the number at `i` counts things ("4 persons", "two pockets",
    "heat_settings: 3") rather than measures ("51 x 76 cm", "1500 W", "60
    minutes")."""
    lex = idx.lex
    after = toks[i + 1] if i + 1 < len(toks) else None
    before = toks[i - 1] if i else None
    if before is not None and before.text in lex.dimension_separators:
        return False
    if after is None:
        return True
    if after.text in lex.dimension_separators:
        # "2 x USB-A", "1 x 2.0Ah battery" count; "51 x 76 cm" measures.
        third = toks[i + 2] if i + 2 < len(toks) else None
        return third is not None and not third.is_num
    time = idx.page_phrases.get((after.lemma,), {})
    return not (
        after.text in lex.units or UNIT_RE.match(after.text) or TIME_TOPIC in time
    )


@lru_cache(maxsize=64)
def _topic_names(lex: Lexicon, topic: str) -> frozenset[str]:
    return frozenset(lex.topics[topic].get("words", ()))


def _fact(
    idx: Index, nlp: Any, source: str, text: str, name: str = "", title=False
) -> Fact:
    toks = tokens_of(nlp, idx.lex, idx.norm, text)
    keys, strong, weak, named = _fact_features(idx, toks)
    name_keys: set[str] = set()
    name_topics: set[str] = set()
    if name:
        name_toks = tokens_of(nlp, idx.lex, idx.norm, name)
        n_keys, n_strong, n_weak, n_named = _fact_features(idx, name_toks)
        keys |= n_keys
        strong |= n_strong | n_weak  # a topic in the name is strong evidence
        weak -= strong
        named |= n_named
        name_keys = n_keys
        name_topics = n_strong | n_weak
    return Fact(
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
        surface=frozenset(
            word
            for t in toks
            for word in t.text.split("_")  # "heat_settings: 3"
            if word.isalpha() and len(word) >= 4
        ),
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


# Where a title's parts end: commas, semicolons, bars and spaced dashes.
_TITLE_PARTS_RE = re.compile(r"[,;|]\s|\s[-–—|]\s")

_PAGE_CACHE_SIZE = 512  # analysed pages kept per index (pipeline + lexicon)


def product_page(idx: Index, nlp: Any, product: Product) -> Page:
    key = _product_key(product)
    with idx.pages_lock:
        cached = idx.pages.get(key)
        if cached is not None:
            idx.pages.move_to_end(key)
            return cached
    facts: list[Fact] = []
    for name, value in dict(product.attributes or {}).items():
        name_s, value_s = normalise(str(name)), normalise(str(value))
        if not name_s or not value_s:
            continue
        readable = name_s.replace("_", " ")
        facts.append(
            _fact(idx, nlp, f"attributes.{name}", f"{name_s}: {value_s}", readable)
        )
    for i, bullet in enumerate(product.bullets or ()):
        text = normalise(str(bullet))
        if text:
            facts.append(_fact(idx, nlp, f"bullets[{i}]", text))
    for sentence in split_sentences(_normalise_keep_lines(product.description or "")):
        facts.append(_fact(idx, nlp, "description", sentence))
    title = normalise(product.title or "")
    # Each part of the title is matched on its own ("Sonari Air5 Wireless
    # Earbuds, ..., 32H Playtime with Charging Case" says nothing about a
    # wireless charging case), and the whole title is quoted.
    for part in _TITLE_PARTS_RE.split(title) if title else ():
        if part.strip():
            fact = _fact(idx, nlp, "title", part.strip(), title=True)
            facts.append(replace(fact, text=title))
    # The title's name, before its feature list: "Ferro 28 cm Non-Stick Frying
    # Pan" of "Ferro 28 cm Non-Stick Frying Pan with Lid".
    name_text = idx.title_features_re.split(title, maxsplit=1)[0]
    name = tokens_of(nlp, idx.lex, idx.norm, name_text)
    page = Page(
        facts=tuple(facts),
        words=frozenset().union(*(f.keys for f in facts)) if facts else frozenset(),
        product_words=_product_words(idx, name),
        brand_words=_brand_words(idx, name) - _feature_words(facts),
        name_words=_name_words(idx, name),
        name_chunks=chunks(name_text),
        surface=frozenset().union(*(f.surface for f in facts)),
    )
    with idx.pages_lock:
        idx.pages[key] = page
        while len(idx.pages) > _PAGE_CACHE_SIZE:
            idx.pages.popitem(last=False)
    return page


def _product_words(idx: Index, name: Sequence[Tok]) -> tuple[str, ...]:
    """The stems of the last two words of the title's name: the product itself
    ("Ferro 28 cm Non-Stick Frying Pan" -> fry, pan)."""
    words = [
        stem_of(idx.lex, t.lemma)
        for t in name
        if t.text.isalpha() and len(t.text) > 2 and t.text not in idx.lex.units
    ]
    return tuple(words[-2:])


def _name_words(idx: Index, name: Sequence[Tok]) -> frozenset[str]:
    stems = {
        stem_of(idx.lex, t.lemma)
        for t in name
        if len(t.text) > 2 and t.text.isalnum() and not t.is_num
    }
    return frozenset(stems | {idx.synonym_of[s] for s in stems if s in idx.synonym_of})


def _feature_words(facts: Sequence[Fact]) -> frozenset[str]:
    """The words of the attributes and bullets: a title word found there too
    ("Bluetooth") is a feature, not the brand."""
    return frozenset().union(
        *(f.keys for f in facts if f.source.startswith(("attributes.", "bullets")))
    )


def _brand_words(idx: Index, name: Sequence[Tok]) -> frozenset[str]:
    """Stems of the brand and model words of the title's name ("Sonari Air5
    Wireless Earbuds" -> sonari, air5): words that neither the dictionary nor
    the lexicon knows (`product_page` drops those the attributes or bullets
    also use). A buyer who writes them names the product."""
    return frozenset(
        stem_of(idx.lex, t.lemma)
        for t in name
        if len(t.text) > 2
        and t.text[:1].isalpha()
        and t.text.isalnum()
        and t.text not in idx.known_words
        and t.lemma not in idx.trigger_words
        and t.text not in idx.lex.units
        and not UNIT_RE.match(t.text)
    )


def _normalise_keep_lines(text: str) -> str:
    return "\n".join(normalise(line) for line in str(text).splitlines())
