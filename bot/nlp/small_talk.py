"""Small talk the bot answers in its own words: "are you a bot?", "am I
talking to a real person?", "¿eres un robot?". English and Spanish, the
languages buyers write to the bot in.

The NLU reads these as out of scope or as a request for a person; the buyer
asks what they are talking to, and is told (utter_bot_identity, with a way to
reach a person), not sent to a person's queue unasked. "¿Hablas español?"
asks for a language, which the conversation switches to (bot.nlp.language),
not for a person either.
"""

from __future__ import annotations

import re

from bot.nlp.language import requested_language

_WHAT = r"(?:a |an |the |some )?(?:real |actual |live )?"
_BEING = (
    r"(?:bot|robot|chat ?bot|human|person|machine|computer|ai|a\.i\.|automated"
    r"|automatic|program|real|actual person|living person)"
)
_ASKS_IF_BOT = re.compile(
    r"|".join(
        (
            rf"\b(?:are|r) (?:you|u|ya) {_WHAT}{_BEING}\b",
            rf"\bam i (?:talking|chatting|speaking|writing) (?:to|with) {_WHAT}{_BEING}\b",
            # "is anyone there?", "anybody here??"
            r"^\W*(?:hello\W+)?(?:is )?(?:any ?one|any ?body|some ?one|some ?body)"
            r" (?:there|here|around|reading this)\W*$",
            r"^\W*(?:hola\W+)?(?:hay alguien|hay alguna persona) (?:ah[ií]|all[ií])\W*$",
            rf"\bis (?:this|that|it) {_WHAT}(?:bot|robot|chat ?bot|human|person|machine"
            r"|automated|ai|a real person)\b",
            rf"\b(?:you|u)(?:'re| are| r) {_WHAT}(?:bot|robot|chat ?bot|machine)\b\s*\?",
            r"\b(?:eres|es usted) (?:un |una )?(?:bot|robot|humano|humana|persona"
            r"|m[aá]quina|ia)\b",
            r"\b(?:hablo|estoy hablando|escribo) (?:con|a) (?:un |una )?(?:bot|robot"
            r"|humano|persona|m[aá]quina)\b",
        )
    ),
    re.IGNORECASE,
)
# Asking for a person outright is not asking what the bot is.
_WANTS_PERSON = re.compile(
    r"\b(?:talk|speak|chat) (?:to|with)\b|\b(?:connect|transfer|put) me\b|\bput me through"
    r"|\bi (?:want|need)\b|\bget me\b|\blet me talk\b|\b(?:agent|representative|operator"
    r"|supervisor|manager|agente|representante|operador)s?\b"
    r"|\b(?:quiero|necesito) hablar\b|\bhablar con\b|\bp[aá]same\b",
    re.IGNORECASE,
)


def asks_if_bot(text: str | None) -> bool:
    """Whether the message asks whether the buyer is talking to a bot or a
    person, without asking for a person."""
    if not isinstance(text, str):
        return False
    return bool(_ASKS_IF_BOT.search(text)) and not _WANTS_PERSON.search(text)


def asks_only_for_language(text: str | None) -> bool:
    """Whether the message asks for another language ("¿hablas español?",
    "can we speak in English") and for no person."""
    if not isinstance(text, str):
        return False
    return requested_language(text) is not None and not _WANTS_PERSON.search(text)
