"""Evaluate a trained Rasa model on a labelled file (`python -m tools.evaluation nlu`).

The model is parsed in this process (`Agent.load` + `parse_message`, as the
held-out test does), with the project root as the working directory so that
`models/spacy-en` in config.yml resolves. Nothing here trains.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT
from tools.evaluation.datasets import (
    HELDOUT,
    EvalError,
    Example,
    domain_intents,
    read_examples,
)
from tools.evaluation.metrics import FALLBACK, NluScores, score


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float


@dataclass(frozen=True)
class NluEvaluation:
    source: Path
    model: Path
    examples: tuple[Example, ...]
    predictions: tuple[Prediction, ...]
    scores: NluScores


@contextlib.contextmanager
def project_cwd() -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(PROJECT_ROOT)
    try:
        yield
    finally:
        os.chdir(previous)


def quiet_rasa_environment() -> None:
    """No telemetry (no internet here) and no TensorFlow start-up chatter."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _quiet_rasa_logs() -> None:
    """Rasa logs every parse at debug level through structlog: warnings only."""
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING)
    )


def bot_model() -> Path:
    """The bot's model for the current config, domain and data (bot.entrypoints.training).

    Never trains: a missing model is an `EvalError` (run `make train`).
    """
    from bot.entrypoints.training import MODEL_SUFFIX, model_fingerprint, model_name

    path = PROJECT_ROOT / "models" / f"{model_name(model_fingerprint())}{MODEL_SUFFIX}"
    if not path.is_file():
        raise EvalError("eval.error.no_model", path=str(path))
    return path


def resolve_model(model: str | Path | None) -> Path:
    if model is None:
        return bot_model()
    path = Path(model)
    if not path.is_file():
        raise EvalError("eval.error.model_not_found", path=str(path))
    return path.resolve()


def parse_intents(model: Path, texts: Sequence[str]) -> list[Prediction]:
    """The intent Rasa's `model` predicts for each text (`nlu_fallback` included)."""
    quiet_rasa_environment()
    _quiet_rasa_logs()
    from rasa.core.agent import Agent

    try:
        with project_cwd():
            agent = Agent.load(str(model))
    except Exception as exc:  # noqa: BLE001 - Rasa raises several kinds
        detail = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise EvalError(
            "eval.error.bad_model", path=str(model), detail=detail
        ) from None

    async def parse_all() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    with project_cwd():
        results = asyncio.run(parse_all())
    predictions = []
    for result in results:
        intent = result.get("intent") or {}
        predictions.append(
            Prediction(
                intent=intent.get("name") or FALLBACK,
                confidence=float(intent.get("confidence") or 0.0),
            )
        )
    return predictions


def evaluate_file(
    source: str | Path | None = None, model: str | Path | None = None
) -> NluEvaluation:
    """Read the labelled file (the held-out file by default), parse, score.

    The file is checked before the model is loaded, so a bad file fails fast.
    """
    quiet_rasa_environment()
    path = Path(source) if source is not None else HELDOUT
    examples = read_examples(path)
    model_path = resolve_model(model)
    predictions = parse_intents(model_path, [e.text for e in examples])
    scores = score(
        [e.intent for e in examples],
        [p.intent for p in predictions],
        [e.text for e in examples],
        known_intents=domain_intents(),
    )
    return NluEvaluation(
        source=path,
        model=model_path,
        examples=tuple(examples),
        predictions=tuple(predictions),
        scores=scores,
    )
