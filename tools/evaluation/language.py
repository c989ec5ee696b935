"""How well the buyer's language is told (`python -m tools.evaluation language`, issue 16).

Scores bot.nlp.language, the NLU pipeline's language component, on held-out
files whose language is known: tests/nlu_heldout.yml (English) and
tests/data/nlu_heldout_es.yml (Spanish, written blind). Nothing here trains.

- accuracy: messages of at least MIN_WORDS words given their file's language
  (no answer, "keep the conversation's language", counts as wrong);
- flips: shorter messages that set a language anyway (an explicit request
  excepted); the target is none;
- the detector's time per message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from tools.evaluation.datasets import HELDOUT, read_examples

SPANISH_HELDOUT = PROJECT_ROOT / "tests" / "data" / "nlu_heldout_es.yml"
DEFAULT_FILES = ((HELDOUT, "en"), (SPANISH_HELDOUT, "es"))
TARGET_ACCURACY = 0.98


@dataclass(frozen=True)
class LanguageScores:
    source: Path
    language: str
    long_messages: int
    right: int
    undecided: int
    wrong: int
    short_messages: int
    flips: int
    microseconds_per_message: float

    @property
    def accuracy(self) -> float:
        return self.right / self.long_messages if self.long_messages else 0.0


def score_file(path: Path, language: str) -> LanguageScores:
    from bot.nlp.language import (
        MIN_WORDS,
        detect_language,
        requested_language,
        warm_up,
        words,
    )

    warm_up()
    texts = [example.text for example in read_examples(path)]
    right = undecided = wrong = short = flips = 0
    started = time.perf_counter()
    for text in texts:
        detected = detect_language(text)
        if len(set(words(text))) < MIN_WORDS:
            short += 1
            flips += detected is not None and requested_language(text) is None
        elif detected == language:
            right += 1
        elif detected is None:
            undecided += 1
        else:
            wrong += 1
    elapsed = time.perf_counter() - started
    return LanguageScores(
        source=path,
        language=language,
        long_messages=len(texts) - short,
        right=right,
        undecided=undecided,
        wrong=wrong,
        short_messages=short,
        flips=flips,
        microseconds_per_message=1e6 * elapsed / max(1, len(texts)),
    )


def score_files(
    files: tuple[tuple[Path, str], ...] = DEFAULT_FILES,
) -> list[LanguageScores]:
    return [score_file(Path(path), language) for path, language in files]


def overall_accuracy(scores: list[LanguageScores]) -> float:
    long_messages = sum(s.long_messages for s in scores)
    return sum(s.right for s in scores) / long_messages if long_messages else 0.0
