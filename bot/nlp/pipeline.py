"""Build and load the offline English spaCy pipeline.

No official English model for spaCy 3.4 is on PyPI, and Rasa rejects a model
whose declared spaCy version differs from the installed one. So the set-up step
builds one with the installed spaCy: a blank English tokenizer plus the lookup
lemmatizer from `spacy-lookups-data` (about 840 KB, no vectors, no NER).

    python -m bot.nlp.pipeline build models/spacy-en
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from bot import config
from bot.config import PROJECT_ROOT

DEFAULT_PIPELINE_DIR = PROJECT_ROOT / "models" / "spacy-en"


def pipeline_dir() -> Path:
    return config.spacy_model_dir(DEFAULT_PIPELINE_DIR)


def build(target: Path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "csba_en_lookup"
    nlp.meta["description"] = (
        "Blank English tokenizer with lookup lemmas (built by make install)"
    )
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return nlp


@lru_cache(maxsize=2)
def load(path: str | None = None):
    """The pipeline from disk, built there first if it is missing. Cached per process."""
    import spacy

    directory = Path(path) if path else pipeline_dir()
    if not (directory / "meta.json").exists():
        build(directory)
    return spacy.load(directory)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "build":
        print("usage: python -m bot.nlp.pipeline build DIR", file=sys.stderr)
        return 2
    target = Path(args[1])
    build(target)
    print(f"spaCy pipeline written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
