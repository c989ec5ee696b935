"""Spanish held-out NLU accuracy (issue 16): the bot's own model (one model for
English and Spanish, see the issue's note) on tests/data/nlu_heldout_es.yml,
written blind from the intent definitions by someone who never saw the
training data. Never train or tune on it: this test prints only the figures,
never the messages it got wrong (that would make it a development set).

The gate is 0.90 here; `make eval` reports it against the target of 0.93.
"""

from __future__ import annotations

import pytest

from tests.test_nlu_heldout import INTENTS, PROJECT_ROOT, check_heldout_file, evaluate

HELDOUT_ES = PROJECT_ROOT / "tests" / "data" / "nlu_heldout_es.yml"
ACCURACY_BAR = 0.90


def test_spanish_heldout_file_is_valid():
    check_heldout_file(HELDOUT_ES)


@pytest.mark.slow
def test_spanish_heldout_intent_accuracy(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)  # `models/spacy-en` in config.yml is relative
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    from bot.entrypoints.training import ensure_model

    report = evaluate(ensure_model(), HELDOUT_ES)
    print(
        f"\nSpanish held-out NLU: n={report['n']} accuracy={report['accuracy']:.4f} "
        f"macro-F1={report['macro_f1']:.4f} ({report['fallbacks']} nlu_fallback)"
    )
    assert set(report["per_intent_recall"]) == set(INTENTS)
    assert report["accuracy"] >= ACCURACY_BAR, (
        f"Spanish held-out intent accuracy {report['accuracy']:.4f} < {ACCURACY_BAR}"
    )
    assert report["n_with_order_id"] > 0
    # counted, not listed: the file stays blind
    assert len(report["entity_errors"]) == 0, (
        f"order_id extraction wrong for {len(report['entity_errors'])} examples"
    )
