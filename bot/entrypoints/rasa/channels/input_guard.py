"""What a buyer's message may be before Rasa sees it, on every buyer channel.

No Rasa import: the REST and socket.io channels call it, and it is tested alone.

1. **No intent injection.** Rasa reads any message whose stripped text starts
   with `/` as an intent with entities (`/restart`, `/session_start`,
   `/EXTERNAL_case_reply`, `/give_order_id{"order_id": ...}`). A buyer may only
   send the payloads of the bot's own quick-reply buttons, mapped here from a
   fixed list (`PUBLIC_INTENTS`: intents a buyer can also reach by typing words,
   with no entities) plus the order buttons, whose one entity must be a
   well-formed order number and is re-serialised. Anything else that starts
   with `/` is plain text to NLU: the leading slashes are dropped, so
   "/restart" reads as the word "restart" and restarts nothing.
2. **Plain text only.** Control characters and the invisible bidirectional
   controls (which make text display in another order than it is stored, e.g.
   in the agent console) are dropped; line breaks and tabs become spaces.
3. **Bounded.** A message is cut to `MAX_MESSAGE_CHARS`; a request body over
   `MAX_BODY_BYTES` is refused by the channel before it is parsed.
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.model import Intent
from bot.services.presentation import order_button_payload

# Longer chat messages are cut to this many characters before NLU sees them: NLU
# time grows with length (20,000 characters cost seconds of CPU), nothing a buyer
# needs to say is that long, and cases keep 2,000 anyway.
MAX_MESSAGE_CHARS = 2000
# A REST request body larger than this is refused (413) before JSON parsing.
MAX_BODY_BYTES = 64 * 1024

INTENT_PREFIX = "/"

# Intents a buyer's quick reply may carry as `/<intent>`: the business intents
# the policy routes (bot.domain.model.Intent: the topic and "talk to a person"
# buttons) and the small talk of the yes/no buttons (domain.yml). Each is an
# intent a buyer reaches by typing words anyway, so sending it as a payload gives
# no extra power. Never Rasa's internal intents (session_start, restart, back,
# EXTERNAL_*) nor nlu_fallback. tests/unit/test_input_guard.py checks this list
# against every button of domain.yml.
PUBLIC_INTENTS = (
    frozenset(intent.value for intent in Intent)
    | frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "out_of_scope"})
    | {
        # the "back to the assistant" button of a buyer waiting for a person: it
        # ends only the sender's own hand-off (actions/handoff.py)
        "handoff_cancel"
    }
)

# The order buttons (actions/order_questions.py `order_button`): exactly one well-formed
# order number, nothing else.
_ORDER_BUTTON = re.compile(
    r"/give_order_id\{\s*\"order_id\"\s*:\s*\"([0-9]{3}-[0-9]{7}-[0-9]{7})\"\s*\}"
)

# Bidirectional controls: embeddings, overrides and isolates (LRE..RLO, LRI..PDI),
# plus the marks LRM, RLM and ALM.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


def plain_text(text: str) -> str:
    """`text` without control characters or bidirectional controls; line breaks
    and tabs become spaces. Other characters (emoji, CJK, RTL letters) stay."""
    kept = []
    for char in text:
        if char in "\n\r\t\v\f\u2028\u2029\x85":
            kept.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def _public_payload(stripped: str) -> str | None:
    """The payload itself when `stripped` is one a buyer may send, else None."""
    intent = stripped[len(INTENT_PREFIX) :]
    if intent in PUBLIC_INTENTS:
        return stripped
    match = _ORDER_BUTTON.fullmatch(stripped)
    if match:
        return order_button_payload(match.group(1))
    return None


def buyer_text(text: str) -> str:
    """The message as Rasa may see it: plain, bounded, and never an intent that
    a buyer's own button could not send (see the module docstring).

    The result is '' only when `text` holds nothing but white space and
    control characters."""
    text = plain_text(text[: MAX_MESSAGE_CHARS * 2])[:MAX_MESSAGE_CHARS]
    stripped = text.strip()
    if not stripped.startswith(INTENT_PREFIX):
        return stripped
    allowed = _public_payload(stripped)
    if allowed is not None:
        return allowed
    words = stripped.lstrip(INTENT_PREFIX).strip()
    while words.startswith(INTENT_PREFIX):  # "/ /restart"
        words = words.lstrip(INTENT_PREFIX).strip()
    # A lone "/" (or "///") cannot name an intent: Rasa reads it as text.
    return words or INTENT_PREFIX


def is_internal_intent_syntax(text: str) -> bool:
    """Whether `text` would reach Rasa as an intent a buyer may not send."""
    stripped = text.strip()
    return stripped.startswith(INTENT_PREFIX) and _public_payload(stripped) is None
