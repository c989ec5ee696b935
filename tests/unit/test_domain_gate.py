"""The out-of-scope gate (bot.nlp.domain_gate) and its pipeline component."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.entrypoints.rasa.domain_gate import GATE_EXAMPLES, OutOfScopeGate
from bot.nlp.domain_gate import (
    BUSINESS,
    THRESHOLD,
    DomainGate,
    GateError,
    examples_digest,
    read_example_files,
    read_examples,
)
from tools.evaluation.datasets import training_examples


def _training_examples() -> list[tuple[str, str]]:
    """Every (intent, text) of data/nlu, English and Spanish, as Rasa reads them."""
    return [(e.intent, e.text) for e in training_examples()]


@pytest.fixture(scope="module")
def gate() -> DomainGate:
    """The gate as `make train` learns it: the NLU examples and its own."""
    return DomainGate.fit(_training_examples() + read_example_files(GATE_EXAMPLES))


LOOK_ALIKES = [  # other services in shop words; no line of data/gate says the like
    "my bus pass refund never came through",
    "the cleaner cancelled on me again",
]


@pytest.fixture(scope="module")
def gate_without_its_own() -> DomainGate:
    return DomainGate.fit(_training_examples())


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_its_own_examples_teach_it_the_look_alikes(gate, gate_without_its_own, text):
    own = {t.lower() for _, t in read_example_files(GATE_EXAMPLES)}
    assert text not in own
    assert gate.out_of_scope_probability(text) > THRESHOLD
    assert gate_without_its_own.out_of_scope_probability(text) <= THRESHOLD


def test_the_component_trains_on_its_own_examples(tmp_path: Path, monkeypatch):
    """Through Rasa's component: with data/gate the look-alikes are out of
    scope; with an empty folder in its place, they stay DIET's."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    import bot.entrypoints.rasa.domain_gate as component

    data = TrainingData(
        [
            Message(data={"text": text, "intent": intent})
            for intent, text in _training_examples()
        ]
    )
    verdicts = {}
    for name, folder in (("own", GATE_EXAMPLES), ("none", tmp_path / "empty")):
        monkeypatch.setattr(component, "GATE_EXAMPLES", folder)
        (tmp_path / name).mkdir()
        storage, resource = _storage(tmp_path / name)
        OutOfScopeGate.create({}, storage, resource, None).train(data)
        loaded = OutOfScopeGate.load({}, storage, resource, None)
        messages = loaded.process([_diet_says("cancel_order", t) for t in LOOK_ALIKES])
        verdicts[name] = [m.get("intent")["name"] for m in messages]
    assert verdicts == {
        "own": ["out_of_scope"] * len(LOOK_ALIKES),
        "none": ["cancel_order"] * len(LOOK_ALIKES),
    }


def test_its_own_examples_are_read_all_or_nothing(tmp_path: Path):
    good = tmp_path / "a.tsv"
    good.write_bytes(
        "\ufeff# a comment\n\nout_of_scope\tmy takeaway is late\n"
        "delivery_status\twhere is the lamp i ordered\n".encode()
    )
    assert read_examples(good) == [
        ("out_of_scope", "my takeaway is late"),
        ("delivery_status", "where is the lamp i ordered"),
    ]
    bad = tmp_path / "b.tsv"
    bad.write_text("out_of_scope\tok\ngreet\thello there\n", encoding="utf-8")
    with pytest.raises(GateError, match=r"b\.tsv, line 2: intent 'greet'"):
        read_examples(bad)
    with pytest.raises(GateError, match=r"b\.tsv, line 2"):
        read_example_files(tmp_path)  # one bad file: nothing is read
    for content, error in (
        (b"out_of_scope my takeaway is late\n", "line 1: not 'intent<TAB>text'"),
        (b"out_of_scope\tlate\tnote: helper 2\n", "line 1: more than one tab"),
        (b"out_of_scope\tok\nout_of_scope\tcaf\xe9\n", "line 2: not UTF-8"),
    ):
        bad.write_bytes(content)
        with pytest.raises(GateError, match=error):
            read_examples(bad)
    assert read_example_files(tmp_path / "missing") == []


def test_rasa_retrains_the_gate_when_its_own_examples_change(tmp_path, monkeypatch):
    """Rasa's own cache key for the component follows data/gate."""
    from rasa.engine.training.fingerprinting import calculate_fingerprint_key

    import bot.entrypoints.rasa.domain_gate as component

    monkeypatch.setattr(component, "GATE_EXAMPLES", tmp_path)
    config = OutOfScopeGate.get_default_config()

    def key() -> str:
        return calculate_fingerprint_key(OutOfScopeGate, config, {})

    (tmp_path / "a.tsv").write_text("out_of_scope\tmy takeaway is late\n")
    before = key()
    assert key() == before
    (tmp_path / "a.tsv").write_text("out_of_scope\tmy takeaway is very late\n")
    assert key() != before
    assert examples_digest(tmp_path) != examples_digest(tmp_path / "missing")


def test_a_model_loads_whatever_data_gate_holds(gate, tmp_path, monkeypatch):
    """Only training reads data/gate: a folder named like a file there, or no
    folder at all, changes nothing for a trained model."""
    import bot.entrypoints.rasa.domain_gate as component

    (tmp_path / "model").mkdir()
    storage, resource = _storage(tmp_path / "model")
    with storage.write_to(resource) as directory:
        gate.save(directory)
    (tmp_path / "gate" / "odd.tsv").mkdir(parents=True)
    for folder in (tmp_path / "gate", tmp_path / "missing"):
        monkeypatch.setattr(component, "GATE_EXAMPLES", folder)
        loaded = OutOfScopeGate.load({}, storage, resource, None)
        (message,) = loaded.process([_diet_says("pre_order", LOOK_ALIKES[0])])
        assert message.get("intent")["name"] == "out_of_scope"
        assert OutOfScopeGate.fingerprint_addon({})  # the odd folder is no file


@pytest.mark.parametrize(
    "text",
    [  # none of them, nor anything close, is a training example
        "recommend a sci-fi series to binge this weekend",
        "what chords do i need for wonderwall on guitar",
        "how do i get red wine out of a carpet",
        "translate good night into french",
    ],
)
def test_everyday_requests_are_out_of_scope(gate, text):
    assert gate.out_of_scope_probability(text) > THRESHOLD
    assert gate.overrules("product_question", text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "where is my package its 4 days late",
        "the lid of the tumbler came cracked",
        "i want to cancel 112-0000001-0000001",
        "is the kettle dishwasher safe",
        "necesito la factura de mi pedido",
    ],
)
def test_shop_messages_are_not(gate, text):
    assert gate.out_of_scope_probability(text) < THRESHOLD
    assert gate.overrules("delivery_status", text) is None


def test_only_business_intents_are_overruled(gate):
    text = "recommend a sci-fi series to binge this weekend"
    for intent in ("greet", "thanks", "human_agent", "give_order_id", "out_of_scope"):
        assert intent not in BUSINESS
        assert gate.overrules(intent, text) is None
    assert gate.overrules("delivery_status", "   ") is None


def test_without_out_of_scope_examples_it_says_so():
    with pytest.raises(GateError, match="out_of_scope"):
        DomainGate.fit([("delivery_status", "where is it"), ("greet", "hi")])


def test_saved_and_loaded_it_gives_the_same_figures(gate, tmp_path: Path):
    gate.save(tmp_path)
    again = DomainGate.load(tmp_path)
    for text in (
        "recommend a sci-fi series to binge this weekend",
        "where is my order",
    ):
        assert again.out_of_scope_probability(text) == pytest.approx(
            gate.out_of_scope_probability(text)
        )


def _diet_says(intent: str, text: str) -> Message:
    ranking = [
        {"name": intent, "confidence": 0.9},
        {"name": "out_of_scope", "confidence": 0.06},
        {"name": "greet", "confidence": 0.04},
    ]
    return Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})


def test_the_component_replaces_the_intent_and_keeps_a_clear_ranking(gate):
    component = OutOfScopeGate(model_storage=None, resource=None, gate=gate)
    (message,) = component.process(
        [
            _diet_says(
                "change_address", "recommend a sci-fi series to binge this weekend"
            )
        ]
    )
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "out_of_scope"
    assert ranking[0] == message.get("intent")
    assert [r["name"] for r in ranking[1:]] == ["change_address", "greet"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    # FallbackClassifier (threshold 0.5, ambiguity 0.1) leaves it alone
    assert ranking[0]["confidence"] > 0.5
    assert ranking[0]["confidence"] - ranking[1]["confidence"] > 0.1
    assert message.get("domain_gate")["replaced"] == "change_address"


def test_the_component_leaves_shop_messages_alone(gate):
    component = OutOfScopeGate(model_storage=None, resource=None, gate=gate)
    (message,) = component.process(
        [_diet_says("delivery_status", "where is my package")]
    )
    assert message.get("intent")["name"] == "delivery_status"
    assert message.get("domain_gate") is None


# --- through Rasa's model storage, as `rasa train` and `rasa run` use it -----------


def _storage(tmp_path: Path):
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    return LocalModelStorage(tmp_path), Resource("out_of_scope_gate")


def test_trained_persisted_and_loaded_through_model_storage(tmp_path: Path):
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage, resource = _storage(tmp_path)
    examples = [
        Message(data={"text": text, "intent": intent})
        for intent, text in _training_examples()
    ]
    OutOfScopeGate.create({}, storage, resource, None).train(TrainingData(examples))
    loaded = OutOfScopeGate.load({}, storage, resource, None)
    text = "recommend a sci-fi series to binge this weekend"
    (message,) = loaded.process([_diet_says("pre_order", text)])
    assert message.get("intent")["name"] == "out_of_scope"
    saved = sum(f.stat().st_size for f in (tmp_path / resource.name).rglob("*"))
    assert saved < 10_000_000  # skops, with min_df's dropped n-grams, took 23 MB


def test_a_model_without_the_gate_keeps_diets_intents(tmp_path: Path):
    storage, resource = _storage(tmp_path)
    component = OutOfScopeGate.load({}, storage, resource, None)
    text = "recommend a sci-fi series to binge this weekend"
    (message,) = component.process([_diet_says("pre_order", text)])
    assert message.get("intent")["name"] == "pre_order"


def test_a_damaged_file_is_refused_with_a_clear_error(gate, tmp_path: Path):
    gate.save(tmp_path)
    (tmp_path / "domain_gate.npz").write_bytes(b"not numbers")
    with pytest.raises(GateError, match="cannot read the gate"):
        DomainGate.load(tmp_path)
