"""Labelled examples for the NLU evaluation: a TSV file or Rasa NLU YAML.

TSV: UTF-8, a header line `intent<TAB>text` (extra columns are allowed and
ignored), then one example per line; blank lines are skipped. Anything else is
an `EvalError` naming the file and the line, before any model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT
from bot.services.errors import CatalogueError

DOMAIN = PROJECT_ROOT / "domain.yml"
TRAINING_NLU = PROJECT_ROOT / "data" / "nlu"
HELDOUT = PROJECT_ROOT / "tests" / "nlu_heldout.yml"
TSV_SUFFIXES = (".tsv", ".tab")
YAML_SUFFIXES = (".yml", ".yaml")


class EvalError(CatalogueError):
    """A user error, rendered as one line from the catalogue (`eval.error.*`)."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    line: int | None = None  # in a TSV file


def domain_intents(domain: Path = DOMAIN) -> tuple[str, ...]:
    """The intents of domain.yml (plain names or `{name: {...}}` entries)."""
    data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    names = []
    for entry in data.get("intents") or []:
        names.append(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return tuple(names)


def read_examples(path: str | Path) -> list[Example]:
    """The examples of a .tsv or Rasa NLU .yml/.yaml file, in file order."""
    path = Path(path)
    if not path.is_file():
        raise EvalError("eval.error.no_file", file=str(path))
    suffix = path.suffix.lower()
    if suffix in TSV_SUFFIXES:
        return read_tsv(path)
    if suffix in YAML_SUFFIXES:
        return read_rasa_yaml(path)
    raise EvalError("eval.error.unsupported", file=str(path))


def read_tsv(path: Path) -> list[Example]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EvalError(
            "eval.error.unreadable", file=str(path), detail=exc.strerror
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EvalError("eval.error.not_utf8", file=str(path), line=line) from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise EvalError("eval.error.empty", file=str(path))
    header = [cell.strip().lower() for cell in lines[0].split("\t")]
    if header[:2] != ["intent", "text"]:
        raise EvalError(
            "eval.error.bad_header",
            file=str(path),
            line=1,
            header=lines[0][:80].replace("\t", "\\t"),
        )
    examples = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise EvalError("eval.error.bad_row", file=str(path), line=number)
        examples.append(Example(text=cells[1], intent=cells[0], line=number))
    if not examples:
        raise EvalError("eval.error.no_examples", file=str(path))
    return examples


def read_rasa_yaml(path: Path) -> list[Example]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    try:
        data = RasaYAMLReader().read(str(path))
    except Exception as exc:  # noqa: BLE001 - Rasa raises several kinds
        detail = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise EvalError("eval.error.bad_yaml", file=str(path), detail=detail) from None
    examples = [
        Example(text=message.get("text"), intent=message.get("intent"))
        for message in data.intent_examples
    ]
    if not examples:
        raise EvalError("eval.error.no_examples", file=str(path))
    return examples


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def training_examples(directory: Path = TRAINING_NLU) -> list[Example]:
    """Every training example of data/nlu (English and Spanish), as Rasa reads
    it (annotations dropped), file by file in path order."""
    examples: list[Example] = []
    for path in sorted(directory.rglob("*.yml")):
        try:
            examples += read_rasa_yaml(path)
        except EvalError:
            continue  # regex/lookup-only files have no intent examples
    return examples


def training_texts(directory: Path = TRAINING_NLU) -> frozenset[str]:
    """Every training example of data/nlu, normalised (lower case, single
    spaces). Model-written evaluation sets repeat some training messages word
    for word ("best time to visit japan"); the evaluation reports the accuracy
    on the rest too."""
    return frozenset(normalised(e.text) for e in training_examples(directory))
