"""What makes `make train` retrain (bot.entrypoints.training.model_fingerprint)."""

from __future__ import annotations

from pathlib import Path

from bot.entrypoints.training import COMPONENT_SOURCES, model_fingerprint


def _project(root: Path) -> Path:
    for name in ("config.yml", "domain.yml", "data/nlu/a.yml", *COMPONENT_SOURCES):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n")
    return root


def test_the_gates_code_is_a_training_input(tmp_path: Path):
    """The gate saves what its code decides: a model trained by older code is
    not reused."""
    root = _project(tmp_path)
    before = model_fingerprint(root)
    for source in COMPONENT_SOURCES:
        (root / source).write_text("# changed\n")
        assert model_fingerprint(root) != before
        before = model_fingerprint(root)


def test_other_code_is_not(tmp_path: Path):
    root = _project(tmp_path)
    before = model_fingerprint(root)
    (root / "bot" / "services").mkdir(parents=True)
    (root / "bot" / "services" / "triage.py").write_text("# not in the model\n")
    assert model_fingerprint(root) == before


def test_the_gates_own_examples_are_a_training_input(tmp_path: Path):
    """data/gate/*.tsv trains the out-of-scope gate (Rasa never reads it)."""
    root = _project(tmp_path)
    before = model_fingerprint(root)
    (root / "data" / "gate").mkdir()
    (root / "data" / "gate" / "a.tsv").write_text("out_of_scope\tmy takeaway is late\n")
    assert model_fingerprint(root) != before
    before = model_fingerprint(root)
    (root / "data" / "gate" / "a.tsv").write_text("out_of_scope\tthe taxi is late\n")
    assert model_fingerprint(root) != before


def test_a_bad_gate_example_stops_training_before_rasa_starts(tmp_path: Path):
    import pytest

    from bot.entrypoints.training import TrainingError, check_gate_examples

    root = _project(tmp_path)
    check_gate_examples(root)  # no data/gate: nothing to check
    (root / "data" / "gate").mkdir()
    (root / "data" / "gate" / "a.tsv").write_text("out_of_scope\tok\nthanks\tthx\n")
    with pytest.raises(TrainingError, match=r"a\.tsv, line 2: intent 'thanks'"):
        check_gate_examples(root)
