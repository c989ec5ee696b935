"""The language a buyer writes in: English or Spanish (issue 16). No Rasa import.

- `requested_language`: an explicit request ("¿hablas español?", "English
  please") names a language whatever the message's length.
- `detect_language`: a message of at least `MIN_WORDS` words is identified by
  lingua (restricted to English and Spanish; its models ship inside the
  wheel, nothing is downloaded), nudged by function words that only one of the
  two languages has: real buyers mix English nouns into Spanish ("el tracking
  no se mueve"), and the grammar words tell the language better than the
  nouns. Shorter messages ("ok", "98101", an order number, "si") say nothing:
  the conversation keeps its language.

Chosen on the training data (data/nlu/*.yml as English, data/nlu/es/ as
Spanish), not on the held-out sets `make eval` reports.
"""

from __future__ import annotations

import re
from functools import lru_cache

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)

# Fewer words than this never change the conversation's language.
MIN_WORDS = 3
# How sure the combined score must be (the share of Spanish, 0..1).
DECIDE_AT = 0.65
# What one function word of a language moves the score by.
FUNCTION_WORD_WEIGHT = 0.12

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Grammar words of one language that are not (common) words of the other, in
# the spellings buyers use (no accents, SMS forms). Not "no", "a", "me", "come",
# "son", "has", "red": both languages have them.
_SPANISH_WORDS = frozenset(
    """
    el la los las un una unos unas del al de que q k xq pq porque por para con
    sin mi mis tu tus su sus es esta estan esto este eso ese esa estoy soy
    ya y o pero como cuando donde cual cuanto cuanta cuantos cuantas quien
    muy mas tambien tmb aun todavia hay tengo tiene tienen quiero queria puedo
    puede pueden necesito me llego llega nunca nada algo hola gracias favor
    porfa ayuda hacer hace se lo le les nos pedido pedidos compra envio en
    hablar llegado devolver cancelar cambiar quisiera
    """.split()
)
_ENGLISH_WORDS = frozenset(
    """
    the of and or but with without my your his her its our their is are was
    were this that these those what when where which who how why will would
    can could should i you we they it do does did have had has not dont
    doesnt didnt cant wont im ive please pls plz thanks thank hi hello
    order orders package got get want need just about from into any some
    to for on at in be if so up out u ur r
    """.split()
)

_SPANISH_REQUEST = re.compile(
    r"\b(?:(?:habla|hablas|hablan|hablar|hable|en|in|speak|speaks)\s+"
    r"(?:en\s+)?(?:espa[nñ]ol|castellano|spanish)"
    r"|(?:espa[nñ]ol|spanish)\s+(?:por\s+favor|porfa|pls|please|plz)"
    r"|^\W*(?:espa[nñ]ol|spanish|castellano)\W*$)",
    re.IGNORECASE,
)
_ENGLISH_REQUEST = re.compile(
    r"\b(?:(?:habla|hablas|hablan|hablar|hable|en|in|speak|speaks)\s+"
    r"(?:en\s+)?(?:ingl[eé]s|english)"
    r"|(?:ingl[eé]s|english)\s+(?:por\s+favor|porfa|pls|please|plz)"
    r"|^\W*(?:ingl[eé]s|english)\W*$)",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The message's words: letters only (no numbers, order ids or emoji)."""
    return [w.lower() for w in _WORD.findall(text or "")]


def requested_language(text: str) -> str | None:
    """The language a message explicitly asks for, or None."""
    spanish = _SPANISH_REQUEST.search(text or "")
    english = _ENGLISH_REQUEST.search(text or "")
    if spanish and not english:
        return SPANISH
    if english and not spanish:
        return ENGLISH
    return None


@lru_cache(maxsize=1)
def _detector():  # noqa: ANN202 - lingua.LanguageDetector
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_preloaded_language_models()
        .build()
    )


def warm_up() -> None:
    """Load lingua's models now (0.2 s) rather than at the first buyer's message."""
    _detector()


def spanish_share(text: str) -> float:
    """How Spanish the message reads, 0 (English) to 1 (Spanish)."""
    from lingua import Language

    tokens = words(text)
    lingua_share = _detector().compute_language_confidence(
        " ".join(tokens), Language.SPANISH
    )
    spanish = sum(1 for w in tokens if w in _SPANISH_WORDS)
    english = sum(1 for w in tokens if w in _ENGLISH_WORDS)
    share = lingua_share + FUNCTION_WORD_WEIGHT * (spanish - english)
    return min(1.0, max(0.0, share))


def detect_language(text: str) -> str | None:
    """English or Spanish for a message of MIN_WORDS words or more; else None.

    None also when the message could be either: the conversation keeps its
    language.
    """
    if len(words(text)) < MIN_WORDS:
        return None
    share = spanish_share(text)
    if share >= DECIDE_AT:
        return SPANISH
    if share <= 1 - DECIDE_AT:
        return ENGLISH
    return None


def message_language(text: str, *, detect: bool = True) -> str | None:
    """The language a message sets: an explicit request, else (when `detect`)
    the detected language of a long enough message, else None."""
    requested = requested_language(text)
    if requested is not None:
        return requested
    return detect_language(text) if detect else None
