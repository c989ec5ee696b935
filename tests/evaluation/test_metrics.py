"""The scores of `python -m tools.evaluation`, on a small set whose figures are
worked out by hand."""

from __future__ import annotations

import pytest

from tools.evaluation.datasets import domain_intents
from tools.evaluation.metrics import (
    BUSINESS_INTENTS,
    FALLBACK,
    mean_and_sd,
    percentile,
    score,
)

GOLD = ["delivery_status", "delivery_status", "out_of_scope", "out_of_scope",
        "greet", "refund_status"]  # fmt: skip
PREDICTED = ["delivery_status", FALLBACK, "return_refund", "out_of_scope",
             "greet", "greet"]  # fmt: skip
TEXTS = ["where is it", "wheres my stuf", "tell me a joke", "weather?", "hi", "refund?"]


@pytest.fixture(scope="module")
def scores():
    return score(GOLD, PREDICTED, TEXTS, known_intents=domain_intents())


def test_accuracy_counts_fallback_and_unknown_labels_wrong(scores):
    assert scores.n == 6
    assert scores.correct == 3
    assert scores.accuracy == pytest.approx(0.5)
    assert scores.fallbacks == 1
    assert scores.unknown_labels == {"refund_status": 1}


def test_per_intent_precision_recall_f1(scores):
    by_intent = {s.intent: s for s in scores.per_intent}
    assert set(by_intent) == {
        "delivery_status",
        "out_of_scope",
        "greet",
        "refund_status",
    }
    delivery = by_intent["delivery_status"]
    assert (delivery.support, delivery.predicted) == (2, 1)
    assert (delivery.precision, delivery.recall) == (1.0, 0.5)
    assert delivery.f1 == pytest.approx(2 / 3)
    greet = by_intent["greet"]
    assert (greet.precision, greet.recall) == (0.5, 1.0)
    assert greet.f1 == pytest.approx(2 / 3)
    unknown = by_intent["refund_status"]
    assert not unknown.known
    assert (unknown.precision, unknown.recall, unknown.f1) == (0.0, 0.0, 0.0)
    # (2/3 + 2/3 + 2/3 + 0) / 4: the unknown label is averaged in, with F1 0
    assert scores.macro_f1 == pytest.approx(0.5)


def test_false_triage_and_fallback_catch(scores):
    # one of the two out_of_scope messages went to return_refund, a business intent
    assert (scores.false_triage.count, scores.false_triage.total) == (1, 2)
    assert scores.false_triage.value == pytest.approx(0.5)
    # one of the two business messages (delivery_status) was caught by the fallback
    assert (scores.fallback_catch.count, scores.fallback_catch.total) == (1, 2)


def test_worst_confusions_with_examples_and_matrix(scores):
    assert [(c.gold, c.predicted, c.count, c.examples) for c in scores.confusions] == [
        ("delivery_status", FALLBACK, 1, ("wheres my stuf",)),
        ("out_of_scope", "return_refund", 1, ("tell me a joke",)),
        ("refund_status", "greet", 1, ("refund?",)),
    ]
    assert scores.labels == ("delivery_status", "greet", "out_of_scope",
                             "refund_status", "return_refund", FALLBACK)  # fmt: skip
    assert sum(map(sum, scores.matrix)) == 6
    assert (
        scores.matrix[scores.labels.index("greet")][scores.labels.index("greet")] == 1
    )


def test_an_unknown_label_is_wrong_even_when_predicted_verbatim():
    result = score(["refund_status"], ["refund_status"], ["x"], known_intents={"greet"})
    assert result.accuracy == 0.0
    assert result.unknown_labels == {"refund_status": 1}


def test_rates_without_out_of_scope_or_business_messages_are_undefined():
    result = score(["greet"], ["greet"], ["hi"], known_intents={"greet"})
    assert result.false_triage.value is None
    assert result.fallback_catch.value is None


def test_business_intents_are_the_routed_ones():
    assert set(BUSINESS_INTENTS) == {
        "delivery_status", "return_refund", "damaged_item", "cancel_order",
        "change_address", "invoice", "customization", "pre_order", "product_question",
    }  # fmt: skip
    assert set(BUSINESS_INTENTS) <= set(domain_intents())


def test_percentile_and_mean():
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    mean, sd = mean_and_sd([1.0, 2.0, 3.0])
    assert (mean, sd) == (2.0, 1.0)
    assert mean_and_sd([0.9]) == (0.9, 0.0)


def test_in_scope_accuracy_counts_pre_order_and_product_question_as_one():
    gold = ["pre_order", "product_question", "cancel_order", "delivery_status"]
    gold += ["out_of_scope", "out_of_scope"]
    predicted = ["product_question", "pre_order", "cancel_order", "nlu_fallback"]
    predicted += ["pre_order", "out_of_scope"]
    got = score(gold, predicted, [str(i) for i in range(6)], known_intents=set(gold))
    # out_of_scope messages are not in scope; the swap of the two is not an error
    assert (got.in_scope.count, got.in_scope.total) == (3, 4)
    assert got.accuracy == 2 / 6  # plain accuracy still counts the swap wrong
    assert (got.false_triage.count, got.false_triage.total) == (1, 2)


def test_calibration_bins_and_expected_calibration_error():
    from tools.evaluation.metrics import calibration

    correct = [True, True, False, True, False, False]
    confidences = [0.95, 0.92, 0.97, 0.55, 0.52, 1.0]
    got = calibration(correct, confidences, bins=10)
    top, middle = got.bins[9], got.bins[5]
    assert (top.count, middle.count, got.n) == (4, 2, 6)
    assert top.accuracy == 0.5 and middle.accuracy == 0.5
    assert top.mean_confidence == pytest.approx((0.95 + 0.92 + 0.97 + 1.0) / 4)
    expected = 4 / 6 * abs(0.5 - 0.96) + 2 / 6 * abs(0.5 - 0.535)
    assert got.ece == pytest.approx(expected)
    assert all(b.count == 0 and b.accuracy is None for b in got.bins[:5])
    perfect = calibration([True, False], [1.0, 0.0], bins=2)
    assert perfect.ece == 0
