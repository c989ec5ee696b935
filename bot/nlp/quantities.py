"""How many units of an order line the buyer's words name: "one of my
tumblers arrived dented" (1 of 2), "both mugs are cracked" (2), "2 of the 3
glasses broke", "uno de los vasos llegó roto". English and Spanish, the
languages buyers write to the bot in.

A damaged item's return covers the units that arrived damaged, not the whole
line: a refund for two tumblers when one arrived dented costs the seller one
tumbler. Only a count the words say counts; words that name none ("my
tumblers arrived dented", "the tumbler is dented") leave the whole line, as
the buyer did not say otherwise.
"""

from __future__ import annotations

import re

_NUMBERS = {
    "one": 1, "a single": 1, "single": 1, "just one": 1, "only one": 1,
    "two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "uno": 1, "una": 1, "solo uno": 1, "solo una": 1, "dos": 2,
    "ambos": 2, "ambas": 2, "los dos": 2, "las dos": 2, "tres": 3, "cuatro": 4,
}  # fmt: skip
_ALL = r"all(?: of)?(?: them| the| my)?|every|todos|todas"
_ALL_BUT = re.compile(
    r"(?:\s+\w+){0,2}?\s+(?:but|except|fine|good|ok|okay|perfect|bien|menos|excepto)\b",
    re.IGNORECASE,
)
# Words that name every unit of a line of two: "both", "ambos", "los dos".
_EVERY = frozenset({"both", "ambos", "ambas", "los dos", "las dos"})
_COUNT = r"\d{1,3}|" + "|".join(
    re.escape(word) for word in sorted(_NUMBERS, key=len, reverse=True)
)
# "one of", "2 of the 3", "uno de los", "both", "all of them"; a count that
# is a size or a model ("1.7 l", "20 oz", "2-pack", "one-piece") is not one.
_UNITS = re.compile(
    rf"\b(?P<all>{_ALL})\b"
    rf"|\b(?P<count>{_COUNT})\b(?!\s*(?:[.,/-]\s*\d|%|-?\s*(?:l|oz|ml|cm|mm|in|inch"
    r"|qt|lb|lbs|kg|g|w|v|pack|pk|piece|pc|pcs|litre|liter|quart|cup|year|day"
    r"|week|month|hour|star)s?\b))",
    re.IGNORECASE,
)


def units_named(text: str | None, ordered: int) -> int | None:
    """The number of units (1..`ordered`) the words say: all of them when
    they say "all" or "both", else the fewest numbers they say ("I ordered two
    and one arrived dented"); None when they say none (a count the line
    cannot hold is not one of its units)."""
    if not isinstance(text, str) or ordered < 1:
        return None
    counts = []
    for match in _UNITS.finditer(text):
        if match.group("all"):
            if _ALL_BUT.match(text, match.end()):
                continue  # "all fine but one is cracked": not all of them
            return ordered
        word = re.sub(r"\s+", " ", match.group("count").lower())
        count = int(word) if word.isdigit() else _NUMBERS[word]
        if word in _EVERY:
            return ordered if count >= ordered else count
        if 1 <= count <= ordered:
            counts.append(count)
    # "I ordered two and one arrived dented", "all fine but one is cracked":
    # the fewest units named are the damaged ones
    return min(counts) if counts else None
