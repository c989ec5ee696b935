"""Intent-classification scores, as plain Python (no Rasa, no scikit-learn).

Conventions, shared by the `nlu` and `compare` commands of `python -m tools.evaluation`:

- A `nlu_fallback` prediction is WRONG (as in tests/test_nlu_heldout.py; unlike
  `rasa test nlu`, which undoes fallback predictions): the buyer was not triaged.
- A gold label that is not one of the domain's intents is an ERROR: the example
  counts as wrong (whatever was predicted) and stays in every figure, so a typo
  in a label file can only lower the scores, never vanish.
- Macro-F1 averages F1 over the gold labels of the file (unknown labels included,
  with F1 0); `nlu_fallback` is never a gold label, so it is not averaged, but it
  costs the recall of the intent it missed.
- Business intents are the intents the CSBA policy routes to a seller case, to
  Buyer-Seller Messaging or to an answer about an order: `bot.domain.model.Intent`
  without `human_agent`. `give_order_id` is not one: a bare order number only
  makes the bot ask what the message is about. The out-of-scope false-triage rate
  is the share of `out_of_scope` messages predicted as a business intent; the
  fallback catch rate is the share of business messages predicted `nlu_fallback`.
- In-scope accuracy (issue 12's headline for real traffic) is the accuracy over the
  messages whose gold label is not `out_of_scope`, counting `pre_order` and
  `product_question` as one intent: both lead the bot to "have you ordered it?".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.model import INQUIRY_INTENTS

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
# Intents that lead the bot to the same next step, and count as one for the
# in-scope accuracy.
SAME_NEXT_STEP = frozenset({"pre_order", "product_question"})
BUSINESS_INTENTS = INQUIRY_INTENTS


@dataclass(frozen=True)
class IntentScore:
    intent: str
    support: int  # gold examples
    predicted: int  # examples predicted as this intent
    precision: float
    recall: float
    f1: float
    known: bool  # one of the domain's intents


@dataclass(frozen=True)
class Confusion:
    gold: str
    predicted: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    """`count` of `total`; `value` is None when there is nothing to divide by."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class NluScores:
    n: int
    correct: int
    accuracy: float
    macro_f1: float
    per_intent: tuple[IntentScore, ...]
    unknown_labels: dict[str, int]
    fallbacks: int
    false_triage: Rate  # out_of_scope predicted as a business intent
    fallback_catch: Rate  # business messages predicted nlu_fallback
    in_scope: Rate  # right on non-out_of_scope messages, pre_order = product_question
    confusions: tuple[Confusion, ...]  # worst first
    labels: tuple[str, ...]  # rows and columns of `matrix`
    matrix: tuple[tuple[int, ...], ...] = field(repr=False)  # [gold][predicted]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(
    gold: Sequence[str],
    predicted: Sequence[str],
    texts: Sequence[str],
    *,
    known_intents: Iterable[str],
    business_intents: Iterable[str] = BUSINESS_INTENTS,
    worst: int = 10,
    examples_per_confusion: int = 3,
) -> NluScores:
    """Score `predicted` against `gold` (one entry per text, same order)."""
    if not (len(gold) == len(predicted) == len(texts)):
        raise ValueError("gold, predicted and texts must have the same length")
    if not gold:
        raise ValueError("nothing to score")
    known = set(known_intents)
    business = set(business_intents)
    right = [g == p and g in known for g, p in zip(gold, predicted, strict=True)]

    gold_counts = Counter(gold)
    predicted_counts = Counter(predicted)
    per_intent = []
    for label in sorted(gold_counts):
        tp = sum(
            ok and g == label for ok, g in zip(right, gold, strict=True)
        )  # an unknown label is never right
        precision = tp / predicted_counts[label] if predicted_counts[label] else 0.0
        recall = tp / gold_counts[label]
        per_intent.append(
            IntentScore(
                intent=label,
                support=gold_counts[label],
                predicted=predicted_counts[label],
                precision=precision,
                recall=recall,
                f1=_f1(precision, recall),
                known=label in known,
            )
        )

    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ok, g, p, text in zip(right, gold, predicted, texts, strict=True):
        if not ok:
            pairs[(g, p)].append(text)
    confusions = sorted(
        (
            Confusion(g, p, len(found), tuple(found[:examples_per_confusion]))
            for (g, p), found in pairs.items()
        ),
        key=lambda c: (-c.count, c.gold, c.predicted),
    )

    labels = sorted(set(gold) | (set(predicted) - {FALLBACK}))
    if FALLBACK in predicted_counts:
        labels.append(FALLBACK)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1

    out_of_scope = [
        p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE
    ]
    business_predictions = [
        p for g, p in zip(gold, predicted, strict=True) if g in business
    ]
    in_scope = [
        ok or (g in SAME_NEXT_STEP and p in SAME_NEXT_STEP)
        for ok, g, p in zip(right, gold, predicted, strict=True)
        if g != OUT_OF_SCOPE
    ]
    return NluScores(
        n=len(gold),
        correct=sum(right),
        accuracy=sum(right) / len(gold),
        macro_f1=sum(s.f1 for s in per_intent) / len(per_intent),
        per_intent=tuple(per_intent),
        unknown_labels={
            label: count
            for label, count in sorted(gold_counts.items())
            if label not in known
        },  # fmt: skip
        fallbacks=predicted_counts[FALLBACK],
        false_triage=Rate(sum(p in business for p in out_of_scope), len(out_of_scope)),
        fallback_catch=Rate(
            business_predictions.count(FALLBACK), len(business_predictions)
        ),
        in_scope=Rate(sum(in_scope), len(in_scope)),
        confusions=tuple(confusions[:worst]),
        labels=tuple(labels),
        matrix=tuple(tuple(row) for row in matrix),
    )


def mean_and_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, variance**0.5


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (fraction in (0, 1])."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(len(sorted_values) * fraction))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Calibration:
    """How far the classifier's confidence is from its accuracy.

    `ece` (expected calibration error) is the average, weighted by the number
    of predictions, of |accuracy - mean confidence| over equal-width confidence
    bins; 0 is perfectly calibrated. A wrong triage at confidence 0.98 is what
    the fallback threshold cannot catch."""

    bins: tuple[CalibrationBin, ...]
    ece: float
    n: int


def calibration(
    correct: Sequence[bool], confidences: Sequence[float], *, bins: int = 10
) -> Calibration:
    """Reliability bins and ECE of predictions (`correct[i]` at `confidences[i]`)."""
    if len(correct) != len(confidences):
        raise ValueError("correct and confidences must have the same length")
    if not correct:
        raise ValueError("nothing to score")
    grouped: list[list[tuple[bool, float]]] = [[] for _ in range(bins)]
    for ok, confidence in zip(correct, confidences, strict=True):
        confidence = min(max(float(confidence), 0.0), 1.0)
        grouped[min(int(confidence * bins), bins - 1)].append((ok, confidence))
    result, ece = [], 0.0
    for index, members in enumerate(grouped):
        if members:
            accuracy = sum(ok for ok, _ in members) / len(members)
            mean = sum(c for _, c in members) / len(members)
            ece += len(members) / len(correct) * abs(accuracy - mean)
        else:
            accuracy = mean = None
        result.append(
            CalibrationBin(
                index / bins, (index + 1) / bins, len(members), mean, accuracy
            )
        )
    return Calibration(tuple(result), ece, len(correct))
