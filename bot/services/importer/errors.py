"""What an import refusal says: the JSON path of the failing value and a problem
from the catalogue (bot/catalogue/<lang>/importer.yml, keys `importer.error.*`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.adapters.catalogue import DEFAULT_LANGUAGE, t
from bot.services.errors import CatalogueError

ROOT_PATH = "$"
_SHOW_MAX = 80


@dataclass(frozen=True)
class Term:
    """A catalogue key used as a message parameter, translated with the message."""

    key: str


class ImportValidationError(CatalogueError, ValueError):
    """The document is invalid; nothing was written.

    `path` is the JSON path of the failing value (`$` for the document itself);
    `key` (also `message_key`) is the catalogue key of the problem and `params`
    (also `message_params`) its parameters. `message(language)` is the problem
    alone; `str()` is one line, `<path>: <message>`, in English, and
    `line(language)` renders it in another catalogue language. An entry point
    shows `line()`: the bare message would lose the path.
    """

    def __init__(self, path: str, key: str, /, **params: Any) -> None:
        self.path = path
        super().__init__(key, **params)

    @property
    def message_key(self) -> str:
        return self.key

    @property
    def message_params(self) -> dict[str, Any]:
        return self.params

    def message(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        params = {
            name: t(value.key, language) if isinstance(value, Term) else value
            for name, value in self.params.items()
        }
        return t(self.key, language, **params)

    def line(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        return t(
            "importer.error_line",
            language,
            path=self.path,
            message=self.message(language),
        )

    def __str__(self) -> str:
        return self.line(DEFAULT_LANGUAGE)


class Problem(Exception):
    """A problem with a value whose path the caller knows: `at(path)` places it."""

    def __init__(self, problem: str, /, **params: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.params = params

    def at(self, path: str) -> ImportValidationError:
        return error(path, self.problem, **self.params)


def error(path: str, problem: str, /, **params: Any) -> ImportValidationError:
    """The refusal `importer.error.<problem>` of the value at `path`."""
    return ImportValidationError(path, f"importer.error.{problem}", **params)


def show(value: Any) -> str:
    """A document value as it appears in a message: JSON, on one line, short."""
    if isinstance(value, Decimal):
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:  # circular structure in a document built in Python
            text = repr(value)
    text = " ".join(text.split())
    if len(text) > _SHOW_MAX:
        text = text[: _SHOW_MAX - 1] + "…"
    return text


def json_type(value: Any) -> Term:
    """The JSON type of `value`, as a message parameter (`got {got}`)."""
    if value is None:
        name = "null"
    elif isinstance(value, bool):
        name = "boolean"
    elif isinstance(value, (int, float, Decimal)):
        name = "number"
    elif isinstance(value, str):
        name = "string"
    elif isinstance(value, (list, tuple)):
        name = "array"
    elif isinstance(value, dict):
        name = "object"
    else:
        name = "other"
    return Term(f"importer.json_type.{name}")


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def key_path(path: str, key: Any) -> str:
    """`orders[2]` + `id` -> `orders[2].id`; odd keys are quoted: `x["a b"]`."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        part = key
        return f"{path}.{part}" if path and path != ROOT_PATH else part
    quoted = f"[{show(key if isinstance(key, str) else str(key))}]"
    return f"{path}{quoted}" if path and path != ROOT_PATH else f"${quoted}"


def index_path(path: str, index: int) -> str:
    return f"{path}[{index}]"
