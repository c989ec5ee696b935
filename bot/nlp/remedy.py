"""The remedy a buyer names in words, for "Would you like a replacement?"
(the damaged-item question, actions/returns.py).

The buttons send yes or no. Buyers also type their choice, and the NLU reads
"replacement please", "send a new one" or "I want my money back" as a return
request: `remedy_named` says which of the two remedies such a message asks for
(REPLACEMENT, REFUND), None when it names neither (another message), and
UNCLEAR when it names one but does not choose it: both without saying which
one is not wanted ("replace or refund, whatever is faster"), only the one not
wanted ("no refund please", "I don't want a replacement": the other one is
not assumed), or a question ("is the replacement free?"). A remedy after a
negation is one the buyer does not want: "a replacement, not a refund" and
"no refund, send another one" choose the replacement. English and Spanish, the
languages buyers write to the bot in.
"""

from __future__ import annotations

import re

from bot.nlp.answers.lexicon import asks_something

REPLACEMENT = "replacement"
REFUND = "refund"
UNCLEAR = "unclear"

_REMEDY_WORDS = {
    REPLACEMENT: (
        r"replac\w*|another one|a new \w+|send (?:me )?another|swap \w+"
        r"|exchange\w*|reemplaz\w*|reponer|repuesto|otro nuevo|otra nueva|uno nuevo"
        r"|una nueva|cambi\w*"
    ),
    REFUND: (
        r"refund\w*|money back|my money|reimburs\w*|reembols\w*|mi dinero"
        r"|devu[eé]lv\w* (?:el|mi) dinero|devoluci[oó]n del dinero"
    ),
}
# A remedy refused: a negation up to four words before it ("not interested in a
# replacement", "never asked for a refund"), or "not needed" after it.
_NEGATION = (
    r"(?:not|no|don'?t|do not|dont|never|rather than|instead of|sin|ni|nada de)"
    r"(?:\s+[^\s,.;:!?]+){0,4}?"
)
_REFUSED_AFTER = (
    r"(?:\s+[^\s,.;:!?]+){0,2}?\s+(?:not needed|not necessary|unnecessary|no thanks)"
)
_PATTERNS = {
    remedy: (
        re.compile(rf"\b(?:{words})\b", re.IGNORECASE),
        re.compile(
            rf"\b{_NEGATION}\s+(?:{words})\b|\b(?:{words}){_REFUSED_AFTER}\b",
            re.IGNORECASE,
        ),
    )
    for remedy, words in _REMEDY_WORDS.items()
}


# A request put as a question: "can you replace it", "could u send a new one",
# "can I get a replacement instead of a refund?", "¿me pueden mandar otro?".
_REQUEST = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s+(?:you|u)|(?:can|could|may)\s+(?:i|we)"
    r"\s+(?:please\s+)?(?:get|have|just get)|me\s+pueden)\b",
    re.IGNORECASE,
)


def remedy_named(text: str | None) -> str | None:
    """REPLACEMENT, REFUND, UNCLEAR or None (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.replace("’", "'")
    wanted: set[str] = set()
    unwanted: set[str] = set()
    for remedy, (named, negated) in _PATTERNS.items():
        mentions = len(named.findall(text))
        refused = len(negated.findall(text))
        if refused:
            unwanted.add(remedy)
        if mentions > refused:
            wanted.add(remedy)
    wanted -= unwanted
    if not wanted and not unwanted:
        return None
    asks = asks_something(text) and not _REQUEST.match(text)
    if len(wanted) == 1 and not asks:
        return wanted.pop()
    return UNCLEAR
