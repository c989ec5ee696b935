"""Held-out NLU accuracy: train the NLU model from config.yml + data/ and parse
every example of tests/nlu_heldout.yml (never used for training).

- Intent accuracy must be >= 0.95, counting a FallbackClassifier `nlu_fallback`
  prediction as WRONG (unlike `rasa test nlu`, which undoes fallback predictions).
- Every held-out example annotated with an `order_id` must yield an `order_id`
  entity that normalises to the same ddd-ddddddd-ddddddd number, and no example
  without one may yield an `order_id`.

The model is the bot's own (bot.entrypoints.training.ensure_model: trained when config.yml,
domain.yml or data/ changed, and shared with the end-to-end and story tests).
Runs with cwd = project root so that `models/spacy-en` in config.yml resolves.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from tools.evaluation.metrics import score

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG = PROJECT_ROOT / "config.yml"
DATA_DIR = PROJECT_ROOT / "data"
NLU_DIR = DATA_DIR / "nlu"
HELDOUT = PROJECT_ROOT / "tests" / "nlu_heldout.yml"
DOMAIN = PROJECT_ROOT / "domain.yml"

ACCURACY_BAR = 0.95

INTENTS = [
    "greet", "goodbye", "thanks", "affirm", "deny",
    "give_order_id", "delivery_status", "return_refund", "damaged_item",
    "cancel_order", "change_address", "invoice", "customization", "pre_order",
    "product_question", "human_agent", "out_of_scope",
]  # fmt: skip


def normalise_order_id(value: str) -> str | None:
    """'112 4455667 8899001', '11244556678899001', ... -> '112-4455667-8899001'."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 17:
        return None
    return f"{digits[:3]}-{digits[3:10]}-{digits[10:]}"


def _nlu_files() -> list[Path]:
    return sorted(p for p in NLU_DIR.rglob("*") if p.suffix in (".yml", ".yaml"))


def load_heldout(path: Path = HELDOUT):
    """[(text, intent, [normalised order ids])] from a held-out YAML file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    examples = []
    for msg in data.intent_examples:
        ids = [
            normalise_order_id(e["value"])
            for e in msg.get("entities") or []
            if e["entity"] == "order_id"
        ]
        examples.append((msg.get("text"), msg.get("intent"), ids))
    return examples


async def parse_all(model_path: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    return [await agent.parse_message(t) for t in texts]


def evaluate(model_path: Path, path: Path = HELDOUT) -> dict:
    """Parse every held-out example; `nlu_fallback` counts as a wrong intent."""
    examples = load_heldout(path)
    results = asyncio.run(parse_all(model_path, [t for t, _, _ in examples]))
    gold = [i for _, i, _ in examples]
    pred = [r["intent"]["name"] for r in results]
    labels = sorted(set(gold))
    errors, entity_errors = [], []
    for (text, intent, ids), res, p in zip(examples, results, pred, strict=True):
        if p != intent:
            errors.append((intent, p, round(res["intent"]["confidence"], 3), text))
        got = [
            normalise_order_id(e.get("value", ""))
            for e in res.get("entities", [])
            if e["entity"] == "order_id"
        ]
        if sorted(set(got)) != sorted(set(ids)):
            entity_errors.append((text, ids, got))
    # Every gold label counts as known: macro-F1 averages over the labels of the
    # file, and `nlu_fallback` (never a gold label) is simply wrong.
    scores = score(gold, pred, [t for t, _, _ in examples], known_intents=labels)
    return {
        "n": scores.n,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "fallbacks": scores.fallbacks,
        "per_intent_recall": {s.intent: s.recall for s in scores.per_intent},
        "confusions": Counter((g, p) for g, p, _, _ in errors).most_common(),
        "errors": errors,
        "entity_errors": entity_errors,
        "n_with_order_id": sum(bool(ids) for _, _, ids in examples),
    }


def check_heldout_file(path: Path) -> None:
    """Every intent has >= 20 held-out examples, and no held-out text appears
    verbatim in the training data."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = load_heldout(path)
    counts = Counter(i for _, i, _ in examples)
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 20, counts

    reader = RasaYAMLReader()
    train_texts = {
        m.get("text").strip().lower()
        for f in _nlu_files()
        for m in reader.read(str(f)).intent_examples
    }
    leaked = [t for t, _, _ in examples if t.strip().lower() in train_texts]
    assert not leaked, f"held-out examples found in training data: {leaked}"

    for text, _, ids in examples:
        assert all(ids), f"unnormalisable order id in held-out example: {text!r}"


def test_heldout_file_is_valid():
    """Cheap checks that run without training."""
    check_heldout_file(HELDOUT)


@pytest.mark.slow
def test_heldout_intent_accuracy(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)  # `models/spacy-en` in config.yml is relative
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")

    # The bot's own model (bot.entrypoints.training: trained once per config/domain/data
    # fingerprint and shared with the end-to-end and story tests).
    from bot.entrypoints.training import ensure_model

    started = time.monotonic()
    model_path = ensure_model()
    train_seconds = time.monotonic() - started
    report = evaluate(model_path)

    timing = f"{train_seconds:.1f} s to train or find the model"
    print(
        f"\nheld-out NLU: n={report['n']} accuracy={report['accuracy']:.4f} "
        f"macro-F1={report['macro_f1']:.4f} (nlu_fallback counted wrong: "
        f"{report['fallbacks']} fallbacks) training time: {timing}"
    )
    print("worst confusions (gold -> predicted):", report["confusions"][:8])
    for err in report["errors"]:
        print("  miss:", err)

    assert report["accuracy"] >= ACCURACY_BAR, (
        f"held-out intent accuracy {report['accuracy']:.4f} < {ACCURACY_BAR}"
    )
    assert report["n_with_order_id"] > 0
    assert not report["entity_errors"], (
        f"order_id extraction wrong for: {report['entity_errors']}"
    )
