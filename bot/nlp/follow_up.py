"""What a buyer's next message says about the inquiry just decided
(actions/follow_up.py): a cancellation taken back, or a question about the
same order.

`takes_back_cancellation`: "wait no dont cancel", "I changed my mind, I'll keep
it", "can you undo the cancellation", "mejor no lo canceles". The NLU reads most
of them as a cancellation request (the word "cancel" is in them) and some as
nothing it knows; only the words tell them apart. The caller decides whether
there is a cancellation to take back.

`refers_back`: a question that points at what was just discussed ("can I
return it?", "when will that one arrive", "¿puedo devolverlo?", "any update
on my address change?") and not at another order ("my other order", "a
different one"). English and Spanish, the
languages buyers write to the bot in.
"""

from __future__ import annotations

import re

_NOT = r"(?:don'?t|dont|do not|didn'?t|did not|no need to|not|never)"
_TAKE_BACK = re.compile(
    r"|".join(
        (
            # "don't cancel", "I didn't mean to cancel", "do not cancel it"
            rf"\b{_NOT}\s+(?:\w+\s+){{0,3}}?cancel",
            # "I don't want to cancel anymore", "I no longer want it cancelled"
            r"\bno longer want\b",
            # "undo / cancel / withdraw / stop the cancellation"
            r"\b(?:undo|cancel|withdraw|reverse|stop|revoke|take back)\s+"
            r"(?:\w+\s+)?cancell?ation\b",
            r"\bchanged? my mind\b",
            r"\bnever ?mind\b",
            r"\b(?:i'?ll|i will|i'?d like to|i want to|i wanna|let me|please)\s+keep\b",
            r"\bkeep (?:it|the order|my order|the \w+|them)\b",
            r"\bstill want (?:it|the order|them|the \w+)\b",
            # Spanish: "no lo canceles", "no cancelar", "mejor no", "me lo quedo"
            r"\bno\s+(?:(?:lo|la|los|las|me lo|me la)\s+)?cancel\w*",
            r"\bno (?:quiero|necesito)\s+(?:\w+\s+){0,2}?cancel\w*",
            r"\bcambi[eé] de (?:opini[oó]n|idea)\b",
            r"\bme (?:lo|la|los|las) quedo\b",
            r"\bmejor no\b",
            r"\b(?:anula|deshaz|deshacer|anular)\s+(?:la\s+)?cancelaci[oó]n\b",
        )
    ),
    re.IGNORECASE,
)

# Pointing at what was just discussed. In Spanish, "lo" and a verb with a
# clitic ("devolverlo", "cancelarla": infinitives and gerunds); "la", "los",
# "las" on their own are mostly articles ("la tetera"), so they do not count.
_BACK = re.compile(
    r"\b(?:it|its|it'?s|this|that|them|these|those|same"
    r"|lo|ese|esa|este|esta|mismo|misma"
    r"|\w+(?:ar|er|ir|ando|iendo)(?:lo|la|los|las))\b",
    re.IGNORECASE,
)
# Asking how the request just made is going: about the same order.
_UPDATE = re.compile(
    r"\b(?:any (?:update|news|word|reply|answer)s?|an update|heard back|hear back"
    r"|status of (?:my|the) (?:case|request)|did (?:the seller|they) (?:reply|answer"
    r"|respond|get back)|alguna (?:novedad|noticia|respuesta)|hay novedades)\b",
    re.IGNORECASE,
)
# ... unless another order is meant.
_ANOTHER = re.compile(
    r"\b(?:other|another|different|second|new|older|newer|previous|last|next"
    r"|otro|otra|otros|otras|diferente|anterior|nuevo|nueva)\s+(?:\w+\s+)?"
    r"(?:order|one|purchase|item|package|pedido|compra|paquete)s?\b",
    re.IGNORECASE,
)


def takes_back_cancellation(text: str | None) -> bool:
    """Whether the message takes back a cancellation request (see the module
    docstring)."""
    if not isinstance(text, str):
        return False
    return bool(_TAKE_BACK.search(text.replace("’", "'")))


def refers_back(text: str | None) -> bool:
    """Whether the message points at what was just discussed, and not at
    another order (see the module docstring)."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    if _ANOTHER.search(text):
        return False
    return bool(_BACK.search(text) or _UPDATE.search(text))
