"""Which fact answers, and whether any does: the lexicon's evidence and a
sentence encoder's, weighed by a small logistic model learnt from the
training question sets (`tools.evaluation.answer_sets.TRAINING`).

The lexicon (steps 1-4 in the package docstring) is precise on the wording it
knows and silent on paraphrase ("does the back lean back" for "recline angle").
The encoder (`bot.nlp.encoder`, all-MiniLM-L6-v2) ranks the page's facts by
meaning, but its similarity alone does not say whether the page answers
("does it whistle" is close to "rolling boil in about 6 minutes"). So for a few
candidate facts (the encoder's best CANDIDATES and the lexicon's choice) the
model reads both kinds of evidence (`FEATURES`) and gives the probability that
the fact answers the question (`choose`): the lexicon's choice is quoted when
that probability reaches `threshold`; when the lexicon is silent, the most
likely candidate is quoted when it reaches `rescue_threshold`; otherwise the
question goes to the seller.

The weights, the threshold and the files they were learnt from live in
`bot/nlp/answer_model.json`, written by `python -m tools.train_answer_model`
(deterministic; see there). A question the lexicon refuses outright (about the
order, a price, nothing to look for) never reaches the model.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.nlp.answers.model import Fact, Page, Term

MODEL_PATH = Path(__file__).resolve().parent.parent / "answer_model.json"
CANDIDATES = 3
FEATURES = (
    "similarity",  # cosine of the question and the fact
    "margin",  # the similarity minus the best other fact's
    "most_similar",  # 1 for the encoder's best fact
    "lexical_score",  # the lexicon's covered share (0 when it refuses the fact)
    "lexical_choice",  # 1 for the fact the lexicon alone would quote
    "lexical_answer",  # 1 when the lexicon alone would answer at all
    "attribute",
    "bullet",
    "description",
    "title",
    "name_similarity",  # cosine of the question and the attribute's name
    "focus_missing",  # focus terms (0-2) that no fact of the page carries
    "focus_missing_silent",  # 1 when some focus is missing and the lexicon is silent
)
_VECTOR_CACHE_SIZE = 256
_TEXT_CACHE_SIZE = 4096


class AnswerModelError(ValueError):
    """answer_model.json is missing a part, or was learnt on other features."""


@dataclass(frozen=True)
class AnswerModel:
    weights: tuple[float, ...]
    intercept: float
    threshold: float  # to confirm the lexicon's choice
    rescue_threshold: float  # to answer where the lexicon is silent

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + sum(
            w * x for w, x in zip(self.weights, features, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def read_model(path: Path = MODEL_PATH) -> AnswerModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AnswerModelError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise AnswerModelError(f"{path}: not a JSON object")
    if data.get("features") != list(FEATURES):
        raise AnswerModelError(
            f"{path}: features {data.get('features')!r} are not this code's "
            f"{list(FEATURES)!r}: retrain with python -m tools.train_answer_model"
        )
    weights = data.get("weights")
    if (
        not isinstance(weights, list)
        or len(weights) != len(FEATURES)
        or not all(isinstance(w, (int, float)) for w in weights)
    ):
        raise AnswerModelError(f"{path}: weights must be {len(FEATURES)} numbers")
    for name in ("intercept", "threshold", "rescue_threshold"):
        if not isinstance(data.get(name), (int, float)):
            raise AnswerModelError(f"{path}: {name} must be a number")
    for name in ("threshold", "rescue_threshold"):
        if not 0.0 < data[name] < 1.0:
            raise AnswerModelError(f"{path}: {name} must be between 0 and 1")
    return AnswerModel(
        tuple(map(float, weights)),
        float(data["intercept"]),
        float(data["threshold"]),
        float(data["rescue_threshold"]),
    )


@lru_cache(maxsize=1)
def load_model() -> AnswerModel:
    return read_model()


def _on_page(term: Term, page: Page, *, literally: bool = False) -> bool:
    """Some fact carries the term: its words, or (unless `literally`) its
    topic ("black" is a colour: any colour on the page is the topic)."""
    return any(
        (term.alts & fact.keys)
        or (not literally and term.concepts & (fact.strong | fact.weak))
        for fact in page.facts
    )


def focus_missing(terms: Sequence[Term], page: Page) -> int:
    """How many focus terms (at most 2) no fact of the page carries."""
    return min(sum(1 for t in terms if t.required and not _on_page(t, page)), 2)


def named_but_absent(
    terms: Sequence[Term], page: Page, listed_topics: frozenset[str] = frozenset()
) -> bool:
    """The buyer names something the page never mentions and only the seller
    can speak for: a part or a product ("is the straw...", "is the pan from
    my order..."), a colour or size ("black maybe?"), a number ("a 10 inch
    one?"). A colour or size counts even as an aside ("any other colours?
    black maybe"): a page lists every one it comes in (`listed_topics`, the
    lexicon's `listed_value_topics`), and only the word itself says it is
    there."""
    return any(
        (t.required and t.part and not _on_page(t, page))
        or (
            t.kind in ("value", "number")
            and (t.required or t.concepts & listed_topics)
            and not _on_page(t, page, literally=True)
        )
        for t in terms
    )


class PageVectors:
    """The encoder's vectors of each page's facts and attribute names, kept for
    the last _VECTOR_CACHE_SIZE pages (a page is encoded once, ~10 ms a fact).
    A text's vector is kept too, for the last _TEXT_CACHE_SIZE texts: pages
    share most of their attribute names ("colour", "weight", "-" for a fact
    that is no attribute), which were half of the encoder's work. A kept
    vector is the one `encode([text])` gave, so nothing changes but the time."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self._cache: OrderedDict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = (
            OrderedDict()
        )
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, page: Page) -> tuple[np.ndarray, np.ndarray]:
        key = tuple(f"{f.source}\x00{f.text}" for f in page.facts)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        texts = [f.text for f in page.facts]
        names = [_attribute_name(f) or "-" for f in page.facts]
        vectors = (self._encode(texts), self._encode(names))
        with self._lock:
            self._cache[key] = vectors
            while len(self._cache) > _VECTOR_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        # One at a time: a batch pads every text to the longest, which costs more.
        return np.vstack([self._text_vector(t) for t in texts])

    def _text_vector(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._texts.get(text)
            if vector is not None:
                self._texts.move_to_end(text)
                return vector
        vector = self.encoder.encode([text])
        with self._lock:
            self._texts[text] = vector
            while len(self._texts) > _TEXT_CACHE_SIZE:
                self._texts.popitem(last=False)
        return vector


def _attribute_name(fact: Fact) -> str:
    if not fact.source.startswith("attributes."):
        return ""
    return fact.source.split(".", 1)[1].replace("_", " ")


def candidate_features(
    page: Page,
    similarity: np.ndarray,
    name_similarity: np.ndarray,
    lexical: Sequence[float],
    lexical_choice: int | None,
    missing: int,
    absent: bool = False,
) -> list[tuple[int, list[float]]]:
    """(fact index, FEATURES) of each candidate: the encoder's best CANDIDATES
    facts and the lexicon's choice. Two of the lexicon's refusals hold: when
    the buyer names something the page never mentions (`named_but_absent`),
    only the lexicon's choice is a candidate; the title (which repeats half the
    page) only when it is the lexicon's choice."""
    order = [int(i) for i in np.argsort(-similarity, kind="stable")[:CANDIDATES]]
    if lexical_choice is not None and lexical_choice not in order:
        order.append(lexical_choice)
    rows = []
    for i in order:
        if i != lexical_choice and (absent or page.facts[i].is_title):
            continue
        others = np.delete(similarity, i)
        source = page.facts[i].source
        rows.append(
            (
                i,
                [
                    float(similarity[i]),
                    float(similarity[i] - (others.max() if others.size else 0.0)),
                    float(i == order[0]),
                    float(lexical[i]),
                    float(i == lexical_choice),
                    float(lexical_choice is not None),
                    float(source.startswith("attributes.")),
                    float(source.startswith("bullets")),
                    float(source == "description"),
                    float(source == "title"),
                    float(name_similarity[i])
                    if _attribute_name(page.facts[i])
                    else 0.0,
                    float(missing),
                    float(missing > 0 and lexical_choice is None),
                ],
            )
        )
    return rows


def weigh(
    model: AnswerModel, candidates: Sequence[tuple[int, list[float]]]
) -> tuple[tuple[int, float] | None, tuple[int, float] | None]:
    """(the lexicon's choice, the most likely other candidate), each as (fact
    index, probability) or None; the other only when the lexicon is silent."""
    lexical: tuple[int, float] | None = None
    other: tuple[int, float] | None = None
    column = FEATURES.index("lexical_choice")
    for index, features in candidates:
        p = model.probability(features)
        if features[column] == 1.0:
            lexical = (index, p)
        elif other is None or p > other[1]:
            other = (index, p)
    return lexical, None if lexical else other


def choose(
    model: AnswerModel, candidates: Sequence[tuple[int, list[float]]]
) -> tuple[int, float] | None:
    """The fact to quote, with its probability, or None. When the lexicon
    chose a fact, the model only confirms or vetoes it (the lexicon knows
    which fact: "how long is the mat" is the mat's dimensions, not the cord's
    length) at `threshold`; when the lexicon is silent, the candidate most
    likely to answer, if it reaches `rescue_threshold`."""
    lexical, other = weigh(model, candidates)
    if lexical is not None:
        return lexical if lexical[1] >= model.threshold else None
    if other is not None and other[1] >= model.rescue_threshold:
        return other
    return None
