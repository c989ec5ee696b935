"""The base of every error a user reads: a catalogue key and its parameters.

The message is rendered from the message catalogue (bot/catalogue/<lang>/) in
whatever language the reader needs, so an error raised in a service can be shown
in English to an agent and in Chinese to a seller. `str(error)` is the message in
the default language, for logs and the CLI.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bot.adapters.catalogue import DEFAULT_LANGUAGE, t


class CatalogueError(Exception):
    """`key` and `params` render the message from the catalogue.

    A subclass sets a default `key`; a raise may name another: `CaseError("case.error.x",
    case_id=3)`.
    """

    key: ClassVar[str] = ""
    language: ClassVar[str] = DEFAULT_LANGUAGE

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or type(self).key
        if not self.key:
            raise TypeError(f"{type(self).__name__} needs a catalogue key")
        self.params = params
        super().__init__(self.message(type(self).language))

    def message(self, language: str | None = None) -> str:
        return t(self.key, language or type(self).language, **self.params)
