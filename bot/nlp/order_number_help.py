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

_NUMBER_NOUN = r"(?:order\s*)?(?:number|num|no\.?|#|id)|n[uú]mero"
_NUMBER = rf"{_NUMBER_NOUN}|it|one|that"
_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "i dont know the order number", "can't find it", "don't have one"
        r"\b(?:don'?t|do not|dnt|can'?t|cannot|could ?n'?t|couldnt)\s+"
        r"(?:\w+\s+){0,2}?(?:know|have|find|remember|recall|see|get)\b"
        rf"(?:\s+(?:the|my|an|any|a|this|its|it's))?(?:\s+(?:{_NUMBER}))?\b",
        # "lost the order number", "forgot my order #", "no order number",
        # "never got an order number"
        r"\b(?:lost|forgot|forget|misplaced|no|without|never got|didn'?t get|did not get)"
        rf"\s+(?:the\s+|my\s+|an?\s+|any\s+)?(?:{_NUMBER_NOUN})",
        # "where do i find it", "where can i see the order number", "how do i find it"
        r"\bwhere\s+(?:do|can|would|should|could)\s+i\s+(?:find|get|see|look|locate|check)\b",
        r"\bhow\s+(?:do|can|would|should|could)\s+i\s+(?:find|see|locate|look)\b",
        # the reply opens with "idk", "no idea", "not sure", "dunno", "i don't know"
        r"^\W*(?:idk|dunno|no idea|not sure|i\s*(?:don'?t|do not|dont)\s+know)\b",
        # Spanish: "no sé el número", "no tengo el numero", "¿dónde lo encuentro?"
        r"\bno\s+(?:s[eé]|tengo|encuentro|recuerdo|lo\s+s[eé]|lo\s+tengo|lo\s+encuentro)\b",
        r"\bd[oó]nde\s+(?:lo\s+)?(?:encuentro|veo|est[aá]|busco)\b",
    )
)


def lacks_order_number(text: str | None) -> bool:
    """Whether a reply to "what's the order number?" says the buyer does not
    have it or cannot find it (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return False
    text = text.replace("’", "'")
    if re.search(r"\d{3}\D{0,3}\d{7}\D{0,3}\d{7}", text):
        return False  # an order number after all ("dont know if 112-... is right")
    return any(p.search(text) for p in _PATTERNS)
