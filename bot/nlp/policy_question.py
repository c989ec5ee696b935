"""A question about the return policy in general, not a request to return
something: "what's your return policy?", "how many days do I have to return
stuff", "do you accept returns", "¿cuál es la política de devoluciones?".
English and Spanish, the languages buyers write to the bot in.

The NLU reads these as a return request, and the bot asks which order: the
buyer first gets the policy's general terms (`utter_return_policy`), then the
order question, whose answer gives their order's own window. A message that
asks to return or refund something of its own ("I want to return my kettle,
what's the policy") is a request: it gets the order question alone.
"""

from __future__ import annotations

import re

_POLICY = re.compile(
    r"\b(?:"
    # "return policy", "refund policy", "returns policy", "policy on returns"
    r"(?:return|returns|refund|refunds|exchange)\s+polic(?:y|ies)"
    r"|polic(?:y|ies)\s+(?:on|for|about)\s+(?:returns?|refunds?)"
    # "how many days do I have to return", "how long do i have to send it back"
    r"|how\s+(?:many\s+days|long)\s+(?:do|does|would|will)\s+\w+\s+(?:have|get)"
    r"\s+(?:to|for)\s+(?:return|send\s+\w+\s+back|get\s+a\s+refund)"
    # "how long is the return window", "what's the return period"
    r"|(?:how\s+long|what)(?:'s|\s+is|\s+are)?\s+(?:the|your)\s+"
    r"(?:return|refund)\s+(?:window|period|time\s*frame|time\s*limit)"
    # "do you accept returns", "do you take returns", "can you return stuff"
    r"|do\s+(?:you|u|they|sellers)\s+(?:accept|take|allow|do)\s+returns"
    r"|can\s+(?:you|u|i|one)\s+return\s+(?:stuff|things|items|anything|products)"
    # Spanish: "política de devoluciones", "cuántos días tengo para devolver",
    # "plazo de devolución", "aceptan devoluciones"
    r"|pol[ií]tica\s+de\s+(?:devoluci[oó]n|devoluciones|reembolsos?)"
    r"|cu[aá]ntos\s+d[ií]as\s+(?:tengo|hay|tienen?)\s+para\s+devolver"
    r"|plazo\s+(?:de|para)\s+(?:la\s+)?devoluci[oó]n"
    r"|aceptan\s+devoluciones"
    r")",
    re.IGNORECASE,
)

# The buyer's own return: "my", "I want to return", "I'd like a refund for",
# "mi pedido", "quiero devolver". Then it is a request, not a general question.
_OWN_REQUEST = re.compile(
    r"\b(?:my|mine|i\s+(?:want|need|would\s+like|'d\s+like|wanna)\s+to\s+return"
    r"|i\s+(?:want|need)\s+a\s+refund|return\s+(?:this|it|the)\b|order\s*#?\s*\d"
    r"|\d{3}-\d{7}-\d{7}"
    r"|mis?|quiero\s+devolver|devolverlo|devolverla)\b",
    re.IGNORECASE,
)


def asks_return_policy(text: str) -> bool:
    """Whether `text` asks what the return policy is, without asking to return
    something of the buyer's own."""
    return bool(_POLICY.search(text)) and not _OWN_REQUEST.search(text)
