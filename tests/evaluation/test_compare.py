"""The pieces of `python -m tools.evaluation compare` that need no training (the
full run is `make eval`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.evaluation.compare import (
    cap_epochs,
    load_pool,
    our_config,
    rasa_init_config,
    stratified_folds,
    tfidf_lr_predict,
    write_nlu_yaml,
)
from tools.evaluation.datasets import EvalError


def test_rasa_default_is_the_rasa_init_template_completed_by_rasa():
    from rasa.cli.scaffold import scaffold_path

    template = yaml.safe_load((Path(scaffold_path()) / "config.yml").read_text())
    config = rasa_init_config()
    assert config["language"] == template["language"] == "en"
    names = [c["name"] for c in config["pipeline"]]
    assert names[0] == "WhitespaceTokenizer"
    assert "DIETClassifier" in names and names[-1] == "FallbackClassifier"
    diet = next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")
    assert diet["epochs"] == 100  # Rasa's default, untouched unless capped


def test_cap_epochs_caps_every_trained_component_and_copies():
    ours = our_config()
    capped = cap_epochs(ours, 3)
    assert [c.get("epochs") for c in capped["pipeline"] if "epochs" in c] == [3]
    assert next(c for c in ours["pipeline"] if "epochs" in c)["epochs"] > 3
    assert cap_epochs(ours, None) == ours


def test_folds_are_stratified_disjoint_and_reproducible():
    pool = load_pool(per_intent=6, seed=7)
    assert len(pool.texts) == 6 * len(set(pool.intents))
    folds = stratified_folds(pool.intents, 3, seed=7)
    assert folds == stratified_folds(pool.intents, 3, seed=7)
    tested = sorted(i for _, test in folds for i in test)
    assert tested == list(range(len(pool.texts)))  # each example tested once
    for train, test in folds:
        assert not set(train) & set(test)
        for intent in set(pool.intents):  # 2 of each intent's 6 in every test fold
            assert [pool.intents[i] for i in test].count(intent) == 2
    with pytest.raises(EvalError) as error:
        stratified_folds(pool.intents, 7, seed=7)
    assert error.value.key == "eval.error.bad_folds"


def test_fold_training_data_keeps_regexes_and_entities(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    pool = load_pool(per_intent=4)
    with_entity = next(
        i for i, m in enumerate(pool.messages) if m.get("entities")
    )  # an annotated order number
    path = write_nlu_yaml(pool, [with_entity, 0], tmp_path / "fold.yml")
    data = load_data(str(path))
    assert len(data.intent_examples) == 2
    assert any(m.get("entities") for m in data.intent_examples)
    assert [r["name"] for r in data.regex_features] == ["order_id"]


def test_tfidf_baseline_learns_a_toy_task():
    train = ["where is my parcel", "where is my order", "track my package",
             "i want a refund", "refund please", "send it back for a refund"]  # fmt: skip
    labels = ["delivery_status"] * 3 + ["return_refund"] * 3
    predictions = tfidf_lr_predict(
        train, labels, ["where is my parcel now", "a refund"], 1
    )
    assert [p.intent for p in predictions] == ["delivery_status", "return_refund"]
    assert all(0.5 < p.confidence <= 1 for p in predictions)
