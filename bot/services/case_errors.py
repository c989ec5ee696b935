"""The errors of the case log (bot.services.cases): a broken case-log rule, with
the catalogue key and parameters that render it in any language."""

from __future__ import annotations

from bot.services.errors import CatalogueError


class CaseError(CatalogueError):
    """A case-log rule was broken. `key` and `params` render the message from
    the catalogue (bot/catalogue/<lang>/case.yml) in any language."""

    key = "case.error.invalid"


class CaseNotFound(CaseError):
    key = "case.error.not_found"


class CaseAccessDenied(CaseError):
    key = "case.error.access_denied"


class CaseClosed(CaseError):
    key = "case.error.resolved"


class EmptyMessage(CaseError):
    key = "case.error.empty_text"
