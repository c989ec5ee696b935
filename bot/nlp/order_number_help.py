"""A buyer who cannot give the order number the bot asked for: "i dont know
the order number", "where do i find it?", "idk", "no tengo el número".

Asked for an order number, such a buyer means neither "no, stop" (the NLU
often reads them as a denial) nor a new question ("where do I find the order
number" reads as a delivery question): they need to be told where to find it.
`lacks_order_number` is only asked about a reply to the order question.
English and Spanish, the languages buyers write to the bot in.
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.model import without_order_ids

_NUMBER_NOUN = r"(?:(?:order\s*)?(?:number|num|no\.?|#|id)|n[uú]mero)(?!\w)"
_NUMBER = rf"(?:{_NUMBER_NOUN}|(?:it|one|that)\b)"
_DETERMINER = r"(?:(?:the|my|an|any|a|this|its|it's|el|mi)\s+)?"
_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "i dont know the order number", "can't find it", "don't have one"
        r"\b(?:don'?t|do not|dnt|can'?t|cannot|could ?n'?t|couldnt)\s+"
        r"(?:\w+\s+){0,2}?(?:know|have|find|remember|recall|see|get)\s+"
        rf"{_DETERMINER}{_NUMBER}",
        # "lost the order number", "forgot my order #", "no order number",
        # "never got an order number"
        r"\b(?:lost|forgot|forget|misplaced|no|without|never got|didn'?t get|did not get)"
        rf"\s+{_DETERMINER}{_NUMBER_NOUN}",
        # "where do i find it", "how do i find the order number"
        r"\b(?:where|how)\s+(?:do|can|would|should|could)\s+i\s+"
        rf"(?:find|get|see|look up|locate|check)\s+{_DETERMINER}{_NUMBER}",
        # "idk", "no idea", "not sure", "i don't know" (alone, or of the number)
        r"^\W*(?:idk|dunno|no idea|not sure|i\s*(?:don'?t|do not|dont)\s+know)"
        rf"(?:\s+{_DETERMINER}{_NUMBER_NOUN})?\W*$",
        # Spanish: "no sé el número", "no tengo el numero", "¿dónde lo encuentro?"
        r"\bno\s+(?:s[eé]|tengo|encuentro|recuerdo)\s+(?:el\s+|mi\s+)?n[uú]mero",
        r"\bno\s+lo\s+(?:s[eé]|tengo|encuentro)\W*$",
        r"\bd[oó]nde\s+(?:lo\s+encuentro|encuentro\s+el\s+n[uú]mero|veo\s+el\s+n[uú]mero)",
    )
)


def lacks_order_number(text: str | None) -> bool:
    """Whether a reply to "what's the order number?" says the buyer does not
    have it or cannot find it (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return False
    text = text.replace("’", "'")
    if without_order_ids(text) != unicodedata.normalize("NFKC", text):
        return False  # an order number after all ("dont know if 112-... is right")
    return any(p.search(text) for p in _PATTERNS)
