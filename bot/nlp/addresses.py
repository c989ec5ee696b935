"""Whether a buyer's message holds a delivery address (an address change,
actions/orders.py).

A buyer who asks to change the delivery address often doesn't say the new one
("I need to change the shipping address"), and a case without it leaves the
seller nothing to act on. `has_street_address` is strict, for the request
itself: a house number with a street word ("500 Pine St", "12 calle Mayor"),
a PO box, or a US ZIP code with a number and words before it. `looks_like_address`
is lenient, for the answer to "what's the new address?": also any line with a
number and two words ("Flat 3, 221B Baker Street London"), since buyers abroad
write addresses every way.
"""

from __future__ import annotations

import re

_STREET_WORDS = (
    r"st|street|ave|av|avenue|rd|road|blvd|boulevard|ln|lane|dr|drive|way|ct|court"
    r"|pl|place|pkwy|parkway|hwy|highway|cir|circle|ter|terrace|sq|square|trl|trail"
    r"|loop|row|close|crescent|calle|avenida|carrera|camino|paseo|plaza"
)
_STREET = re.compile(
    rf"\b\d+[a-z]?\s+(?:[\w.'-]+\s+){{0,4}}(?:{_STREET_WORDS})\b\.?"
    rf"|\b(?:{_STREET_WORDS})\.?\s+(?:[\w.'-]+\s+){{0,3}}\d+\b"
    r"|\bp\.?\s?o\.?\s+box\s+\d+",
    re.IGNORECASE,
)
_NUMBER_THEN_WORDS_THEN_ZIP = re.compile(
    r"\b\d+[a-z]?\s+[^\W\d_]{2,}.*\b\d{5}(?:-\d{4})?\b", re.IGNORECASE | re.DOTALL
)
_ORDER_NUMBER = re.compile(r"\d{3}\D{0,3}\d{7}\D{0,3}\d{7}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_street_address(text: str | None) -> bool:
    """Whether `text` holds a street address (see the module docstring)."""
    if not isinstance(text, str):
        return False
    text = _ORDER_NUMBER.sub(" ", text)
    return bool(_STREET.search(text) or _NUMBER_THEN_WORDS_THEN_ZIP.search(text))


def looks_like_address(text: str | None) -> bool:
    """Whether an answer to "what's the new delivery address?" may be one."""
    if not isinstance(text, str):
        return False
    text = _ORDER_NUMBER.sub(" ", text).strip()
    if has_street_address(text):
        return True
    return (
        len(text) >= 10
        and any(ch.isdigit() for ch in text)
        and len(_WORD.findall(text)) >= 2
    )
