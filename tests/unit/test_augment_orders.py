"""data/nlu/order_numbers_in_requests.yml is what tools/augment_orders.py writes
from the rest of data/nlu, and each of its examples is a request of its
intent with one order number in it."""

from __future__ import annotations

import yaml

from tools import augment_orders


def test_the_committed_file_is_current():
    assert augment_orders.OUTPUT.read_text(encoding="utf-8") == augment_orders.generate(), (
        "run: python -m tools.augment_orders"
    )
    assert augment_orders.main(["--check"]) == 0


def test_each_example_is_a_request_with_one_order_number():
    document = yaml.safe_load(augment_orders.OUTPUT.read_text(encoding="utf-8"))
    intents = [item["intent"] for item in document["nlu"]]
    assert intents == list(augment_orders.INTENTS)
    assert "give_order_id" not in intents
    for item in document["nlu"]:
        examples = [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
        assert len(examples) == augment_orders.SAMPLES_PER_INTENT
        sources = {text.rstrip(" .!") for text in augment_orders._examples()[item["intent"]]}
        for example in examples:
            assert example.count("](order_id)") == 1, example
            assert augment_orders.ORDER_NUMBER.search(example), example
            # one of the intent's own examples, with the number put around it
            assert any(source and source in example for source in sources), example


def test_a_stale_file_is_reported(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "order_numbers_in_requests.yml"
    stale.write_text("nlu: []\n", encoding="utf-8")
    monkeypatch.setattr(augment_orders, "OUTPUT", stale)
    assert augment_orders.main(["--check"]) == 1
    assert "is stale" in capsys.readouterr().err
