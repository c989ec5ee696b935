"""Whether a buyer's message holds a delivery address (an address change,
actions/orders.py).

A buyer who asks to change the delivery address often doesn't say the new one
("I need to change the shipping address"), and a case without it leaves the
seller nothing to act on. `has_street_address` is strict, for the request
itself: a house number with a street word ("500 Pine St", "12 calle Mayor"),
a PO box, or a US ZIP code with a number and words before it. `looks_like_address`
is lenient, for the answer to "what's the new address?": also words with a
postal code ("Rosenweg 9, 8001 Zürich"), since buyers abroad write addresses
every way; never "give me 5 minutes".
"""

from __future__ import annotations

import re

from bot.domain.model import without_order_ids

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
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_street_address(text: str | None) -> bool:
    """Whether `text` holds a street address (see the module docstring)."""
    if not isinstance(text, str):
        return False
    text = without_order_ids(text)
    return bool(_STREET.search(text) or _NUMBER_THEN_WORDS_THEN_ZIP.search(text))


# A postal code: 4 to 6 digits ("8001 Zürich", "98103"), or a UK or Canadian one.
_POSTAL_CODE = re.compile(
    r"(?<!\d)\d{4,6}(?:-\d{4})?(?!\d)"
    r"|\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b|\b[a-z]\d[a-z]\s*\d[a-z]\d\b",
    re.IGNORECASE,
)


def looks_like_address(text: str | None) -> bool:
    """Whether an answer to "what's the new delivery address?" may be one: a
    street address, or words with a postal code ("Rosenweg 9, 8001 Zürich")."""
    if not isinstance(text, str):
        return False
    text = without_order_ids(text).strip()
    if has_street_address(text):
        return True
    return bool(_POSTAL_CODE.search(text)) and len(_WORD.findall(text)) >= 2
