"""Which of the orders offered as buttons a buyer means in words.

Asked "Which order is it about?" with two or three buttons, buyers often type
instead of clicking: "the newer one", "the older", "the second one", "the one
ending in 0003", "el más reciente". `chosen_order` picks that order among the
choices (in the buttons' order, each with the time it was placed), or None
when the words pick none, or more than one. English and Spanish, the languages
buyers write to the bot in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

_ORDINALS = {
    0: r"first|1st|top|primer|primero|primera",
    1: r"second|2nd|segundo|segunda",
    2: r"third|3rd|tercer|tercero|tercera",
    3: r"fourth|4th|cuarto|cuarta",
}
_ORDINAL = {
    index: re.compile(
        rf"\b(?:{words})\b(?!\s+(?:time|order i|pedido que))", re.IGNORECASE
    )
    for index, words in _ORDINALS.items()
}
_NEWEST = re.compile(
    r"\b(?:newer|newest|latest|most recent|recent one|new one|last (?:one )?i "
    r"(?:ordered|bought|placed)|m[aá]s reciente|m[aá]s nuevo|[uú]ltimo pedido)\b",
    re.IGNORECASE,
)
_OLDEST = re.compile(
    r"\b(?:older|oldest|earlier|earliest|old one|first (?:one )?i (?:ordered|bought"
    r"|placed)|m[aá]s antiguo|m[aá]s viejo|primer pedido)\b",
    re.IGNORECASE,
)
# "the one ending in 0003", "...0003", "0000003": the end of an order number.
_DIGITS = re.compile(r"(?<![\d-])(\d{4,7})(?!\d)")
# Longer messages are about something else ("the first thing I noticed...").
_MAX_WORDS = 12


def chosen_order(
    text: str | None, choices: Sequence[tuple[str, datetime]]
) -> str | None:
    """The order (id) of `choices` that `text` names by its place, its age or
    the end of its number; None when it names none or several."""
    if not isinstance(text, str) or len(choices) < 2:
        return None
    if len(text.split()) > _MAX_WORDS:
        return None
    picked: set[str] = set()
    ids = [order_id for order_id, _ in choices]
    for digits in _DIGITS.findall(text):
        picked |= {order_id for order_id in ids if order_id.endswith(digits)}
    newest, oldest = bool(_NEWEST.search(text)), bool(_OLDEST.search(text))
    if newest != oldest:
        times = sorted(choices, key=lambda choice: choice[1])
        if times[0][1] != times[-1][1]:
            picked.add((times[-1] if newest else times[0])[0])
    elif not newest:
        for index, pattern in _ORDINAL.items():
            if index < len(ids) and pattern.search(text):
                picked.add(ids[index])
    return picked.pop() if len(picked) == 1 else None
