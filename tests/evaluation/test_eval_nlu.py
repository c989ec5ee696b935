"""`python -m tools.evaluation nlu`: labelled files through the real command and a
real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.evaluation.conftest import run_eval
from tools.evaluation.cli import PROG, main

TINY_TSV = (
    "intent\ttext\tsource\n"
    "greet\thello there\tchat\n"
    "delivery_status\twhere is my order 112-0000001-0000001?\tchat\n"
    "\n"
    "out_of_scope\twhat's the weather like in Paris tomorrow\temail\n"
    "return_refund\tI want to send it back and get a refund\tchat\n"
    "refund_status\thas my money come back yet\tchat\n"  # not an intent of domain.yml
)

TINY_YAML = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi there
    - good morning
- intent: cancel_order
  examples: |
    - please cancel order [112-0000002-0000002](order_id)
"""


def _one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1"),
        (b"label\tsentence\ngreet\thi\n", "line 1"),
        (b"intent,text\ngreet,hi\n", "line 1"),
        (b"intent\ttext\ngreet\thi\ngreet\n", "line 3"),
        (b"intent\ttext\ngreet\thi\n\tno intent\n", "line 3"),
        (b"intent\ttext\ngreet\th\xffi\n", "line 2"),
        (b"intent\ttext\n\n", "no labelled examples"),
    ],
    ids=[
        "empty",
        "bad-header",
        "commas",
        "no-text",
        "no-intent",
        "not-utf8",
        "no-rows",
    ],
)
def test_a_bad_tsv_file_is_one_line_and_exit_1(tmp_path, capsys, content, expected):
    path = tmp_path / "labels.tsv"
    path.write_bytes(content)
    line = _one_line_error(capsys, ["nlu", "--file", str(path)])
    assert line.startswith(f"{PROG}: ") and "labels.tsv" in line and expected in line


def test_missing_file_unknown_format_and_missing_model(tmp_path, capsys):
    assert "no such file" in _one_line_error(
        capsys, ["nlu", "--file", str(tmp_path / "none.tsv")]
    )
    other = tmp_path / "labels.csv"
    other.write_text("intent,text\n", encoding="utf-8")
    assert ".tsv" in _one_line_error(capsys, ["nlu", "--file", str(other)])
    tsv = tmp_path / "labels.tsv"
    tsv.write_text(TINY_TSV, encoding="utf-8")
    line = _one_line_error(
        capsys,
        ["nlu", "--file", str(tsv), "--model", str(tmp_path / "m.tar.gz")],
    )
    assert "no such model" in line


@pytest.mark.slow
def test_tiny_tsv_through_the_real_command(tmp_path, trained_model):
    labels = tmp_path / "tiny.tsv"
    labels.write_text(TINY_TSV, encoding="utf-8")
    reports = tmp_path / "reports"
    result = run_eval(
        "nlu", "--file", str(labels), "--model", str(trained_model),
        "--report-dir", str(reports),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    details = json.loads((reports / "nlu-tiny.json").read_text(encoding="utf-8"))
    examples = details["examples"]
    assert [e["line"] for e in examples] == [2, 3, 5, 6, 7]  # blank line skipped
    assert [e["gold"] for e in examples][-1] == "refund_status"
    assert details["unknown_labels"] == {"refund_status": 1}
    # The figures follow from the predictions: the unknown label is always wrong,
    # nlu_fallback is never right.
    right = [
        e["gold"] == e["predicted"] and e["gold"] != "refund_status" for e in examples
    ]
    assert details["n"] == 5
    assert details["accuracy"] == pytest.approx(sum(right) / 5)
    assert details["accuracy"] <= 0.8
    assert details["per_intent"]["refund_status"]["recall"] == 0.0
    oos = [e for e in examples if e["gold"] == "out_of_scope"]
    business = {"delivery_status", "return_refund", "damaged_item", "cancel_order",
                "change_address", "invoice", "customization", "pre_order",
                "product_question"}  # fmt: skip
    assert details["false_triage_rate"] == float(oos[0]["predicted"] in business)

    markdown = (reports / "nlu-tiny.md").read_text(encoding="utf-8")
    assert "refund_status" in markdown and "nlu-tiny-confusion.png" in markdown
    assert f"{details['accuracy']:.3f}" in markdown
    assert (reports / "nlu-tiny-confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the printed summary: the headline figures and where the report is
    assert f"{details['accuracy']:.3f}" in result.stdout
    assert "refund_status" in result.stdout
    assert "nlu-tiny.md" in result.stdout
    # the examples that are training examples word for word are counted, and
    # the accuracy on the others printed
    from tools.evaluation.datasets import normalised, training_texts

    seen = training_texts()
    assert normalised("  Hello   THERE ") == "hello there"
    assert len(seen) > 3000  # data/nlu's intent examples
    texts = [line.split("\t")[1] for line in TINY_TSV.splitlines()[1:] if line]
    repeated = sum(normalised(text) in seen for text in texts)
    assert f"{repeated} of the 5 examples are also training examples" in result.stdout


@pytest.mark.slow
def test_rasa_nlu_yaml_through_the_real_command(tmp_path, trained_model):
    labels = tmp_path / "tiny.yml"
    labels.write_text(TINY_YAML, encoding="utf-8")
    reports = tmp_path / "reports"
    result = run_eval(
        "nlu", "--file", str(labels), "--model", str(trained_model),
        "--report-dir", str(reports),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    details = json.loads((reports / "nlu-tiny.json").read_text(encoding="utf-8"))
    assert [(e["gold"], e["text"]) for e in details["examples"]] == [
        ("greet", "hi there"),
        ("greet", "good morning"),
        ("cancel_order", "please cancel order 112-0000002-0000002"),
    ]
    assert details["unknown_labels"] == {}
    assert Path(reports / "nlu-tiny.md").is_file()
