"""What a buyer's next message says about the inquiry just decided
(actions/follow_up.py): a cancellation taken back, or a question about the
same order. English and Spanish, the languages buyers write to the bot in.

`refuses_cancellation`: "wait no dont cancel", "please don't cancel my
order", "undo the cancellation", "I cancelled it by mistake", "no lo
canceles": the order must not be cancelled, whenever it is said.
`takes_back_cancellation`: that, or a change of mind that names no
cancellation ("actually never mind, I'll keep it", "mejor no"), which takes a
request back only right after it was made (the caller checks when). Neither
when the words also ask for a cancellation ("if not, please cancel it", "I
changed my mind, please cancel my order") or ask why ("why didn't you cancel
it?"). The NLU reads most of these as a cancellation request and some as a
plain no or nothing it knows; only the words tell them apart.

`refers_back`: a request about what was just discussed: the pronoun is its
object or subject ("can I return it?", "when will it arrive", "cancel that
one", "¿puedo devolverlo?"), or it asks how the request is going ("any update
on my address change?"); not another order ("my other order", "a different
one").

`asks_the_same`: the question just answered, now about another order the
message names: "what about 113-...?", "and 113-...?", "same for the other
one, 113-...", "how about my other order 114-...", "¿y el 113-...?", "lo
mismo con el pedido 113-...". The message is the order number with one of
these openings and a few words at most; a message that asks something of its
own ("what about a refund for 113-...?") is not.
"""

from __future__ import annotations

import re

# A negation that governs the verb "cancel" right after it, with at most
# "want to", "mean to", "need to" in between: "don't cancel", "I didn't mean to
# cancel", "I do not want to cancel", "no lo canceles", "no necesito cancelar".
# Not "if not, please cancel it", nor "I don't need it, cancel it".
_WANT = r"(?:\s+(?:want|wanna|mean|meant|need|to|really|actually|the seller to))*\s+$"
_NEGATED = re.compile(
    r"\b(?:don'?t|dont|do not|didn'?t|did not|doesn'?t|no need to|never"
    r"|no longer want to|not want to)" + _WANT,
    re.IGNORECASE,
)
# Spanish: "no lo canceles", "no necesito cancelar" (a Spanish form of the verb
# only: "no cancel it" is English for "no, cancel it").
_NEGATED_ES = re.compile(
    r"\bno(?:\s+(?:lo|la|los|las|me lo|me la|quiero|necesito|hace falta))?\s+$",
    re.IGNORECASE,
)
_SPANISH_FORM = re.compile(r"canc(?:él|el[aeé])\w*", re.IGNORECASE)
# The verb, in English or Spanish ("cancélalo"); not the noun ("the cancellation").
_CANCEL_VERB = re.compile(r"\bcanc[eé]l(?!l?ations?\b|aci[oó]n)\w*", re.IGNORECASE)
# Words that take a request back only right after it was made: "I changed my
# mind", "(never mind,) I'll keep it" (the caller checks the timing). "Never
# mind" alone is not one: after "I've asked the seller to cancel it" it may as
# well mean "no thanks".
_CHANGE_OF_MIND = re.compile(
    r"|".join(
        (
            r"\bchanged? my mind\b",
            r"\b(?:i'?ll|i will|i'?d like to|i want to|i wanna|let me|please)?\s*"
            r"keep (?:it|the order|my order|them|the (?!\w+ (?:me|you|posted|updated))\w+)\b",
            r"\bstill want (?:it|the order|them|the \w+)\b",
            r"\bcambi[eé] de (?:opini[oó]n|idea)\b",
            r"\bme (?:lo|la|los|las) quedo\b",
            r"\bmejor no\b",
        )
    ),
    re.IGNORECASE,
)
# A question about the cancellation is not taking it back ("why didn't you
# cancel it?", "¿por qué no cancelaron mi pedido?").
_WHY = re.compile(r"\b(?:why|how come|por qu[eé]|porque)\b", re.IGNORECASE)
# "undo / withdraw / stop the cancellation"
_UNDO = re.compile(
    r"\b(?:undo|withdraw|reverse|stop|revoke|take back|anula|anular|deshaz|deshacer)"
    r"\s+(?:\w+\s+)?(?:cancell?ation|cancelaci[oó]n)\b",
    re.IGNORECASE,
)


# "cancel the cancellation", "I cancelled it by mistake", "accidentally cancelled"
_UNDONE = re.compile(
    r"\bcancel\w*\s+(?:\w+\s+)?cancel(?:l?ation|aci[oó]n)"
    r"|\bcancel\w*\s+(?:it\s+|that\s+|the order\s+|my order\s+)?"
    r"(?:by mistake|by accident|por error)"
    r"|\b(?:accidentally|mistakenly)\s+cancel",
    re.IGNORECASE,
)


def _cancel_verbs(text: str) -> tuple[int, int]:
    """(negated, plain) uses of the verb "cancel" in `text`."""
    negated = plain = 0
    for match in _CANCEL_VERB.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        spanish = _SPANISH_FORM.fullmatch(match.group(0))
        if _NEGATED.search(before) or (spanish and _NEGATED_ES.search(before)):
            negated += 1
        elif not re.search(
            r"\b(?:undo|withdraw|reverse|revoke)\s+(?:the\s+)?$", before, re.IGNORECASE
        ):
            plain += 1
    return negated, plain


# Pointing at what was just discussed. In Spanish, "lo" and a verb with a
# clitic ("devolverlo", "cancelarla": infinitives and gerunds); "la", "los",
# "las" on their own are mostly articles ("la tetera"), so they do not count.
_BACK = re.compile(
    r"|".join(
        (
            # the object of the request: "return it", "cancel them", "track that one"
            r"\b(?:return|cancel|refund|replace|exchange|track|ship|send|change|"
            r"deliver|get|receive|swap)\w*\s+(?:it|them|this|that)\b(?!\s+\w+ing\b)",
            # what it does: "when will it arrive", "has it shipped", "where is it"
            r"\b(?:will|did|does|has|have|is|was|are|were)\s+(?:it|they|that one|this one)\s+"
            r"(?:arriv|ship|come|get|be|been|deliver|still|on)\w*",
            r"\bwhere(?:'s| is| are)\s+(?:it|they|that one|this one)\b",
            r"\b(?:this|that|the same|same)\s+(?:one|order|item|package)\b",
            # Spanish: "devolverlo", "¿lo puedo devolver?", "ese pedido", "el mismo"
            r"\b\w{2,}(?:ar|er|ir|ando|iendo)(?:lo|la|los|las)\b",
            r"\blo\s+(?:puedo|quiero|pueden|podr\w+|van|vas)\b",
            r"\b(?:ese|este|esa|esta|el mismo|la misma)\s+(?:pedido|art[ií]culo|paquete)\b",
        )
    ),
    re.IGNORECASE,
)
# Asking how the request just made is going: about the same order.
_UPDATE = re.compile(
    r"\b(?:any (?:update|news|word|reply|answer)s?|an update|heard back|hear back"
    r"|status of (?:my |the )?(?:case|request)|(?:what'?s|whats) happening with (?:my"
    r" |the )?(?:case|request)|how is (?:my |the )?(?:case|request)"
    r"|did (?:the seller|they) (?:reply|answer"
    r"|respond|get back)|alguna (?:novedad|noticia|respuesta)|hay novedades)\b",
    re.IGNORECASE,
)
# A whole message that only asks what comes next: "so what happens now?",
# "ok whats next", "now what", "y ahora qué?" (about the case, when one is open).
_WHAT_NOW = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|and|alright|hmm+|well|then|y|vale|bueno)[\s,.]+)*"
    r"(?:what happens (?:now|next)|what'?s (?:next|the next step)|what next"
    r"|what are the next steps|what now|now what(?: do i do)?|(?:and )?then what"
    r"|what (?:do|should) (?:i|we) do now|what(?: do)? i do now"
    r"|(?:y )?ahora qu[eé](?: hago)?|qu[eé] (?:sigue|pasa ahora))"
    r"(?:[\s,.]+(?:then|lol|pls|please|por favor))*\W*$",
    re.IGNORECASE,
)
# ... unless another order is meant.
_ANOTHER = re.compile(
    r"\b(?:other|another|different|second|new|older|newer|previous|last|next"
    r"|otro|otra|otros|otras|diferente|anterior|nuevo|nueva)\s+(?:\w+\s+)?"
    r"(?:order|one|purchase|item|package|pedido|compra|paquete)s?\b",
    re.IGNORECASE,
)
# ... but "a new one" is a replacement ("a refund or a new one?")
_A_NEW_ONE = re.compile(
    r"\b(?:a|uno?) (?:new|nuevo|nueva) (?:one|item|uno|una)\b"
    r"|\buno nuevo\b",
    re.IGNORECASE,
)


# Another request in place of the one just made: "change the address
# instead", "rather than cancelling, can I change the address", "no wait,
# change the address to ...", "en vez de cancelarlo, cambia la dirección", "no
# espera, mejor cambia la dirección" (the caller checks that a request was
# just made, and that this one asks for another change).
_INSTEAD = re.compile(
    r"\b(?:instead|rather)\b|^\W*(?:no,? wait|wait,? no)\b|\ben (?:lugar|vez) de\b"
    r"|(?:^|[,.;:!¡]\s*|\b(?:no|espera|bueno|pues)\b,?\s+)(?:mejor|m[aá]s bien)\b",
    re.IGNORECASE,
)
# ... not beside it: "also change the address", "si no se puede cancelar, mejor
# ...", "change the address on my other order".
_AS_WELL = re.compile(
    r"\b(?:also|too|as well|tambi[eé]n|si no|if not|if (?:you|it) can'?t)\b",
    re.IGNORECASE,
)


# A correction of what the buyer just wrote: "it should be 125 Main St not
# 123", "sorry typo, the apartment is 7 not 4", "I meant 98102", "debería ser
# el 125".
_CORRECTS = re.compile(
    r"\b(?:should (?:be|have been|say)|shud be|supposed to (?:be|say)|i meant"
    r"|meant to (?:say|write|put|type)|typo|correction|wrong (?:number|address|street"
    r"|apartment|apt|unit|zip|house|city)|instead of|not \S+ but|(?:is|its|it's|it is)"
    r" (?:\S+ ){0,2}?\S+ not \S+|actually,? (?:the \w+ is|it'?s|its|it is)|deber[ií]a (?:ser|decir)"
    r"|quise (?:decir|poner)|me equivoqu[eé])\b",
    re.IGNORECASE,
)


def corrects(text: str | None) -> bool:
    """Whether the message corrects what the buyer just wrote ("it should be
    125 Main St not 123")."""
    return isinstance(text, str) and bool(_CORRECTS.search(text.replace("’", "'")))


def replaces_request(text: str | None) -> bool:
    """Whether the message asks for something in place of the request just
    made ("actually no, change the address instead")."""
    return (
        isinstance(text, str)
        and bool(_INSTEAD.search(text))
        and not _AS_WELL.search(text)
        and not names_another_order(text)
    )


def names_another_order(text: str | None) -> bool:
    """Whether the words point away from the order in question: "my other
    order", "a different one", "otro pedido"."""
    return bool(text) and bool(_ANOTHER.search(_A_NEW_ONE.sub(" ", text)))


def refuses_cancellation(text: str | None) -> bool:
    """Whether the message says the order must not be cancelled: "don't
    cancel", "I didn't mean to cancel", "undo the cancellation", "I cancelled
    it by mistake", "no lo canceles". Not when it also asks for a cancellation
    ("if not, please cancel it") or asks why."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    if _WHY.search(text):
        return False
    negated, plain = _cancel_verbs(text)
    if plain:
        return bool(_UNDONE.search(text))
    return bool(negated or _UNDO.search(text))


def takes_back_cancellation(text: str | None) -> bool:
    """Whether the message, sent right after a cancellation request, takes it
    back: a refusal (`refuses_cancellation`), or a change of mind ("never
    mind", "actually I'll keep it", "mejor no") that asks for no cancellation
    itself."""
    if not isinstance(text, str):
        return False
    if refuses_cancellation(text):
        return True
    text = text.replace("’", "'")
    if _WHY.search(text) or any(_cancel_verbs(text)):
        return False
    return bool(_CHANGE_OF_MIND.search(text))


_CASE_NUMBER = re.compile(
    r"\b(?:case|caso)\s*(?:#|no\.?|number|n[uú]mero)?\s*#?\s*(\d{1,9})\b", re.IGNORECASE
)


# The request is no longer needed: "you can close the case", "my neighbour
# just brought it over", "never mind, it arrived after all", "pueden cerrar el
# caso". Not "cancel it, I don't need it any more" (a reason to cancel), nor
# "it finally arrived but the lid is cracked" (a problem of its own).
_WITHDRAWS = re.compile(
    r"\b(?:(?:close|withdraw|drop) (?:the |my |this |that )?(?:case|request|claim|ticket)"
    r"|cancel (?:the |my |this |that )?(?:case|claim|ticket)"
    r"|(?:neighbou?r|concierge|front desk|doorman) (?:just )?(?:brought|had|gave|dropped)"
    r"|found (?:it|the (?:package|parcel|box))(?!\s+(?:cheaper|for less|elsewhere|online"
    r"|somewhere|at another|on another))"
    r"|(?:it|the (?:package|parcel|order|box)|they) (?:just |finally )?(?:arrived|came|showed"
    r" up|turned up) (?:after all|finally)"
    r"|(?:pueden|puedes|puede) cerrar (?:el|mi) caso|cierren (?:el|mi) caso)\b",
    re.IGNORECASE,
)
_A_PROBLEM = re.compile(
    r"\b(?:broken|broke|damage\w*|dent\w*|crack\w*|wrong|missing|not working|doesn'?t"
    r" work|ripped|torn|leak\w*|defective|faulty|chipped|crushed|scratch\w*|bent|stain\w*"
    r"|smashed|shattered|soaked|wet|incomplete|not right|roto|rota|da[nñ]ad\w*)\b",
    re.IGNORECASE,
)
# A request of its own ("haven't had any answer, just cancel order ...", "I
# found it cheaper elsewhere, please cancel"): decided as a request, never
# taken for a question about a case.
_ASKS_FOR_ACTION = re.compile(
    r"\b(?:please|pls|plz|just|can you|could you|can i|could i|i want(?: to)?|i'?d like"
    r"(?: to)?|i need(?: to)?|i wanna)\s+(?:\w+\s+){0,2}?(?:cancel|return|refund|replace"
    r"|exchange|change|send|ship)\w*\b"
    r"|\b(?:quiero|necesito|pueden|puedes|podr[ií]an)\s+(?:\w+\s+)?(?:cancelar|devolver"
    r"|cambiar|reembolsar|reemplazar|enviar)\b",
    re.IGNORECASE,
)


def asks_for_action(text: str | None) -> bool:
    """Whether the words ask the bot or the seller to do something (cancel,
    return, replace, change, send): a request of its own."""
    return isinstance(text, str) and bool(
        _ASKS_FOR_ACTION.search(text.replace("’", "'"))
    )


def withdraws_request(text: str | None) -> bool:
    """Whether the message says the buyer's open request is no longer needed
    ("you can close the case", "my neighbour just brought it over"), and
    reports no problem of its own."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    return bool(_WITHDRAWS.search(text)) and not _A_PROBLEM.search(text)


def case_number_in(text: str | None) -> int | None:
    """The case number a message names ("status of case 3", "caso #12")."""
    found = _CASE_NUMBER.search(text) if isinstance(text, str) else None
    return int(found.group(1)) if found else None


def asks_for_update(text: str | None) -> bool:
    """Whether the message asks how a request already made is going ("any
    update on my address change?", "did the seller reply?")."""
    return isinstance(text, str) and bool(_UPDATE.search(text.replace("’", "'")))


def asks_what_now(text: str | None) -> bool:
    """Whether the whole message only asks what comes next ("so what happens
    now?", "whats next"): about the case the chat just spoke of, if any."""
    return isinstance(text, str) and bool(_WHAT_NOW.match(text.replace("’", "'")))


def refers_back(text: str | None) -> bool:
    """Whether the message points at what was just discussed, and not at
    another order (see the module docstring)."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    if names_another_order(text):
        return False
    return bool(_BACK.search(text) or _UPDATE.search(text))


# "what about", "and", "same for", "also", "y", "lo mismo con", a correction
# ("sorry i meant", "oops its"), then at most
# four words, the order number and nothing after it but "?", "too", "as well",
# "also", "pls". The caller checks that an order number is there and that the
# bot has just decided an inquiry.
_SAME_OPENING = (
    r"(?:ok(?:ay)?|and|so|now|oh|hmm+|alright|cool|thanks|thx|ty|y|vale|bueno)?[\s,.]*"
    r"(?:what about|how about|what abt|wat about|and for|and|same (?:for|with|question for)"
    r"|also|ditto for|¿?\s*y (?:qu[eé] hay de|con)?|¿?\s*y|lo mismo (?:con|para)"
    r"|¿?\s*qu[eé] tal"
    # a correction: "sorry i meant 112-...", "oops its 112-...", "perdón, quise decir"
    r"|(?:sorry|oops|whoops|my bad|typo|correction|perd[oó]n)(?:[\s,.!:-]+(?:i meant"
    r"|it'?s|its|it was|should be|the right one is|wrong (?:one|number|order)"
    r"(?:[\s,.!-]+it'?s)?|quise decir|es|era))?|i meant|quise decir)\b"
)
# The words between name the order ("the other kettle", "my other order", "el
# pedido"), never a request of their own ("a refund for", "can i return").
_ASKS = (
    r"(?:can|could|would|will|i|is|are|do|does|did|why|when|where|how|refund\w*"
    r"|return\w*|cancel\w*|replac\w*|exchang\w*|invoice\w*|receipt|ship\w*|track\w*"
    r"|deliver\w*|address|broken|damaged|cracked|missing|late|puedo|quiero|devol\w*"
    r"|reembolso|factura|lleg\w*|roto|rota)\b"
)
_FILLER = rf"(?:\s+(?!\d|{_ASKS})[^\s\d?!.]+){{0,5}}?"
_SAME_QUESTION = re.compile(
    rf"^\W*{_SAME_OPENING}{_FILLER}[\s,:#-]*(?:no\.?\s*|number\s*|#\s*)?"
    r"\d{3}[- ]?\d{7}[- ]?\d{7}"
    r"(?:\s*(?:too|as well|also|pls|please|por favor|tambi[eé]n|then))*[\s?!.]*$",
    re.IGNORECASE,
)


def asks_the_same(text: str | None) -> bool:
    """Whether `text` asks the question just answered about the order it
    names (the module docstring)."""
    return bool(text) and bool(_SAME_QUESTION.match(text.strip()))
