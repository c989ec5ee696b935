"""The matcher's vocabulary file, bot/nlp/lexicon.yml: loaded once, validated
with an error that names the bad entry, and it drives the answers."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bot.domain.model import Product
from bot.nlp.answers import (
    LEXICON_PATH,
    LexiconError,
    load_lexicon,
    validate_lexicon,
)
from bot.nlp.answers import lexicon as answers
from bot.nlp.answers.matcher import analyse, candidates, lexical_answer
from bot.nlp.answers.semantic import FEATURES
from bot.nlp.pipeline import load


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))


def test_the_shipped_lexicon_loads_once():
    lexicon = load_lexicon()
    assert lexicon is load_lexicon()
    assert "power" in lexicon.topics
    assert lexicon.units["w"] == "power"
    assert "wattage" in lexicon.topics["power"]["words"]


def _error(doc) -> str:
    with pytest.raises(LexiconError) as caught:
        validate_lexicon(doc, "lexicon.yml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["topics"]["power"]["words"].insert(1, None),
            "lexicon.yml: topics.power.words[1]: expected a non-empty word",
        ),
        (
            lambda d: d["topics"]["power"]["words"].append("Juice"),
            "must be written in lower case",
        ),
        (
            lambda d: d["generic_words"].append(True),
            "put the word in quotes",
        ),
        (
            lambda d: d["topics"]["power"].update(word=["juice"]),
            "topics.power.word: unknown list; use one of words, values",
        ),
        (
            lambda d: d["units"].update(w="wattage"),
            "units.w: no topic named 'wattage'",
        ),
        (
            lambda d: d.update(synonym=[["a", "b"]]),
            "synonym: unknown section (misspelt?)",
        ),
        (lambda d: d.pop("noise_phrases"), "noise_phrases: section missing"),
        (
            lambda d: d["synonyms"].append(["mic", "microphone"]),
            "'mic' is already in synonyms[0]; merge the groups",
        ),
        (
            lambda d: d["synonyms"].append(["sternum strap", "chest strap"]),
            "one word per entry (put phrases in a topic)",
        ),
        (
            lambda d: d["helper_topics"].append("lifespan"),
            "helper_topics[5]: no topic named 'lifespan'",
        ),
        (lambda d: d["topics"].pop("howlong"), "topics.howlong: missing"),
        (lambda d: d.update(order_words="refund"), "order_words: expected a list"),
    ],
)
def test_a_bad_entry_is_named(shipped, edit, message):
    doc = copy.deepcopy(shipped)
    edit(doc)
    assert message in _error(doc)


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path):
    bad = tmp_path / "lexicon.yml"
    bad.write_text("topics: [unclosed\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="lexicon.yml: not valid YAML"):
        load_lexicon(bad)
    with pytest.raises(LexiconError, match="cannot read the lexicon"):
        load_lexicon(tmp_path / "missing.yml")


def test_a_synonym_added_to_the_file_is_used(shipped, tmp_path: Path, monkeypatch):
    """The lexicon's evidence is what the file says: a word added to a topic
    makes the lexicon quote the fact, and the answer model sees it."""
    product = Product(
        asin="B0UNIT0020",
        seller_id="S-1",
        title="Kettle",
        attributes={"power": "1500 W"},
    )
    nlp = load()
    question = "how much juice has it got?"
    assert lexical_answer(product, question, nlp=nlp) is None

    doc = copy.deepcopy(shipped)
    doc["topics"]["power"]["words"].append("juice")
    edited = tmp_path / "lexicon.yml"
    edited.write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.setattr(answers, "LEXICON_PATH", edited)
    load_lexicon.cache_clear()
    try:
        answer = lexical_answer(product, question, nlp=nlp)
        assert answer is not None and answer.source == "attributes.power"
        analysis = analyse(product, question, nlp=nlp)
        assert analysis is not None and analysis.choice == 0
        features = dict(candidates(analysis))[0]
        assert features[FEATURES.index("lexical_choice")] == 1.0
    finally:
        monkeypatch.undo()
        load_lexicon.cache_clear()
    assert lexical_answer(product, question, nlp=nlp) is None
