"""Which of the orders offered as buttons a buyer means in words.

Asked "Which order is it about?" with buttons, buyers often type instead of
clicking: "the newer one", "the older", "the second one", "the one ending in
0003", "the one from nov 2", "the october one", "el más reciente", "la del 2
de noviembre", "the one that hasn't shipped yet", "the one that arrived".
`chosen_order` picks that order among the choices (in the buttons' order, each
with the time it was placed and, for dates, the day the buttons show, and for
what became of it, its status), or None when the words pick none, or more than
one. English and Spanish, the languages buyers write to the bot in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime

_ORDINALS = {
    0: r"first|1st|top|primer|primero|primera",
    1: r"second|2nd|segundo|segunda",
    2: r"third|3rd|tercer|tercero|tercera",
    3: r"fourth|4th|cuarto|cuarta",
}
# An ordinal names a place in the list when it is a noun phrase ("the first",
# "second one", "2nd order", "el primero") or nearly the whole message ("first
# pls"); not an adverb ("where is my tumbler first", "i want to ask something
# first").
_ORDINAL = {
    index: re.compile(
        rf"(?:\b(?:the|el|la|lo|my|that|this)\s+(?:{words})\b"
        rf"|\b(?:{words})\s+(?:one|order|pedido|uno|option|button|opci[oó]n)\b)"
        rf"(?!\s+(?:time|order i|pedido que|i|we|que)\b)",
        re.IGNORECASE,
    )
    for index, words in _ORDINALS.items()
}
_ORDINAL_ALONE = {
    index: re.compile(
        rf"^\W*(?:(?:ok|okay|um+|uh+|hmm+|so)\W+)?(?:{words})\b(?:\W+(?:one|pls|please"
        rf"|plz|thanks|thx|ty|order|pedido|uno|por favor|gracias))?\W*$",
        re.IGNORECASE,
    )
    for index, words in _ORDINALS.items()
}
# A question asks what the orders are ("which ones haven't shipped yet?",
# "where is my tumbler first"): it picks none of them ("what about the older
# one?" asks the same question of that one).
_ASKS = re.compile(
    r"\b(?:which|what(?!\s+about)|where|why|how(?!\s+about)|who|qu[eé]\s*\?|cu[aá]l(?:es)?|d[oó]nde|c[oó]mo"
    r"|por qu[eé])\b",
    re.IGNORECASE,
)
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
_MONTHS = {
    1: "jan|january|ene|enero",
    2: "feb|february|febrero",
    3: "mar|march|marzo",
    4: "apr|april|abr|abril",
    5: "may|mayo",
    6: "jun|june|junio",
    7: "jul|july|julio",
    8: "aug|august|ago|agosto",
    9: "sep|sept|september|septiembre|setiembre",
    10: "oct|october|octubre",
    11: "nov|november|noviembre",
    12: "dec|december|dic|diciembre",
}
_MONTH = "|".join(f"(?P<m{n}>{words})" for n, words in _MONTHS.items())
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# "nov 2", "november 2nd"; "2 nov", "2nd of november", "2 de noviembre"
_DAY_FORMS = (rf"(?:{_MONTH})\.?\s+{_DAY}", rf"{_DAY}\s+(?:of\s+|de\s+)?(?:{_MONTH})")
_DATES = tuple(re.compile(rf"\b{day}\b", re.IGNORECASE) for day in _DAY_FORMS)
# A request that names the day its order was placed: "my nov 10 order", "the
# order from nov 10", "the one i ordered on 10 nov", "el pedido del 10 de
# noviembre". Never a date alone ("will it come by nov 25?" is a deadline).
_ORDER_WORD = r"(?:order|purchase|pedido|compra)"
# "my nov 10 kettle order": up to two words between the day and the order word,
# which must name the item (placed_on's `item_words`): not "due nov 18 for this
# order", "delivered nov 10 and my order ...".
_BETWEEN = r"(?P<between>(?:\s+[^\W\d]+){0,2}?)"
_PLACED_WORD = r"(?:order(?:ed)?|placed|bought|purchased|pedid[oa]|compr[eéa]|hice)"
_PLACED = tuple(
    pattern
    for day in _DAY_FORMS
    for pattern in (
        re.compile(rf"\b{day}(?:'s)?{_BETWEEN}\s+{_ORDER_WORD}\b", re.IGNORECASE),
        re.compile(
            rf"\b{_PLACED_WORD}\b(?:\s+\w+){{0,3}}?\s+(?:on|from|of|el|del|de)\s+{day}\b",
            re.IGNORECASE,
        ),
    )
)
# "the october one", "el de octubre": a month alone, not a word that is also
# something else ("may I...", "mar" is the sea).
_MONTH_ONLY = re.compile(
    r"\b(?:(?P<en>"
    + "|".join(
        w for n, words in _MONTHS.items() for w in words.split("|") if len(w) > 3
    )
    + r")|de\s+(?P<es>enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre"
    r"|octubre|noviembre|diciembre))\b",
    re.IGNORECASE,
)
# "not the first one", "el segundo no": which one is meant is not said.
# What became of the order: "the one that hasn't shipped yet", "the one still
# on its way", "the one that arrived", "el que no ha llegado". The phrases with
# a negation come first, and are taken out before the others and before the
# check for a negation ("not the first one").
_NOT_YET = (
    r"(?:has ?n[o']?t|have ?n[o']?t|did ?n[o']?t|is ?n[o']?t|not|never)(?:\s+\w+)?\s+"
)
_STATUS_PHRASES = (
    (
        ("unshipped",),
        rf"\b{_NOT_YET}(?:shipped|sent|been (?:shipped|sent)|ship|left)\b|\bunshipped\b"
        r"|\bstill (?:processing|preparing)\b|\bno (?:ha|se ha) (?:salido|enviado)\b"
        r"|\bsin enviar\b",
    ),
    (  # not arrived: not shipped either, or on its way
        ("unshipped", "shipped"),
        rf"\b{_NOT_YET}(?:arrived|come|came|delivered|got here|here|showed up|shown up"
        r"|turned up)\b"
        r"|\bno ha llegado\b",
    ),
    (
        ("shipped",),
        r"\bon (?:its|the) way\b|\bin transit\b|\bstill coming\b|\ben camino\b",
    ),
    (
        ("delivered",),
        r"\b(?:arrived|delivered|received|came|lleg[oó]|entregad[oa]"
        r"|recib[ií])\b",
    ),
    (("cancelled",), r"\b(?:cancell?ed|cancelad[oa])\b"),
)
_STATUSES = [
    (statuses, re.compile(words, re.IGNORECASE)) for statuses, words in _STATUS_PHRASES
]

_NEGATION = re.compile(r"\b(?:not|no|ni|nor|neither|except|but)\b", re.IGNORECASE)
# Longer messages are about something else ("the first thing I noticed...").
_MAX_WORDS = 12


def _month(match: re.Match[str]) -> int | None:
    return next((n for n in _MONTHS if match.group(f"m{n}")), None)


def _month_number(word: str) -> int | None:
    word = word.lower()
    return next((n for n, words in _MONTHS.items() if word in words.split("|")), None)


def _dated(text: str, days: Sequence[date]) -> tuple[set[int], bool]:
    """The indexes of `days` the text names by a date ("nov 2", "2 de
    noviembre") or by a month alone ("the october one"), and whether it named
    a full date (its day number is then no place in the list)."""
    matches = [m for pattern in _DATES for m in pattern.finditer(text)]
    if matches:
        return _on_the_days(matches, days), True
    found: set[int] = set()
    for match in _MONTH_ONLY.finditer(text):
        month = _month_number(match.group("en") or match.group("es"))
        found |= {i for i, d in enumerate(days) if d.month == month}
    return found, False


def _on_the_days(matches: Sequence[re.Match[str]], days: Sequence[date]) -> set[int]:
    """The indexes of `days` that one of the date `matches` names."""
    named = {(_month(m), int(m.group("day"))) for m in matches}
    return {i for i, d in enumerate(days) if (d.month, d.day) in named}


def _by_status(text: str, statuses: Sequence[str]) -> tuple[set[int], str]:
    """The choices whose status the text names, and the text without it."""
    named: set[str] = set()
    for meant, pattern in _STATUSES:
        if pattern.search(text):
            named.update(meant)
            text = pattern.sub(" ", text)
    return {i for i, status in enumerate(statuses) if status in named}, text


def chosen_order(
    text: str | None,
    choices: Sequence[tuple[str, datetime]],
    days: Sequence[date] = (),
    statuses: Sequence[str] = (),
) -> str | None:
    """The order (id) of `choices` that `text` names by its place, its age,
    the end of its number, (with `days`, the day each choice's button shows)
    its date or (with `statuses`, each choice's OrderStatus value) what became
    of it; None when it names none or several."""
    if not isinstance(text, str) or len(choices) < 2:
        return None
    picked: set[str] = set()
    ids = [order_id for order_id, _ in choices]
    if len(statuses) == len(ids):
        by_status, text = _by_status(text, statuses)
        picked |= {ids[i] for i in by_status}
    if len(text.split()) > _MAX_WORDS or _NEGATION.search(text) or _ASKS.search(text):
        return None
    if len(days) == len(ids):
        dated, full_date = _dated(text, days)
        picked |= {ids[i] for i in dated}
        if full_date:  # "nov 2nd": not the second one
            return picked.pop() if len(picked) == 1 else None
    for digits in _DIGITS.findall(text):
        picked |= {order_id for order_id in ids if order_id.endswith(digits)}
    newest, oldest = bool(_NEWEST.search(text)), bool(_OLDEST.search(text))
    if newest != oldest:
        times = sorted(choices, key=lambda choice: choice[1])
        if times[0][1] != times[-1][1]:
            picked.add((times[-1] if newest else times[0])[0])
    elif not newest:
        for index, pattern in _ORDINAL.items():
            if index < len(ids) and (
                pattern.search(text) or _ORDINAL_ALONE[index].search(text)
            ):
                picked.add(ids[index])
    return picked.pop() if len(picked) == 1 else None


def mentions_a_date(text: str | None) -> bool:
    """Whether the text holds a day of a month ("nov 10", "10 de noviembre")."""
    return isinstance(text, str) and any(p.search(text) for p in _DATES)


def placed_on(
    text: str | None,
    choices: Sequence[tuple[str, datetime]],
    days: Sequence[date],
    item_words: Collection[str] = (),
) -> str | None:
    """The order (id) of `choices` that a request names by the day it was
    placed (`days`: each choice's marketplace day), next to an order word ("where
    is my nov 18 order", "return the order I placed on sep 20", and with
    `item_words`, the words naming their items, "my nov 10 kettle order"); None
    when it names no such day, or a day of none or of several of them."""
    if not isinstance(text, str) or len(days) != len(choices):
        return None
    allowed = {word.lower() for word in item_words}
    matches = [
        m
        for pattern in _PLACED
        for m in pattern.finditer(text)
        if all(
            word.lower() in allowed
            for word in ((m.groupdict().get("between") or "").split())
        )
    ]
    picked = {choices[i][0] for i in _on_the_days(matches, days)}
    return picked.pop() if len(picked) == 1 else None
