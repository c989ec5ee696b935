"""What leaves the review console: the conversation list as CSV, and the
agents' intent corrections as Rasa NLU training data.

CSV is data, not HTML: cells are written as they are, except that a cell a
spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) gets a leading apostrophe.

The NLU export is Rasa 3.x YAML (`version: "3.1"`, `nlu:` with one block per
intent), the form `rasa data validate` and `rasa train` read: each corrected
message once under its corrected intent, the entities the bot found annotated
as `[text](entity)` when the domain declares that entity. A stored "correction"
to the intent the bot predicted is left out (bot.adapters.correction_store).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from bot.adapters import correction_store
from bot.adapters.catalogue import t
from bot.adapters.rasa_domain import trained_entities
from bot.services.review import ConversationLine

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "conversation_id",
    "started_at",
    "buyer",
    "channel",
    "language",
    "intents",
    "route",
    "reason_code",
    "min_confidence",
    "case_id",
    "case_status",
    "sla_state",
    "reviewed",
    "rating",  # helpful | not_helpful | empty: not rated
    "tags",
    "note",
)

NLU_VERSION = "3.1"


def safe_cell(value: object) -> str:
    """A CSV cell no spreadsheet runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _utc(instant: datetime | None) -> str:
    if instant is None:
        return ""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(line: ConversationLine, language: str) -> list[str]:
    values = (
        line.conversation_id,
        _utc(line.started_at),
        line.buyer_id,
        line.channel,
        line.language,
        " ".join(line.intents),
        line.route,
        line.reason_code,
        "" if line.min_confidence is None else f"{line.min_confidence:.3f}",
        line.case_id,
        line.case_status,
        line.sla_state,
        t("agent.csv.yes" if line.reviewed else "agent.csv.no", language),
        line.rating,
        " ".join(line.tags),
        line.note,
    )
    return [safe_cell(value) for value in values]


def csv_lines(lines: Iterable[ConversationLine], language: str = "en") -> Iterator[str]:
    """The CSV text, a header line and then one line per conversation."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([t(f"agent.csv.{name}", language) for name in CSV_COLUMNS])
    yield flush()
    for line in lines:
        writer.writerow(_row(line, language))
        yield flush()


# -- NLU training data ----------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _plain(text: str) -> str:
    """Text outside an annotation: brackets would read as entity markup."""
    return text.replace("[", "(").replace("]", ")")


def annotated_example(text: str, entities: Iterable[dict]) -> str:
    """One training example: `text` on one line, known entities annotated."""
    known = set(trained_entities())
    spans = sorted(
        (
            (e["start"], e["end"], e["entity"])
            for e in entities
            if isinstance(e, dict)
            and e.get("entity") in known
            and isinstance(e.get("start"), int)
            and isinstance(e.get("end"), int)
            and 0 <= e["start"] < e["end"] <= len(text)
        ),
    )
    parts: list[str] = []
    position = 0
    for start, end, entity in spans:
        if start < position:  # overlapping spans: keep the first
            continue
        inner = _plain(text[start:end]).replace("(", "").replace(")", "")
        if not inner.strip():
            continue
        parts.append(_plain(text[position:start]))
        parts.append(f"[{inner}]({entity})")
        position = end
    parts.append(_plain(text[position:]))
    return _SPACES.sub(" ", "".join(parts)).strip()


def corrections_nlu_yaml(session: Session) -> str:
    """Every intent correction as Rasa NLU YAML (empty `nlu: []` when none)."""
    rows = correction_store.all_corrections(session)
    by_intent: dict[str, list[str]] = {}
    seen: set[str] = set()
    for row in rows:
        example = annotated_example(row.text, row.entities or [])
        if not example or example in seen:
            continue
        seen.add(example)
        by_intent.setdefault(row.intent, []).append(example)
    lines = [f'version: "{NLU_VERSION}"']
    if not by_intent:
        lines.append("nlu: []")
        return "\n".join(lines) + "\n"
    lines.append("nlu:")
    for intent, examples in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def corrections_count(session: Session) -> int:
    return correction_store.corrections_count(session)
