"""`answer_product_question`: the fact of the page that answers a question."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.domain.model import Product, ProductAnswer
from bot.nlp.answers.facts import product_page
from bot.nlp.answers.index import build_index
from bot.nlp.answers.lexicon import load_lexicon
from bot.nlp.answers.model import Page, Term
from bot.nlp.answers.question import question_tokens
from bot.nlp.answers.scoring import score_fact
from bot.nlp.answers.semantic import (
    AnswerModelError,
    PageVectors,
    candidate_features,
    choose,
    focus_missing,
    load_model,
    named_but_absent,
)
from bot.nlp.answers.terms import question_terms
from bot.nlp.answers.text import normalise
from bot.nlp.encoder import EncoderUnavailable, load_encoder

log = logging.getLogger(__name__)

# Longer messages are cut: product questions are short; this bounds the cost.
MAX_QUESTION_CHARS = 400


@dataclass(frozen=True)
class Analysis:
    """What the lexicon makes of a question on one page."""

    text: str  # the question, normalised
    focus_text: str  # its words without context ("when the water boils"), noise or order numbers
    page: Page
    terms: tuple[Term, ...]
    lexical: tuple[float, ...]  # each fact's covered share (0: refused)
    choice: int | None  # the fact the lexicon alone would quote


def analyse(product: Product, question: str, *, nlp: Any = None) -> Analysis | None:
    """The lexicon's reading of `question` on `product`'s page; None when the
    question is refused outright (not text, about the order or a price, nothing
    to look for, an empty page)."""
    if not isinstance(question, str):
        return None
    text = normalise(question, MAX_QUESTION_CHARS)
    if not text:
        return None
    if nlp is None:
        from bot.nlp.pipeline import load

        nlp = load()
    lex = load_lexicon()
    idx = build_index(nlp, lex)
    page = product_page(idx, nlp, product)
    if not page.facts:
        return None
    clauses = question_tokens(idx, nlp, text, page)
    if clauses is None:
        return None  # about the order
    terms = question_terms(idx, text, page, clauses)
    if not terms or not any(t.required for t in terms):
        return None
    # What the encoder reads: the words the lexicon takes for the question, not
    # its conditions and asides ("does it whistle WHEN THE WATER BOILS" is
    # about whistling, whatever the page says of boiling water).
    focus_text = " ".join(t.text for toks in clauses for t in toks if not t.context)

    scores: list[float] = []
    best: tuple[int, float, int, int] | None = None
    choice: int | None = None
    for order, fact in enumerate(page.facts):
        score, rank = score_fact(lex, terms, fact)
        scores.append(max(score, 0.0))
        if score <= 0.0:
            continue
        # The title only when nothing else answers; then the higher rank, the
        # shorter fact, and page order (attributes, bullets, description).
        key = (-int(fact.is_title), rank, -fact.length, -order)
        if best is None or key > best:
            best = key
            choice = order
    return Analysis(text, focus_text or text, page, tuple(terms), tuple(scores), choice)


def _quote(
    product: Product, analysis: Analysis, index: int, score: float
) -> ProductAnswer:
    fact = analysis.page.facts[index]
    return ProductAnswer(
        asin=product.asin,
        text=fact.text,
        source=fact.source,
        score=round(min(max(score, 0.0), 1.0), 3),
    )


def _lexicon_only(product: Product, analysis: Analysis) -> ProductAnswer | None:
    if analysis.choice is None:
        return None
    return _quote(product, analysis, analysis.choice, analysis.lexical[analysis.choice])


def lexical_answer(
    product: Product, question: str, *, nlp: Any = None
) -> ProductAnswer | None:
    """The lexicon alone (steps 1-4): the matcher before the encoder, kept for
    `make eval`'s comparison and as the fallback when the encoder is missing."""
    analysis = analyse(product, question, nlp=nlp)
    return None if analysis is None else _lexicon_only(product, analysis)


def answer_product_question(
    product: Product, question: str, *, nlp: Any = None
) -> ProductAnswer | None:
    """The fact of the product detail page that answers `question`, or None.

    `ProductAnswer.text` quotes the page (an attribute reads "<name>: <value>"),
    `source` says where it is ("attributes.<name>", "bullets[<i>]",
    "description", "title") and `score` in [0, 1] is the answer model's
    probability that the fact answers (`bot.nlp.answers.semantic`). None means the page is
    silent on what the question asks (or the question is about the order, not
    the product): send the question to the seller.
    """
    analysis = analyse(product, question, nlp=nlp)
    if analysis is None:
        return None
    try:
        model = load_model()
        found = candidates(analysis)
    except (EncoderUnavailable, AnswerModelError) as exc:
        log.error("product answers from the lexicon alone: %s", exc)
        return _lexicon_only(product, analysis)
    picked = choose(model, found)
    if picked is None:
        return None
    return _quote(product, analysis, *picked)


def candidates(analysis: Analysis) -> list[tuple[int, list[float]]]:
    """The facts the answer model weighs, with their `semantic.FEATURES`.
    Raises EncoderUnavailable when the encoder is not installed."""
    encoder = load_encoder()
    facts, names = _page_vectors()(analysis.page)
    question_vector = encoder.encode([analysis.focus_text])[0]
    return candidate_features(
        analysis.page,
        facts @ question_vector,
        names @ question_vector,
        analysis.lexical,
        analysis.choice,
        focus_missing(analysis.terms, analysis.page),
        named_but_absent(
            analysis.terms, analysis.page, load_lexicon().listed_value_topics
        ),
    )


@lru_cache(maxsize=1)
def _page_vectors() -> PageVectors:
    return PageVectors(load_encoder())
