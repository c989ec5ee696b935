"""`answer_product_question`: the fact of the page that answers a question."""

from __future__ import annotations

from typing import Any

from bot.domain.model import Product, ProductAnswer
from bot.nlp.answers.facts import product_page
from bot.nlp.answers.index import build_index
from bot.nlp.answers.lexicon import load_lexicon
from bot.nlp.answers.scoring import score_fact
from bot.nlp.answers.terms import question_terms
from bot.nlp.answers.text import normalise

# Longer messages are cut: product questions are short; this bounds the cost.
MAX_QUESTION_CHARS = 400


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
    terms = question_terms(idx, nlp, text, page)
    if not terms or not any(t.required for t in terms):
        return None

    best: tuple[int, float, int, int] | None = None
    answer: ProductAnswer | None = None
    for order, fact in enumerate(page.facts):
        score, rank = score_fact(lex, terms, fact)
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
