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


def _import_spacy():  # noqa: ANN202 - the spacy module
    """spaCy, imported without TensorFlow unless this process already loaded it.

    spaCy imports thinc, and thinc imports TensorFlow whenever it is installed (Rasa
    installs it) only to offer TensorFlow wrappers that this project never uses:
    that cost `csba triage` of a product question 2-3 s and six lines of TensorFlow
    logging, and the action server as much on its first product question. While
    thinc is first imported, `import tensorflow` fails, so thinc records it as
    absent. In Rasa's own process TensorFlow is already loaded and nothing changes.
    """
    if "thinc.compat" in sys.modules or "tensorflow" in sys.modules:
        import spacy

        return spacy
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if "tensorflow" in sys.modules and sys.modules["tensorflow"] is None:
            del sys.modules["tensorflow"]
    return spacy


def build(target: Path):
    spacy = _import_spacy()

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
    spacy = _import_spacy()

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
