"""The product-question sets (tests/data/product_*.yml): product pages and the
questions asked about them, each with the page fields that answer it (none when
the page is silent)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.model import Product

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
# Looked at while the lexicon and the answer model were built.
DEVELOPMENT = tuple(
    DATA / name
    for name in (
        "product_questions.yml",
        "product_questions_dev.yml",
        "product_answers_dev2.yml",
        "product_answers_dev3.yml",
        "product_answers_dev4.yml",
        "product_answers_dev5.yml",
        "product_answers_dev6.yml",
        "product_answers_dev7.yml",
        "product_answers_dev8.yml",
    )
)
# Written by helpers who never read the matcher, for the answer model to learn
# from; nobody built the lexicon on them.
# 5 and 6 were the blind sets 9 and 10 until their figures were used to choose
# the answer model's training data (2026-12-06).
TRAINING = tuple(DATA / f"product_answers_train{i}.yml" for i in range(1, 7))
# Written blind and never looked at question by question: figures only.
# 13 and 14 were written on 2026-12-06 (stop 28) for the next model change,
# because 11 and 12 had been measured four times with different models; 15 and
# 16 on 2026-12-07 (stop 36), measured once with the shipped model.
BLIND = tuple(DATA / f"product_answers_blind{i}.yml" for i in (11, 12, 13, 14, 15, 16))


def product(**fields) -> Product:
    fields.setdefault("seller_id", "S-TEST")
    fields["bullets"] = tuple(fields.get("bullets") or ())
    fields["attributes"] = {
        str(k): str(v) for k, v in (fields.get("attributes") or {}).items()
    }
    return Product(**fields)


def expected_sources(label) -> list[str]:
    """The acceptable sources of a question's `source` label ([] when none)."""
    if label is None:
        return []
    return [label] if isinstance(label, str) else list(label)


def read_answer_set(path: Path) -> tuple[dict[str, Product], list[dict]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    products = {p["asin"]: product(**p) for p in doc["products"]}
    return products, doc["questions"]
