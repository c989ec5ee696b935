"""Learn the product-answer model (bot/nlp/answer_model.json) from the
training question sets.

    python -m tools.train_answer_model            # write the model, print the figures
    python -m tools.train_answer_model --check    # exit 1 if the file is not what training gives

"What training gives" allows for floating point: the encoder's vectors differ in
the last bits from one CPU to another (its BLAS kernels), and the weights learnt
from them by about 1e-4. `--check` therefore wants every other field equal and
each weight within WEIGHT_TOLERANCE; a hand edit or a model learnt on other
data or features is further off than that.

The model learns from the training files only (`answer_sets.TRAINING`: 1,320
questions on 132 pages nobody built the lexicon on). On the development files
the lexicon was built round after round, so there it looks far surer than on a
new page (precision 0.96 against 0.86): a model that learnt there would trust
it too much. For every training question that the lexicon does not refuse
outright, each candidate fact (`bot.nlp.answers.semantic`) is one example: its
features, and whether it is one of the question's right sources. A logistic
regression (scikit-learn, lbfgs, C=1: deterministic) learns the weights.

The two thresholds (to confirm the lexicon's choice, and to answer where the
lexicon is silent) are chosen without looking at the blind sets: each training
file in turn is left out, the model is learnt on the others and its answers
on the left-out file are kept. The pair (in steps of 0.01) is the one whose
held-out answers, pooled, have the best F0.5: precision weighted twice as much
as recall, since a wrong answer costs the buyer more than a question sent to
the seller.

Why not "the lowest threshold with precision >= 0.97" (issue 12's target)? It
was tried first, on 2026-12-06, with one threshold: on pages the model had not
seen, precision 0.97 was reached only at 0.96, where the model answered 15 % of
the answerable questions (the lexicon alone answers 51 % at precision 0.86),
and it refused plain questions on the demo pages ("what is it made of" ->
"material: ..."). Measured blind, that operating point gave 0.906/0.240.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.nlp.answers import semantic
from bot.nlp.answers.matcher import analyse, candidates
from bot.nlp.pipeline import load
from tools.evaluation.answer_sets import (
    TRAINING,
    expected_sources,
    read_answer_set,
)

TARGET_PRECISION = 0.97  # issue 12's target, printed beside the table
# Seen between two machines of this workplace on 2026-12-06: 0.0003 at most.
WEIGHT_TOLERANCE = 0.002
THRESHOLDS = tuple(round(0.3 + 0.01 * i, 2) for i in range(70))  # 0.30 .. 0.99


@dataclass
class Question:
    file: str
    answerable: bool
    candidates: list[tuple[int, list[float]]]  # (fact index, features)
    right: frozenset[int]  # the candidates that answer


def collect(paths=TRAINING) -> list[Question]:
    nlp = load()
    questions = []
    for path in paths:
        products, rows = read_answer_set(path)
        for row in rows:
            expected = expected_sources(row["source"])
            analysis = analyse(products[row["asin"]], row["q"], nlp=nlp)
            found = candidates(analysis) if analysis is not None else []
            questions.append(
                Question(
                    path.name,
                    bool(expected),
                    found,
                    frozenset(
                        i for i, _ in found if analysis.page.facts[i].source in expected
                    ),
                )
            )
    return questions


def fit(questions: list[Question]) -> tuple[list[float], float]:
    from sklearn.linear_model import LogisticRegression

    x = [f for q in questions for _, f in q.candidates]
    y = [i in q.right for q in questions for i, _ in q.candidates]
    clf = LogisticRegression(C=1.0, max_iter=5000).fit(np.array(x), np.array(y))
    return [round(float(w), 6) for w in clf.coef_[0]], round(
        float(clf.intercept_[0]), 6
    )


@dataclass(frozen=True)
class Outcome:
    """A held-out question under a model: what confirming and rescuing give."""

    answerable: bool
    lexical: tuple[float, bool] | None  # the lexicon's choice: (p, right?)
    rescue: tuple[float, bool] | None  # the best other candidate, when silent


def outcome(weights, intercept, q: Question) -> Outcome:
    model = semantic.AnswerModel(tuple(weights), intercept, 0.5, 0.5)
    lexical, other = semantic.weigh(model, q.candidates)
    return Outcome(
        q.answerable,
        (lexical[1], lexical[0] in q.right) if lexical else None,
        (other[1], other[0] in q.right) if other else None,
    )


def score(
    outcomes: list[Outcome], confirm: float, rescue: float
) -> tuple[float, float]:
    """(precision, recall) of the thresholds over held-out outcomes."""
    given = right = 0
    for o in outcomes:
        pick = o.lexical if o.lexical else o.rescue
        bar = confirm if o.lexical else rescue
        if pick is not None and pick[0] >= bar:
            given += 1
            right += pick[1]
    answerable = sum(o.answerable for o in outcomes)
    return (right / given if given else 1.0), right / answerable


def f_half(precision: float, recall: float) -> float:
    if not precision or not recall:
        return 0.0
    return 1.25 * precision * recall / (0.25 * precision + recall)


def choose_thresholds(questions: list[Question]) -> tuple[float, float, list[str]]:
    outcomes: list[Outcome] = []
    for name in sorted({q.file for q in questions}):
        weights, intercept = fit([q for q in questions if q.file != name])
        outcomes += [
            outcome(weights, intercept, q) for q in questions if q.file == name
        ]
    lexicon = score(outcomes, 0.0, 1.01)
    lines = [
        f"  the lexicon alone: precision {lexicon[0]:.3f}, recall {lexicon[1]:.3f}",
    ]
    best = (-1.0, 0.5, 0.5)
    for confirm in THRESHOLDS:
        for rescue in THRESHOLDS:
            f = f_half(*score(outcomes, confirm, rescue))
            if f > best[0]:
                best = (f, confirm, rescue)
    _, confirm, rescue = best
    for c, r in ((confirm, 1.01), (confirm, rescue), (0.0, rescue)):
        precision, recall = score(outcomes, c, r)
        what = f"confirm at {c:.2f}" + (
            f", rescue at {r:.2f}" if r <= 1 else ", never rescue"
        )
        lines.append(
            f"  {what}: precision {precision:.3f}, recall {recall:.3f}, "
            f"F0.5 {f_half(precision, recall):.3f}"
        )
    lines.append(
        f"chosen for the best F0.5: confirm at {confirm:.2f}, rescue at {rescue:.2f}"
    )
    return confirm, rescue, lines


def train() -> tuple[dict, list[str]]:
    questions = collect()
    threshold, rescue, lines = choose_thresholds(questions)
    weights, intercept = fit(questions)
    model = {
        "about": "Product-answer model: python -m tools.train_answer_model",
        "features": list(semantic.FEATURES),
        "weights": weights,
        "intercept": intercept,
        "threshold": threshold,
        "rescue_threshold": rescue,
        "trained_on": [p.name for p in TRAINING],
        "target_precision": TARGET_PRECISION,
    }
    return model, lines


def differences(current: dict, trained: dict) -> list[str]:
    """How the shipped model differs from the trained one, beyond floating
    point (`WEIGHT_TOLERANCE`); [] when it is what training gives."""
    faults = []
    for key in sorted(set(current) | set(trained)):
        if key in ("weights", "intercept"):
            continue
        if current.get(key) != trained.get(key):
            faults.append(
                f"{key}: {current.get(key)!r}, training gives {trained.get(key)!r}"
            )
    mine = current.get("weights")
    theirs = [*trained["weights"], trained["intercept"]]
    if not isinstance(mine, list) or len(mine) != len(trained["weights"]):
        faults.append(f"weights: {mine!r}")
        return faults
    mine = [*mine, current.get("intercept")]
    if not all(isinstance(w, (int, float)) for w in mine):
        faults.append(f"weights or intercept not numbers: {mine!r}")
        return faults
    gap = max(abs(a - b) for a, b in zip(mine, theirs, strict=True))
    if gap > WEIGHT_TOLERANCE:
        faults.append(f"a weight is {gap:.6f} off, beyond {WEIGHT_TOLERANCE}")
    return faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="fail if answer_model.json differs from what training gives",
    )
    parser.add_argument("--output", type=Path, default=semantic.MODEL_PATH)
    args = parser.parse_args(argv)
    model, lines = train()
    text = json.dumps(model, indent=2) + "\n"
    print("each training file left out in turn (held-out answers, pooled):")
    print("\n".join(lines))
    if args.check:
        try:
            current = json.loads(args.output.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            current = {"unreadable": str(exc)}
        faults = differences(current, model)
        if faults:
            print(
                f"error: {args.output} is not what training gives ({faults[0]}): "
                "retrain",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
