"""Who pays to send a return back: "do i have to pay the shipping?", "who
pays for postage", "is the return label free", "will I be charged to send it
back", "¿tengo que pagar el envío?". Asked right after a return was
authorised, it is a question about that return (actions/asides.py), which
the NLU reads as a question before buying, a new return or nothing it knows.
Only the words tell; the caller checks the timing.
"""

from __future__ import annotations

import re

_POSTAGE = (
    r"(?:return |the return |the |a |for the |for |to )*(?:shipping|postage|label"
    r"|return label|return shipping|delivery|mailing|courier|ups|usps|fedex)"
)
_SEND_BACK = (
    r"(?:to |for )?(?:ship|send|mail|post|return)(?:ing)? (?:it|them|this|the \w+)"
    r" back|(?:to |for )?(?:ship|send|mail|post)(?:ing)? (?:it|them|this|the \w+)"
    r"(?: \w+){0,2}? to (?:the seller|them|their (?:return )?address)"
)
_ASKS = re.compile(
    r"|".join(
        (
            # "do i have to pay the shipping", "will i need to pay for postage",
            # "do I pay to send it back", "am i paying for the return label"
            r"\b(?:do|will|would|am|should|must)\s+(?:i|we)\s+(?:have to |need to |got to"
            r" |gotta |be )?(?:pay(?:ing)?|charged|cover(?:ing)?)\s+(?:for\s+)?"
            rf"(?:{_POSTAGE}|{_SEND_BACK})",
            r"\b(?:i|we)\s+(?:have to|need to|gotta|must)\s+pay\s+(?:for\s+)?"
            rf"(?:{_POSTAGE}|{_SEND_BACK})",
            # "who pays for the shipping", "who covers return postage"
            rf"\bwho\s+(?:pays|covers|is paying|will pay|pay)\b(?:\s+for)?\s+(?:{_POSTAGE}"
            rf"|{_SEND_BACK}|it|that)",
            r"^\W*(?:and |so |ok(?:ay)? |but )?who pays\W*$",
            # "is return shipping free", "is the label prepaid", "shipping included?"
            rf"\b(?:is|are|will)\s+{_POSTAGE}\s+(?:be\s+)?(?:free|prepaid|pre-paid|paid"
            r"|covered|included|on (?:you|them|the seller))",
            rf"\b{_POSTAGE}\s+(?:is\s+)?(?:free|prepaid|pre-paid|covered|included)\s*\?",
            # "how much to send it back", "what does it cost to ship it back"
            rf"\b(?:how much|cost|costs|charge|fee|fees)\b[^.?!]{{0,25}}\b(?:{_SEND_BACK}"
            r"|for (?:the )?return (?:shipping|postage|label))",
            # "do you / will the seller pay (for) the return shipping"
            r"\b(?:do|will|does|would)\s+(?:you|they|the seller|amazon)\s+(?:pay|cover"
            rf"|refund|reimburse)\s+(?:for\s+|me for\s+)?(?:{_POSTAGE}|{_SEND_BACK})",
            # Spanish: "¿tengo que pagar el envío?", "¿quién paga el envío?",
            # "¿el envío de la devolución es gratis?"
            r"\b(?:tengo|tendr[eé]|debo|hay) (?:que )?pagar (?:el |los |la )?(?:env[ií]o"
            r"|gastos de env[ií]o|etiqueta|devoluci[oó]n|franqueo)",
            r"\bqui[eé]n paga (?:el |los |la )?(?:env[ií]o|gastos|etiqueta|devoluci[oó]n"
            r"|franqueo)",
            r"\b(?:env[ií]o|etiqueta|devoluci[oó]n)\b[^.?!]{0,25}\b(?:es |son |sale )?"
            r"(?:gratis|gratuit[oa]|prepagad[oa])",
        )
    ),
    re.IGNORECASE,
)


def asks_who_pays_return_postage(text: str | None) -> bool:
    """Whether the words ask who pays to send the item back (see above)."""
    return isinstance(text, str) and bool(_ASKS.search(text.replace("’", "'")))
