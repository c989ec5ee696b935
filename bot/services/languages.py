"""The languages buyers are answered in (issue 16), and their Babel locales.

Sellers and agents read English or Chinese (bot.domain.model.Language); buyers
English or Spanish, the US marketplace's languages. A buyer's account stores a
language tag ("es", "es-MX"); a conversation keeps its language in the Rasa
slot `language`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.repository import SqlRepository

ENGLISH = "en"
SPANISH = "es"
BUYER_LANGUAGES = (ENGLISH, SPANISH)

# Babel's locale for dates and money in each buyer language: US English, and
# the Spanish of the United States (es_US: "30 de noviembre", "US$24.99" as "24,99 US$"
# would be es_ES; es_US writes "$24.99").
BABEL_LOCALES = {ENGLISH: "en_US", SPANISH: "es_US"}


def buyer_language(tag: object) -> str | None:
    """'es', 'es-MX', 'ES_us' -> 'es'; a language buyers are not answered in -> None."""
    if not isinstance(tag, str) or not tag.strip():
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in BUYER_LANGUAGES else None


def language_or_english(tag: object) -> str:
    return buyer_language(tag) or ENGLISH


def babel_locale(language: object) -> str:
    return BABEL_LOCALES[language_or_english(language)]


def account_language(session: Session, buyer_id: str) -> str | None:
    """The language of a buyer's account, when buyers can be answered in it."""
    buyer = SqlRepository(session).get_buyer(buyer_id)
    return buyer_language(buyer.language) if buyer is not None else None
