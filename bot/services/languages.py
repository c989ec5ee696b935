"""The languages buyers are answered in (issue 16), and their Babel locales.

Sellers and agents read English or Chinese (bot.domain.model.Language); buyers
English or Spanish, the US marketplace's languages. A buyer's account stores a
language tag ("es", "es-MX"); a conversation keeps its language in the Rasa
slot `language`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.catalogue import (
    BUYER_LANGUAGES,
    buyer_language_of,
    buyer_language_or_default,
    language_or_default,
)
from bot.adapters.repository import SqlRepository

ENGLISH = "en"
SPANISH = "es"

# Babel's locale for dates and money in each buyer language: US English, and
# the Spanish of the United States ("$24.99"; Spain's es would write "24,99 US$").
BABEL_LOCALES = {ENGLISH: "en_US", SPANISH: "es_US"}

# 'es', 'es-MX', 'ES_us' -> 'es'; a language buyers are not answered in -> None
buyer_language = buyer_language_of
# the same, English for any other tag
language_or_english = buyer_language_or_default


def reader_language(tag: object) -> str:
    """The language to write to a buyer in: their account's, when the catalogue
    has it for buyers (en, es, and zh, which has every key), else English."""
    return buyer_language_of(tag) or language_or_default(tag)


def email_language(conversation_language: str | None, account_tag: object) -> str:
    """A buyer's email about a case: the language they wrote the case in when
    it is not English (issue 16), else their account's (reader_language)."""
    if conversation_language in BUYER_LANGUAGES and conversation_language != ENGLISH:
        return conversation_language
    return reader_language(account_tag)


def babel_locale(language: object) -> str:
    return BABEL_LOCALES[language_or_english(language)]


def account_language(session: Session, buyer_id: str) -> str | None:
    """The language of a buyer's account, when buyers can be answered in it."""
    buyer = SqlRepository(session).get_buyer(buyer_id)
    return buyer_language(buyer.language) if buyer is not None else None
