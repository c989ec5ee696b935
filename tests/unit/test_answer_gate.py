"""The product-page matcher's precision and recall (issue 12, item 4: answers
that never guess).

Development files (their mistakes are printed, and were looked at):

- product_questions.yml: held out, written before the first matcher, looked at
  since;
- product_answers_dev2.yml: written by the matcher's author;
- product_answers_dev3.yml: written blind by someone else, then looked at;
- product_answers_dev4.yml to product_answers_dev7.yml: 260, 220, 217 and 220
  questions over 20, 22, 22 and 22 products, each in as many categories,
  written blind by helpers who never read the matcher, each measured blind and
  then looked at while the matcher was improved (2026-12-04).

- product_answers_dev8.yml: 220 questions over 22 products in 22 categories
  (99 unanswerable), written blind on 2026-12-04 by a helper who never read
  the matcher; the blind set until 2026-12-05, when its mistakes were read to
  look for general rules (two tried: WordNet synonyms and "included?" as a
  required topic; both cost more right answers than wrong ones and were
  dropped; a few more stemmer endings, "accuracy" ~ "accurate", were kept).

and one kept blind:

- product_answers_blind9.yml: 220 questions over 22 products in 22 categories
  (99 unanswerable), written on 2026-12-05 by a helper who never read the
  matcher or these sets. Only its figures are printed, never its mistakes:
  whoever looks at them must say so and move the file to the development sets.

Issue 12's gate is precision >= 0.97 and recall >= 0.85 on a set whose half is
written blind. It is NOT met. Over the first seven development files the
matcher reaches precision 0.974 and recall 0.771; on dev8 (blind when
measured) 0.836 and 0.504; on blind9, measured once on 2026-12-05, precision
0.831 and recall 0.570. Every blind set so far has shown the same: the matcher
still guesses on pages it has never seen, about one answer in six, and misses
what buyers ask in words no lexicon entry holds (paraphrase and world knowledge:
"does it lean back" for "recline angle", "will it fit ryanair's sizer" for the
dimensions). This test holds the floors the matcher reached (`FLOOR_*`,
`DEV8_FLOOR_*`, `BLIND_FLOOR_*`), so that it can only get better;
`ISSUE_GATE_*` are printed beside the figures. An answer is correct when its
source is one of the question's listed sources; any answer to a question whose
`source` is null is wrong (it counts against precision). Run with `pytest -s` to
see the figures per file and every mistake of the development files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.domain.model import Product, ProductAnswer
from bot.nlp.answers import answer_product_question
from bot.nlp.pipeline import load
from tests.unit.test_answers import _expected as expected_sources
from tests.unit.test_answers import _load_set as load_set
from tests.unit.test_answers import assert_well_formed

DATA = Path(__file__).resolve().parent.parent / "data"
HELD_OUT = DATA / "product_questions.yml"
DEV2 = DATA / "product_answers_dev2.yml"
DEV3 = DATA / "product_answers_dev3.yml"
DEV4 = DATA / "product_answers_dev4.yml"
DEV5 = DATA / "product_answers_dev5.yml"
DEV6 = DATA / "product_answers_dev6.yml"
DEV7 = DATA / "product_answers_dev7.yml"
DEV8 = DATA / "product_answers_dev8.yml"
BLIND = DATA / "product_answers_blind9.yml"

# The issue's gate, printed (not yet met: see the module docstring).
ISSUE_GATE_PRECISION = 0.97
ISSUE_GATE_RECALL = 0.85
# What the matcher reached over the first seven development files on
# 2026-12-04 (precision 0.974, recall 0.770), rounded down: a regression below
# either fails.
FLOOR_PRECISION = 0.97
FLOOR_RECALL = 0.77
# dev8, the blind set until 2026-12-05 (precision 0.836, recall 0.504),
# rounded down: kept apart so that the floors above keep their meaning.
DEV8_FLOOR_PRECISION = 0.83
DEV8_FLOOR_RECALL = 0.50
# The blind set, measured once with the final matcher (precision 0.831, recall
# 0.570), rounded down.
BLIND_FLOOR_PRECISION = 0.83
BLIND_FLOOR_RECALL = 0.57

Answerer = Callable[[Product, str], "ProductAnswer | None"]


def gate_files() -> list[Path]:
    return [HELD_OUT, DEV2, DEV3, DEV4, DEV5, DEV6, DEV7]


@dataclass
class Figures:
    name: str
    pairs: int = 0
    answerable: int = 0
    given: int = 0
    correct: int = 0
    seconds: float = 0.0
    # Not in the repr: a failing assertion on the blind set must not print them.
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


def evaluate(path: Path, answer: Answerer) -> Figures:
    products, questions = load_set(path)
    figures = Figures(path.name)
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


@pytest.fixture(scope="module")
def nlp():
    return load()


def test_blind_set_is_well_formed():
    products, questions = load_set(BLIND)
    assert len(questions) >= 150
    assert len({p.category for p in products.values()}) >= 10
    assert sum(q["source"] is None for q in questions) >= 50
    assert_well_formed(products, questions)


def test_blind_set_figures_without_its_mistakes(nlp):
    """Figures only: the mistakes of the blind set are not printed (see above)."""
    blind = evaluate(BLIND, lambda p, q: answer_product_question(p, q, nlp=nlp))
    dev = Figures("development files")
    for path in [*gate_files(), DEV8]:
        dev.add(evaluate(path, lambda p, q: answer_product_question(p, q, nlp=nlp)))
    total = Figures("all files")
    total.add(dev)
    total.add(blind)
    gate_met = (
        total.precision >= ISSUE_GATE_PRECISION and total.recall >= ISSUE_GATE_RECALL
    )
    print(
        "\n"
        + "\n".join(f.line() for f in (blind, dev, total))
        + f"\nissue 12 gate (precision >= {ISSUE_GATE_PRECISION}, recall >= "
        + f"{ISSUE_GATE_RECALL}): "
        + ("met" if gate_met else "NOT met")
    )
    assert blind.precision >= BLIND_FLOOR_PRECISION, blind.line()
    assert blind.recall >= BLIND_FLOOR_RECALL, blind.line()


def test_dev2_set_is_well_formed():
    products, questions = load_set(DEV2)
    assert len(questions) >= 75
    assert len({p.category for p in products.values()}) >= 10
    assert sum(q["source"] is None for q in questions) >= 25
    assert_well_formed(products, questions)


def test_precision_and_recall_do_not_regress(nlp):
    total = Figures("overall")
    lines = []
    for path in gate_files():
        figures = evaluate(path, lambda p, q: answer_product_question(p, q, nlp=nlp))
        total.add(figures)
        lines.append(figures.line())
        lines.extend(f"  {m}" for m in figures.mistakes)
    lines.append(total.line())
    gate_met = (
        total.precision >= ISSUE_GATE_PRECISION and total.recall >= ISSUE_GATE_RECALL
    )
    lines.append(
        f"issue 12 gate (precision >= {ISSUE_GATE_PRECISION}, recall >= "
        f"{ISSUE_GATE_RECALL}, half of the set blind): "
        + ("met on these files" if gate_met else "NOT met")
        + " (none of these files is blind any more)"
    )
    report = "\n".join(lines)
    print("\n" + report)
    assert total.precision >= FLOOR_PRECISION, report
    assert total.recall >= FLOOR_RECALL, report


def test_dev8_does_not_regress(nlp):
    figures = evaluate(DEV8, lambda p, q: answer_product_question(p, q, nlp=nlp))
    report = "\n".join([figures.line(), *(f"  {m}" for m in figures.mistakes)])
    print("\n" + report)
    assert figures.precision >= DEV8_FLOOR_PRECISION, report
    assert figures.recall >= DEV8_FLOOR_RECALL, report
