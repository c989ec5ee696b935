"""`csba db load FILE.json`: sellers, buyers, products and orders from one JSON
document (the format is docs/data-format.md).

- All or nothing: the whole document is validated before anything is written.
  The first problem raises `ImportValidationError`, naming the JSON path
  (`orders[2].id`) and the problem; the database is not touched.
- An upsert by id: an entity in the document replaces the stored one, including
  the enrollments of a seller and the items of an order. What is already stored
  with the same values is left alone, so loading the same file twice changes
  nothing (not even row ids).
- A reference (a product's seller, an order's buyer, seller and products) may
  point to the same document or to what the database already holds.

The steps, one module each: `reader` (file -> document), `schema` (the shape of
the file, a JSON Schema checked with jsonschema), `plan` (the rules a schema
cannot say, and the values to store), `refs` (references, against the database)
and `upsert` (writing). Every sentence the operator reads is in
bot/catalogue/<lang>/importer.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.adapters.db import session_scope

from .errors import ImportValidationError
from .plan import Plan, build_plan
from .reader import parse_document, read_document
from .refs import check_references
from .upsert import EntityCounts, ImportSummary, write


def validate_document(session: Session, document: Any) -> Plan:
    """Check the whole document (reading the database for references); write nothing."""
    plan = build_plan(document)
    check_references(session, plan)
    return plan


def load_document(session: Session, document: Any) -> ImportSummary:
    """Validate `document` as a whole, then upsert it in `session` (flushed, not
    committed: the caller's unit of work commits). Raises ImportValidationError,
    having written nothing, when the document is invalid."""
    plan = validate_document(session, document)
    return write(session, plan)


def load_file(path: str | Path, engine: Engine | None = None) -> ImportSummary:
    """Load one JSON file in its own unit of work (default engine: DATABASE_URL)."""
    document = read_document(path)
    with session_scope(engine) as session:
        return load_document(session, document)


__all__ = [
    "EntityCounts",
    "ImportSummary",
    "ImportValidationError",
    "load_document",
    "load_file",
    "parse_document",
    "read_document",
    "validate_document",
]
