"""The remedy a buyer names in words, for "Would you like a replacement?"
(the damaged-item question, actions/returns.py).

The buttons send yes or no. Buyers also type their choice, and the NLU reads
"replacement please", "send a new one" or "I want my money back" as a return
request: `remedy_named` says which of the two remedies such a message asks
for, or None when it names neither, or both without saying which one is not
wanted ("replace or refund, whatever is faster"). A remedy after a negation is
the one the buyer does not want: "a replacement, not a refund", "no refund,
send another one", "I don't want a replacement" (then the other one).
English and Spanish, the languages buyers write to the bot in.
"""

from __future__ import annotations

import re

REPLACEMENT = "replacement"
REFUND = "refund"

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
_NEGATION = (
    r"(?:not|no|don'?t|do not|dont|never|rather than|instead of|sin|ni|nada de)"
    r"(?:\s+(?:want|need|like|a|an|the|any|un|una|el|la|quiero|necesito))*"
)
_PATTERNS = {
    remedy: (
        re.compile(rf"\b(?:{words})\b", re.IGNORECASE),
        re.compile(rf"\b{_NEGATION}\s+(?:{words})\b", re.IGNORECASE),
    )
    for remedy, words in _REMEDY_WORDS.items()
}
_OTHER = {REPLACEMENT: REFUND, REFUND: REPLACEMENT}


def remedy_named(text: str | None) -> str | None:
    """REPLACEMENT, REFUND or None (see the module docstring)."""
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
    if len(wanted) == 1:
        return wanted.pop()
    if not wanted and len(unwanted) == 1:
        return _OTHER[unwanted.pop()]
    return None
