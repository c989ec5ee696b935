"""The lexicon lemmatised with one spaCy pipeline (`build_index`, once per
pipeline and lexicon), and the tokens, lemmas and stems every other module reads
text with."""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.nlp.answers.lexicon import TOPIC_ROLES, Lexicon
from bot.nlp.answers.model import NAMED, STRONG, WEAK, Index, Tok

# How strongly each list of a topic says the topic is on the page.
_ROLE_STRENGTH = {"name": NAMED, "page": STRONG, "value": WEAK, "hint": WEAK}


def stem_of(lex: Lexicon, lemma: str) -> str:
    """A light suffix stripper on top of the lemma, so that "adjustable" meets
    "adjust", "automatically" meets "automatic" and "charger" meets "charging". The
    lexicon's `unstemmed_words` stay whole ("shower" is no "show")."""
    if lemma in lex.unstemmed_words:
        return lemma
    word = lemma
    for _ in range(2):
        for suffix in lex.stem_suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


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
def build_index(nlp: Any, lex: Lexicon) -> Index:
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
                    strength[concept] = max(strength.get(concept, WEAK), level)

    synonym_of: dict[str, str] = {}
    for group in lex.synonyms:
        key = "~" + group[0]
        for word in group:
            for lemma in _lemmas_of(nlp, lex, norm, word):
                synonym_of[stem_of(lex, lemma)] = key
            synonym_of[stem_of(lex, word)] = key

    noise = {tuple(_lemmas_of(nlp, lex, norm, p)) for p in lex.noise_phrases}
    noise.discard(())
    verbs = _alternatives(sorted(lex.purchase_verbs, key=len)[::-1])
    determiners = _alternatives(lex.purchase_determiners)
    relatives = _alternatives(lex.purchase_relatives, r"\s+")
    pronouns = _alternatives(lex.purchase_pronouns)
    adverbs = _alternatives(lex.purchase_adverbs, r"\s+")
    # "the kettle I got", "this pan we just ordered": group 1 names the product,
    # from the last determiner ("the wattage on THE KETTLE I got"; "the wattage
    # of THIS i got" names none).
    word = rf"(?!(?:{determiners})\s)[a-z0-9'-]+"
    purchase_re = re.compile(
        rf"\b(?:{determiners})\s+((?:{word}\s+){{0,3}}?{word})"
        rf"\s+(?:{relatives})?(?:{pronouns})\s+(?:{adverbs})?(?:{verbs})\b"
    )
    # "from my order # 112-...": the number and the words that only lead to it.
    links = _alternatives(lex.order_reference_links)
    owners = _alternatives(sorted({*lex.purchase_determiners, *lex.buyer_words}))
    nouns = _alternatives(lex.order_reference_nouns)
    order_reference_re = re.compile(
        rf"(?:\b(?:{links})\s+)?(?:\b(?:{owners})\s+)?(?:\b(?:{nouns})\b\.?\s*[#:]?\s*)?"
        r"#?(?<![\d-])\d{3}[-\s]?\d{7}[-\s]?\d{7}(?![\d-])"
    )
    return Index(
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
        order_reference_re=order_reference_re,
        title_features_re=title_features_re(lex),
    )


@lru_cache(maxsize=8)
def title_features_re(lex: Lexicon) -> re.Pattern[str]:
    """Where a product title stops naming the product and starts listing its
    features: a feature word ("Frying Pan WITH Lid"), a comma, a bracket."""
    return re.compile(
        rf"\s+(?:{_alternatives(lex.title_feature_words)})\s+|[,(|\[–—:]|\s-\s",
        re.IGNORECASE,
    )


def _alternatives(words: tuple[str, ...] | list[str], suffix: str = "") -> str:
    """ "a|b|c" for a regex, each word escaped and followed by `suffix`."""
    return "|".join(re.escape(w) + suffix for w in words)


def _lemmas_of(nlp: Any, lex: Lexicon, norm: dict[str, str], text: str) -> list[str]:
    return [tok.lemma for tok in tokens_of(nlp, lex, norm, text)]


def tokens_of(nlp: Any, lex: Lexicon, norm: dict[str, str], text: str) -> list[Tok]:
    """Lowercased content-bearing tokens (punctuation and symbols dropped)."""
    out: list[Tok] = []
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
        lemma = lex.lemmas.get(t, lemma)
        number = lex.number_words.get(t)
        if number is not None:
            out.append(Tok(number, number, False, True))
            continue
        out.append(Tok(t, lemma, bool(tok.is_stop), bool(tok.like_num)))
    return out


@lru_cache(maxsize=8)
def _unit_symbols_re(symbols: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(s) for s in sorted(symbols, key=len)[::-1])
    return re.compile(rf"(\d)\s?({alternatives})")
