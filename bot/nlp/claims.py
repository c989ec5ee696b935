"""What the buyer says happened, beside what they ask: the parcel never came
("it says delivered but I never got it", "nothing at my door", "no me ha
llegado"), or the money did not ("I never got my refund", "when do I get my
money back", "¿cuándo me devuelven el dinero?"). English and Spanish, the
languages buyers write to the bot in.

The policy (bot.domain.policy, `claim`) weighs them against the order: a
delivered order the buyer never received is a case for the seller, never
"Good news: it was delivered"; a refund asked after is the seller's to tell.
"""

from __future__ import annotations

import re

from bot.domain.reasons import CLAIM_NOT_RECEIVED as NOT_RECEIVED
from bot.domain.reasons import CLAIM_REFUND_MISSING as REFUND_MISSING

_NEVER = (
    r"(?:never|not|didn'?t|did not|haven'?t|have not|hasn'?t|has not|havent"
    r"|didnt|hasnt|still (?:haven'?t|havent|not|didn'?t|didnt))"
)
# What else a buyer may not have got: not a claim that the order never came.
_NOT_THE_ORDER = (
    r"(?!\s+(?:\w+\s+)?(?:tracking|email|e-mail|confirmation|update|answer|reply"
    r"|response|invoice|receipt|number|code|label|link|call|message|notification"
    r"|refund|money|chance|time|that|what|you|your|to|around|why|how)\b)"
)
_NOT_RECEIVED = re.compile(
    r"|".join(
        (
            # "I never got it", "haven't received my order", "didnt get the kettle"
            rf"\b(?:i|we|i'?ve|we'?ve)\s+(?:\w+\s+)?{_NEVER}\s+(?:\w+\s+)?"
            rf"(?:got|get|gotten|receive|received|recieved|recieve)\b{_NOT_THE_ORDER}",
            # "didnt get the kettle", "never received my order"
            rf"(?:^|[.,;!?]\s*)(?:but\s+)?{_NEVER}\s+(?:got|get|gotten|receive|received"
            rf"|recieved)\s+(?:it|them|my|the|this|that)\b{_NOT_THE_ORDER}",
            # "it never arrived", "my order never showed up", "the box never came"
            # ("it didn't come with a lid" is a missing part, not the order)
            rf"\b{_NEVER}\s+(?:\w+\s+)?(?:arrived|arrive|came|come|showed up"
            r"|show up|turned up|delivered|reached me)\b(?!\s+with\b)",
            r"\bnot (?:been )?(?:received|recieved|delivered)\b",
            r"\bnothing (?:at|on|by|in front of) (?:my|the) (?:door|porch|doorstep"
            r"|mailbox|house|building)\b",
            r"\b(?:says|said|shows|showing|marked|listed) (?:as )?delivered but\b",
            r"\b(?:missing|lost|stolen) (?:package|parcel|order|delivery)\b",
            r"\b(?:package|parcel|order|delivery|it) (?:is|was|got) (?:missing|lost"
            r"|stolen)\b",
            # Spanish: "no me ha llegado", "nunca llegó", "no lo recibí"
            r"\bno (?:me )?(?:ha|han|hab[ií]a) llegado\b",
            r"\bnunca (?:me )?(?:lleg[oó]|llegaron|lo recib[ií]|la recib[ií])\b",
            r"\bno (?:lo |la |los |las )?(?:he )?recib(?:[ií]|ido)\b",
            r"\bno (?:me )?lleg[oó]\b",
        )
    ),
    re.IGNORECASE,
)

_MONEY = (
    r"(?:refund|refunded|money back|(?:my|our) money|(?:get|see|receive|getting) the"
    r" money|reimbursement|reembolso|dinero)"
)
# "I never got my refund", "haven't received the money back": the money is
# what did not come (read before "I never got it", which it also says)
# "when do I get my refund", "how long does the refund take": asked after a
# refund already due only when the words say the item went back or the order
# was cancelled ("I sent back the kettle, when do I get my money"); before a
# return it is a question about returning, which the return answers.
_WHEN_REFUND = re.compile(
    rf"\b(?:when|how long|how many days|cu[aá]ndo)\b[^.?!]{{0,40}}{_MONEY}",
    re.IGNORECASE,
)
_ALREADY_DUE = re.compile(
    r"\b(?:returned|sent (?:it|them|\w+ \w+|the \w+) back|sent back|shipped (?:it|them)"
    r" back|dropped (?:it|them) off|mailed (?:it|them)|cancel+ed|devolv[ií]|ya lo devolv"
    r"|cancelad[oa])\b",
    re.IGNORECASE,
)
# Where the money goes ("will it go back on my card or gift card?"): a refund
# already due only with the words that say so (`_ALREADY_DUE`), or right
# after the refund case (the caller's `claim`); "cancel it and refund to my
# card" is a cancellation.
_WHERE_MONEY_GOES = re.compile(
    r"\b(?:go|goes|going|come|comes|be|get it) back (?:on|to|onto) (?:my|the|a)"
    r" (?:card|credit card|debit card|gift card|account|original)"
    r"|\b(?:card|credit card|visa|paypal|gift card|store credit) or (?:a |the )?"
    r"(?:card|credit card|gift card|store credit|visa|paypal|original)"
    r"|\b(?:refund|refunded|money) (?:to|on|onto|as) (?:my|a|the) (?:card|credit"
    r" card|gift card|store credit|account|original payment)"
    # "how long does it take to show on my card"
    r"|\b(?:show|shows|showing|appear|appears|post|posts|hit|hits) (?:up )?(?:on|in)"
    r" (?:my|the) (?:card|credit card|debit card|statement|bank|account)",
    re.IGNORECASE,
)
_MONEY_NOT_RECEIVED = re.compile(
    r"|".join(
        (
            rf"\b{_NEVER}\s+(?:\w+\s+){{0,3}}?(?:got|get|gotten|received|receive"
            rf"|seen|see)\s+(?:\w+\s+){{0,2}}?{_MONEY}",
            rf"\b{_MONEY}\b[^.?!]{{0,30}}\b(?:yet|still not|hasn'?t|has not|never"
            r"|not (?:arrived|come|showed|shown|received|processed))\b",
            r"\bno (?:he )?recib(?:ido|[ií]) (?:el|mi) (?:reembolso|dinero)\b",
            r"\bno (?:me )?(?:han devuelto|devolvieron) (?:el|mi) dinero\b",
        )
    ),
    re.IGNORECASE,
)
_REFUND_MISSING = re.compile(
    r"|".join(
        (
            # "where is my refund", "still waiting for my money back"
            rf"\bwhere\b[^.?!]{{0,30}}{_MONEY}",
            rf"\bstill waiting (?:for|on) (?:my |the |a )?{_MONEY}",
            # Spanish: "¿cuándo me devuelven el dinero?", "no he recibido el reembolso"
            r"\bcu[aá]ndo (?:me )?(?:devuelven|devolver[aá]n|reembolsan|llega el"
            r" reembolso|recibo (?:el|mi) (?:dinero|reembolso))",
        )
    ),
    re.IGNORECASE,
)


def buyer_claim(text: str | None) -> str | None:
    """REFUND_MISSING when the words ask after money not (yet) refunded,
    NOT_RECEIVED when they say the order never came, else None. A refund
    asked after an order that never came ("it never arrived, where is my
    refund?") is about the order that never came."""
    if not isinstance(text, str):
        return None
    text = text.replace("’", "'")
    if _MONEY_NOT_RECEIVED.search(text):
        return REFUND_MISSING
    if _NOT_RECEIVED.search(text):
        return NOT_RECEIVED
    if _REFUND_MISSING.search(text):
        return REFUND_MISSING
    if (_WHEN_REFUND.search(text) or _WHERE_MONEY_GOES.search(text)) and (
        _ALREADY_DUE.search(text)
    ):
        return REFUND_MISSING
    return None


# "do i get the full 24.99 back?", "will i get my money", "will I be refunded"
_GET_MONEY = re.compile(
    r"\b(?:will|do|shall)\s+(?:i|we)\s+(?:(?:get|receive)\s+(?:(?:my|the"
    r"|a|all|of|full|whole|it|that)\s+)*(?:money|refund|cash|\$?\d[\d.,]*)"
    r"|(?:be|get) (?:refunded|reimbursed|paid back))",
    re.IGNORECASE,
)


def asks_when_refunded(text: str | None) -> bool:
    """Whether the words ask when or whether the money comes back ("ok so
    when do i get my money", "when will i get refunded after u get it", "do i
    get the full 24.99 back?"), with no claim that it should have come
    already (`buyer_claim`: that is a question for the seller)."""
    if not isinstance(text, str) or buyer_claim(text) is not None:
        return False
    text = text.replace("’", "'")
    return bool(_WHEN_REFUND.search(text) or _GET_MONEY.search(text))


def asks_about_money(text: str | None) -> bool:
    """Whether the words ask about a refund or where the money goes ("and
    will it go back on my card?", "how long until I see the money?"): after
    the refund case, the same case (actions/triage.py)."""
    return isinstance(text, str) and bool(
        _WHERE_MONEY_GOES.search(text)
        or _WHEN_REFUND.search(text)
        or re.search(rf"\b{_MONEY}", text, re.IGNORECASE)
    )


# "did my silicone bags arrive?", "has the kettle come yet", "did it get
# here?": a question whether the order or item (my, the, our, it, they) came,
# with no word of anything wrong with it ("is this what you shipped?" is one).
_ASKS_IF_ARRIVED = re.compile(
    r"^\s*(?:hi|hey|hello)?[\s,!]*(?:did|has|have)\s+(?:my|the|our|it|they)\b"
    r"[^.!?]{0,50}?\b(?:arrive[ds]?|come|came|get here|got here|been delivered"
    r"|get delivered|got delivered)\b(?:\s+yet)?\s*\?*\s*$",
    re.IGNORECASE,
)
_SOMETHING_WRONG = re.compile(
    r"\b(?:broke\w*|damag\w*|wrong|crack\w*|dent\w*|missing|leak\w*|torn|rip\w*"
    r"|defect\w*|smash\w*|shatter\w*|scratch\w*|stain\w*|not|never|n't|dont|didnt"
    r"|doesnt|isnt|wasnt|but|without|dead|faulty|burnt|melted|bent|spill\w*"
    r"|what|replacement|instead|return\w*|refund\w*|exchange\w*)\b",
    re.IGNORECASE,
)


def asks_if_arrived(text: str | None) -> bool:
    """Whether the message only asks whether the order came ("did my silicone
    bags arrive?"), which the NLU may read as a damage report; never when it
    says something is wrong ("did it arrive broken?", "has it come? the box
    was torn")."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    return bool(_ASKS_IF_ARRIVED.search(text)) and not _SOMETHING_WRONG.search(text)


# What is wrong with the item itself: "came ripped open", "the kettle is
# cracked", "they leak", "stopped working". Not "the box was damaged but the
# kettle is fine", nor "it's not broken, I just don't like it".
_DAMAGE = re.compile(
    r"\b(?:broken|cracked|cracks?|damaged|dented|dents?|ripped|torn|shattered"
    r"|smashed|leak(?:s|ing|ed)?|defective|faulty|scratched|chipped|crushed|bent"
    r"|stopped working|won'?t (?:turn on|charge)|dead on arrival|roto|rota"
    r"|da[nñ]ad[oa])\b",
    re.IGNORECASE,
)
_NOT_DAMAGED = re.compile(
    r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|never|no)\s+(?:\w+\s+)?(?:broken"
    r"|broke|cracked|damaged|dented|ripped|torn|defective|faulty|scratched)\b"
    r"|\b(?:box|packaging|package|parcel|envelope|caja)\b[^.,;!?]{0,25}\b(?:damaged"
    r"|dented|ripped|torn|crushed|broken)\b[^.;!?]*\b(?:but|pero)\b",
    re.IGNORECASE,
)


def says_damaged(text: str | None) -> bool:
    """Whether the words say the item came damaged or does not work (see
    above): a return asked for such an item is a damaged item's."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    return bool(_DAMAGE.search(text)) and not _NOT_DAMAGED.search(text)


# "nvm it just showed up", "found it", "my neighbour had it": it came after all
_CAME = re.compile(
    r"\b(?:showed up|shown up|turned up|arrived|came|found it|got it|received it"
    r"|had it|ya lleg[oó]|lleg[oó]|lo encontr[eé])\b",
    re.IGNORECASE,
)


def says_it_came(text: str | None) -> bool:
    """Whether the words say the parcel came after all (not "it never came")."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    return bool(_CAME.search(text)) and buyer_claim(text) != NOT_RECEIVED
