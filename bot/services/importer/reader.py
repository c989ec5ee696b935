"""Reading the import file: JSON text (UTF-8, a BOM tolerated) to a document.

Numbers with a fraction stay exact (Decimal); NaN, Infinity and a key repeated
in one object are refused.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import ROOT_PATH, error, show


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_document(text: str) -> Any:
    """JSON text -> document; numbers with a fraction stay exact (Decimal)."""
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as exc:
        raise error(
            ROOT_PATH, "invalid_json", detail=exc.msg, line=exc.lineno, column=exc.colno
        ) from None
    except _DuplicateKey as exc:
        raise error(ROOT_PATH, "duplicate_key", name=show(exc.key)) from None
    except ValueError as exc:  # NaN, Infinity
        raise error(ROOT_PATH, "not_a_number", value=show(str(exc))) from None
    except RecursionError:
        raise error(ROOT_PATH, "too_deep") from None


def read_document(path: str | Path) -> Any:
    """Read and parse a JSON file (UTF-8, a BOM tolerated)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(
            ROOT_PATH,
            "unreadable_file",
            file=show(str(path)),
            detail=show(exc.strerror or str(exc)),
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(ROOT_PATH, "not_utf8", file=show(str(path))) from None
    return parse_document(text)
