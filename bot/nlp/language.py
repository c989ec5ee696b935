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

# Fewer different words than this (names left out, see `words`) never change
# the conversation's language.
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

# Explicit requests address the conversation: a question or an order to the
# bot ("¿hablas español?", "contéstame en inglés", "English please"), or the
# buyer's own need ("no hablo inglés", "prefiero español"). Not a product's
# language ("is the manual in spanish?"), nor somebody else's ("mi hijo habla
# inglés"), nor a negation ("I don't speak spanish").
_SPANISH_NAMES = r"(?:espa[nñ]ol|castellano|spanish)"
_ENGLISH_NAMES = r"(?:ingl[eé]s|english)"


def _request_pattern(wanted: str, other: str) -> re.Pattern[str]:
    return re.compile(
        r"(?:"
        # to the bot: "¿hablas español?", "puedes hablar en inglés", "can you speak…"
        r"\b(?:hablas|hablan|habla\s+usted|puedes\s+hablar|puede\s+hablar|"
        r"podemos\s+hablar|podemos\s+seguir|h[aá]blame|h[aá]bleme|"
        r"cont[eé]sta(?:me)?|resp[oó]nde(?:me)?|escr[ií]be(?:me)?|"
        r"(?:do|can|could)\s+(?:you|we)\s+(?:speak|talk|chat|continue|write)|"
        r"speak|talk\s+to\s+me|reply|answer|write)\s+(?:\w+\s+)?(?:en\s+|in\s+)?"
        + wanted
        + r"\b"
        # "español por favor", "in english please", "English pls"
        r"|\b(?:en\s+|in\s+)?" + wanted + r"\s+(?:por\s+favor|porfa|pls|plz|please)\b"
        # the whole message: "Español", "in english?", "¿en español?"
        r"|^\W*(?:en\s+|in\s+)?" + wanted + r"\W*$"
        # the buyer's need: "no hablo inglés", "prefiero español", "i prefer english"
        r"|\bno\s+(?:hablo|entiendo|s[eé])\s+(?:el\s+|mucho\s+|bien\s+(?:el\s+)?)?"
        + other
        + r"|\b(?:prefiero|prefer)\s+(?:hablar\s+|to\s+speak\s+|to\s+talk\s+)?"
        r"(?:en\s+|in\s+)?" + wanted + r"\b"
        r"|\bi\s+(?:don'?t|do\s+not|can'?t|cannot)\s+(?:speak|read|understand)\s+"
        + other
        + r")",
        re.IGNORECASE,
    )


_SPANISH_REQUEST = _request_pattern(_SPANISH_NAMES, _ENGLISH_NAMES)
_ENGLISH_REQUEST = _request_pattern(_ENGLISH_NAMES, _SPANISH_NAMES)
# "I don't speak spanish", "no quiero español": a negated request asks for nothing
_NEGATED = re.compile(
    r"\b(?:no|not|don'?t|do\s+not|can'?t|cannot|never|nunca)\s+(?:\w+\s+){0,2}?"
    r"(?:speak|hablar|hablas|habla|quiero|want|need)\b"
    r"|\b(?:no|not)\s+(?:en\s+|in\s+)?(?:espa[nñ]ol|castellano|spanish|ingl[eé]s|english)",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The message's words: letters only (no numbers, order ids or emoji), less
    the names: a capitalised word after the first ("El Paso", "Hearth Electric
    Kettle", "Avenida de las Americas") and an all-capitals one ("TX", "USB")
    name a place, a person or a product, not the buyer's language."""
    found = _WORD.findall(text or "")
    return [
        w.lower()
        for i, w in enumerate(found)
        if not (len(w) > 1 and w.isupper()) and (i == 0 or not w[0].isupper())
    ]


def requested_language(text: str) -> str | None:
    """The language a message explicitly asks for, or None."""
    text = text or ""
    spanish = _SPANISH_REQUEST.search(text)
    english = _ENGLISH_REQUEST.search(text)
    if _NEGATED.search(text) and not re.search(
        r"\bno\s+(?:hablo|entiendo|s[eé])\b|\bi\s+(?:don'?t|do\s+not|can'?t|cannot)"
        r"\s+(?:speak|read|understand)\b",
        text,
        re.IGNORECASE,
    ):
        return None
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
    if not tokens:
        return 0.5
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
    if len(set(words(text))) < MIN_WORDS:  # "ok ok ok" says no more than "ok"
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
