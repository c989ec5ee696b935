"""The product answers' precision and recall (issue 12, item 4: answers that
never guess), before and after the answer model.

"Before" is the lexicon alone (`lexical_answer`); "after" is what the bot
answers (`answer_product_question`: the lexicon's and the sentence encoder's
evidence weighed by the answer model, `bot.nlp.answers.semantic`).

Development files (their mistakes are printed, and were looked at):

- product_questions.yml, product_questions_dev.yml, product_answers_dev2.yml
  to product_answers_dev8.yml: the lexicon was built on them, round after
  round (dev3 to dev8 were each written blind by a helper who never read the
  matcher, measured blind once, then looked at). The answer model does not
  learn from them (`tools.evaluation.answer_sets.DEVELOPMENT`).

Training files (the answer model learns from them and only them; nobody built
the lexicon on them, so the lexicon is as good there as on a new page):

- product_answers_train1.yml to product_answers_train4.yml: 4 x 220 questions
  over 88 products in 88 categories, written on 2026-12-06 by four helpers
  who never read the matcher or these sets;
- product_answers_train5.yml and product_answers_train6.yml: the blind sets 9
  and 10 until 2026-12-06. Measured blind with the first answer model (learnt
  on train1-4, threshold for precision 0.97 on held-out files: the lexicon
  0.852/0.500, the model 0.906/0.240 over both), they showed that operating
  point did not hold, and became training data.

Their figures here are in-sample; `python -m tools.train_answer_model` prints
the held-out ones (each file left out in turn).

Blind files (figures only, never their mistakes; whoever looks at them must
say so and move the file to the training or development sets):

- product_answers_blind11.yml and product_answers_blind12.yml: 2 x 220
  questions over 44 products in 44 categories, written on 2026-12-06 by two
  helpers who never read the matcher or the other sets;
- product_answers_blind13.yml and product_answers_blind14.yml: 2 x 220
  questions over 44 more products in 44 more categories, written on
  2026-12-06 (stop 28) by two more such helpers, because 11 and 12 had been
  measured four times.
- product_answers_blind15.yml and product_answers_blind16.yml: 2 x 220
  questions over 44 more products in 44 categories no other set has,
  written on 2026-12-07 (stop 36) by two more such helpers. Measured once
  with the shipped model: the lexicon 0.869/0.560, the model 0.882/0.658.

Measured on 2026-12-06: the model trades a little precision for much more
recall. Over the blind files the lexicon alone answers 129 of 440 questions
(109 right: precision 0.845, recall 0.450) and the model 170 (142 right:
0.835, 0.587); over the development files, where the lexicon was tuned,
0.963/0.754 against 0.934/0.809. The blind files were measured twice: with the
first version of this model (0.823/0.595), and after a reviewer found that its
guard for colours and sizes the page does not list never fired (fixed, the
model retrained; figures above). Their mistakes were never printed. Blind 13
and 14, measured once with this model: the lexicon 0.907/0.585, the model
0.915/0.719 (215 of 299 answerable, 20 wrong answers). Over the four blind
files the model gave 0.881/0.660, and 0.882/0.662 once order references
("from order #112-...") were dropped whole and a purchase phrase began at its
last determiner ("the wattage on THE KETTLE I got"), same stop.

Tried on 2026-12-07 and not shipped (figures in the README): a cross-encoder
(all-MiniLM-L6-v2 fine-tuned with LoRA on the training and most development
files, every fact of the page scored with the question) reached 0.882/0.676
on development files 7 and 8, where the shipped model gives 0.878/0.619; the
answer model relearnt with three more training files (train7-9, 660
questions) gave 0.886/0.648 over blind 11-16 against 0.882/0.661.

Issue 12's gate is precision >= 0.97 and recall >= 0.85 on a set whose half is
written blind: NOT met. The floors below are what was measured (rounded down), so that
the answers can only get better; the issue's gate is printed beside them. An
answer is correct when its source is one of the question's listed sources; any
answer to a question whose `source` is null is wrong (it counts against
precision). Run with `pytest -s` to see the figures and the development files'
mistakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.domain.model import Product, ProductAnswer
from bot.nlp.answers import answer_product_question
from bot.nlp.answers.matcher import lexical_answer
from bot.nlp.pipeline import load
from tests.unit.test_answers import assert_well_formed
from tools.evaluation.answer_sets import (
    BLIND,
    DEVELOPMENT,
    TRAINING,
    expected_sources,
    read_answer_set,
)

ISSUE_GATE_PRECISION = 0.97
ISSUE_GATE_RECALL = 0.85
# Measured on 2026-12-06 with the answer model (rounded down): a regression
# below any of these fails.
FLOORS = {
    "development": (0.93, 0.80),  # 0.934, 0.809; lexicon alone: 0.963, 0.754
    "training": (0.85, 0.62),  # in-sample 0.860, 0.625; lexicon alone: 0.856, 0.508
    # blind 11-14: 0.882, 0.662 (before the order-reference fix: 11+12 0.835,
    # 0.587; 13+14 0.915, 0.719); lexicon alone: 0.882, 0.525.
    # blind 11-16 (2026-12-07): 0.882, 0.661; lexicon alone: 0.877, 0.537
    "blind": (0.88, 0.65),
}

Answerer = Callable[[Product, str], "ProductAnswer | None"]


@dataclass
class Figures:
    name: str
    pairs: int = 0
    answerable: int = 0
    given: int = 0
    correct: int = 0
    seconds: float = 0.0
    # Not in the repr: a failing assertion on a blind set must not print them.
    mistakes: list[str] = field(default_factory=list, repr=False)

    @property
    def precision(self) -> float:
        return self.correct / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.answerable if self.answerable else 1.0

    def add(self, other: Figures) -> None:
        self.pairs += other.pairs
        self.answerable += other.answerable
        self.given += other.given
        self.correct += other.correct
        self.seconds += other.seconds
        self.mistakes += other.mistakes

    def line(self) -> str:
        ms = 1000 * self.seconds / self.pairs if self.pairs else 0.0
        return (
            f"[{self.name}] {self.pairs} pairs ({self.answerable} answerable, "
            f"{self.pairs - self.answerable} not): precision "
            f"{self.correct}/{self.given} = {self.precision:.3f}, recall "
            f"{self.correct}/{self.answerable} = {self.recall:.3f}, "
            f"{ms:.2f} ms/question"
        )


def evaluate(path: Path, answer: Answerer, name: str = "") -> Figures:
    products, questions = read_answer_set(path)
    figures = Figures(name or path.name)
    started = time.perf_counter()
    for q in questions:
        expected = expected_sources(q["source"])
        got = answer(products[q["asin"]], q["q"])
        figures.pairs += 1
        figures.answerable += bool(expected)
        if got is not None:
            figures.given += 1
            figures.correct += got.source in expected
        if (got.source if got else None) not in (expected or [None]):
            shown = f"{got.source} {got.text!r}" if got else "None"
            kind = "WRONG" if got is not None else "missed"
            figures.mistakes.append(
                f"{kind}: {q['asin']} {q['q']!r}: got {shown}, want {expected or None}"
            )
    figures.seconds = time.perf_counter() - started
    return figures


GROUPS = {"development": DEVELOPMENT, "training": TRAINING, "blind": BLIND}


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, Figures]]:
    """Each group's figures, before ("lexicon") and after ("model")."""
    nlp = load()
    answerers = {
        "lexicon": lambda p, q: lexical_answer(p, q, nlp=nlp),
        "model": lambda p, q: answer_product_question(p, q, nlp=nlp),
    }
    result: dict[str, dict[str, Figures]] = {}
    for group, paths in GROUPS.items():
        for how, answer in answerers.items():
            total = Figures(f"{group}, {how}")
            for path in paths:
                total.add(evaluate(path, answer))
            result.setdefault(group, {})[how] = total
    return result


@pytest.mark.parametrize(
    "path", [*DEVELOPMENT, *TRAINING, *BLIND], ids=lambda p: p.name
)
def test_sets_are_well_formed(path: Path):
    products, questions = read_answer_set(path)
    assert len(questions) >= 100
    assert len({p.category for p in products.values()}) >= 6
    assert sum(q["source"] is None for q in questions) >= 25
    assert_well_formed(products, questions)


def test_blind_sets_are_big_enough():
    """Issue 12: 150+ pairs over 10+ categories, 50+ unanswerable, per set."""
    for path in BLIND:
        products, questions = read_answer_set(path)
        assert len(questions) >= 150, path.name
        assert len({p.category for p in products.values()}) >= 10, path.name
        assert sum(q["source"] is None for q in questions) >= 50, path.name


def test_figures_do_not_regress(measured):
    """Figures for every group; the development files' mistakes, never the
    blind files'."""
    lines = []
    for by in measured.values():
        lines += [by["lexicon"].line(), by["model"].line()]
    all_model = Figures("all files, model")
    for by in measured.values():
        all_model.add(by["model"])
    lines.append(all_model.line())
    gate_met = (
        all_model.precision >= ISSUE_GATE_PRECISION
        and all_model.recall >= ISSUE_GATE_RECALL
    )
    lines.append(
        f"issue 12 gate (precision >= {ISSUE_GATE_PRECISION}, recall >= "
        f"{ISSUE_GATE_RECALL}): " + ("met" if gate_met else "NOT met")
    )
    print("\n" + "\n".join(lines))
    print("\n".join(f"  {m}" for m in measured["development"]["model"].mistakes))
    for group, (precision, recall) in FLOORS.items():
        figures = measured[group]["model"]
        assert figures.precision >= precision, figures.line()
        assert figures.recall >= recall, figures.line()


def f_half(figures: Figures) -> float:
    p, r = figures.precision, figures.recall
    return 1.25 * p * r / (0.25 * p + r) if p and r else 0.0


def test_the_model_beats_the_lexicon_on_new_pages(measured):
    """On pages nobody tuned the lexicon for (training and blind files), the
    model finds more answers and scores a better F0.5 (precision weighted
    twice as much as recall: the criterion its thresholds were chosen by)."""
    for group in ("training", "blind"):
        before, after = measured[group]["lexicon"], measured[group]["model"]
        assert after.recall > before.recall, (before.line(), after.line())
        assert f_half(after) > f_half(before), (before.line(), after.line())


def test_the_shipped_model_is_what_training_gives(capsys):
    """bot/nlp/answer_model.json is what `python -m tools.train_answer_model`
    writes from the training files (deterministic on one machine; the weights
    within WEIGHT_TOLERANCE across CPUs): nobody edited it by hand."""
    from tools.train_answer_model import main

    assert main(["--check"]) == 0, capsys.readouterr().err


def test_the_check_allows_floating_point_not_edits():
    """Another CPU's BLAS moves the learnt weights by about 1e-4: the check
    lets that pass, and catches a hand edit or a changed threshold."""
    import json

    from bot.nlp.answers.semantic import MODEL_PATH
    from tools.train_answer_model import WEIGHT_TOLERANCE, differences

    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    trained = dict(shipped, weights=[w + 3e-4 for w in shipped["weights"]])
    assert differences(shipped, trained) == []
    edited = dict(
        shipped, weights=[shipped["weights"][0] + 0.05, *shipped["weights"][1:]]
    )
    assert "0.050000 off" in differences(edited, shipped)[0]
    assert WEIGHT_TOLERANCE < 0.05
    moved = dict(shipped, threshold=shipped["threshold"] + 0.01)
    assert differences(moved, shipped)[0].startswith("threshold:")
    assert differences({"weights": "x"}, shipped)
    assert differences(dict(shipped, intercept="high"), shipped)
