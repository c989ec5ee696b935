"""A person asked for and then not wanted: "i don't need a person any more",
"cancel the agent request", "ya no necesito hablar con una persona", and,
right after the bot handed the chat to our team, a bare "never mind, i'm
fine" or "no, forget it" (actions/case_update.py adds the words to that case
of our team's). Not when the words still want something: "i dont need a rep
i need my money back", "we dont need a person to sign for it right?"."""

from __future__ import annotations

import re

from bot.nlp.follow_up import asks_for_action

# A person asked for and no longer wanted: "i dont need a person anymore",
# "cancel the agent request", "ya no necesito hablar con una persona". Not
# "i dont need anyone home for delivery?", "i dont need a rep i need my money".
_PERSON_NOT_NEEDED = re.compile(
    r"\b(?:(?:do ?n[o']?t|no longer) (?:really |actually )?need (?:(?:a |an |the )"
    r"?(?:real |live )?(?:person|human|agent|rep|representative|associate)"
    r"|to (?:talk|speak|chat) (?:to|with) (?:a |an |the |someone|anyone)?(?:real |live )?"
    r"(?:person|human|agent|rep|representative|associate|someone|anyone)?)"
    r"(?!\s+to\b)"
    r"|no need for (?:a |an )?(?:person|human|agent)"
    r"|never ?mind (?:the|about the) (?:person|human|agent)"
    r"|(?:cancel|forget(?: about)?) (?:the |my |that )?(?:agent|person|human|hand-?off)"
    r"(?: request)?"
    r"|ya no (?:necesito|quiero) (?:hablar con )?(?:una |un |a )?(?:persona|agente"
    r"|humano))\b",
    re.IGNORECASE,
)
# ... unless the buyer still wants one, or asks something.
_STILL_WANTS = re.compile(
    r"\?|\b(?:i (?:still |really |do |just )?(?:need|want)|give me|get me|put me"
    r" through|let me (?:talk|speak)|(?<!no )(?:necesito|quiero)|where|when|how|what"
    r"|why|can you|could you|d[oó]nde|cu[aá]ndo|c[oó]mo)\b",
    re.IGNORECASE,
)
# Right after a person was asked for, a whole message that only says it is not
# needed after all: "actually never mind, i'm fine", "nvm", "no, forget it".
_NEVER_MIND = re.compile(
    r"^\W*(?:(?:oh|ok(?:ay)?|actually|wait|hmm+|no|nah|sorry|ah)[\s,.!]+)*"
    r"(?:never ?mind|nvm|forget it|forget about it|no need|olv[ií]dalo"
    r"|(?:ya )?no hace falta)"
    r"(?:[\s,.!]+(?:then|i'?m (?:fine|good|ok(?:ay)?)(?: now)?|thanks?(?: anyway)?|thx"
    r"|ty|it'?s fine|all good|gracias|sorry|lol|i (?:found|figured) (?:it|what i"
    r" needed)(?: out)?))*\W*$",
    re.IGNORECASE,
)


def withdraws_person_request(text: str | None, *, just_asked: bool = False) -> bool:
    """Whether the message says the person the buyer asked for is not needed
    ("i don't need a person anymore"; when the bot handed the chat over at
    its previous turn, `just_asked`, also a bare "never mind, i'm fine"), and
    asks for nothing else ("i dont need a rep, i need my money back")."""
    if not isinstance(text, str):
        return False
    text = text.replace("’", "'")
    said = _PERSON_NOT_NEEDED.search(text) or (just_asked and _NEVER_MIND.match(text))
    return bool(said) and not _STILL_WANTS.search(text) and not asks_for_action(text)
