"""How well one fact of the page covers the question's terms."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.nlp.answers.lexicon import Lexicon
from bot.nlp.answers.model import Fact, Term

# A fact must cover at least this share of the question's weighted terms.
MIN_SCORE = 0.65
# The title repeats half the page; it answers only when nothing else does.
TITLE_FACTOR = 0.9
# Bonus when the attribute's name carries a topic or word of the question.
NAME_BONUS = 0.1
# Less per word of the attribute's name, so that the plainer name wins a tie.
NAME_WORD_COST = 0.001
# Bonus per situation ("shower", "rain") that the fact names itself.
SITUATION_BONUS = 0.15
# Bonus per term matched by the buyer's own word rather than by a synonym.
LITERAL_BONUS = 0.02


def score_fact(lex: Lexicon, terms: Sequence[Term], fact: Fact) -> tuple[float, float]:
    """(score, rank) of `fact` for the question's terms.

    0 when a required term (a topic, a focus word) is missing from the fact or
    the weighted share of the terms it carries is below MIN_SCORE; otherwise the
    share (times TITLE_FACTOR for the title). The rank adds bonuses (an
    attribute whose name matches, the buyer's own words) that order the facts
    that pass, and never let one through."""
    # Weak topic evidence (a single colour name in a bullet) needs a specific
    # word of the question in the same fact ("what color is the rain cover").
    supported = any(
        t.kind == "word" and not (t.product or t.soft or t.free) and t.alts & fact.keys
        for t in terms
    )
    # Another value of an exclusive topic ("wooden or silicone utensils")
    # answers "can I use metal utensils" through a focus word.
    focus_support = any(
        t.kind == "word" and t.required and t.alts & fact.keys for t in terms
    )
    matched_weight = 0.0
    total = 0.0
    literal_hits = 0
    named_hits = 0
    situation_hits = 0
    sides = {t.alternative for t in terms if t.alternative and t.required}
    sides_missing: set[int] = set()
    topical = False  # something other than "how long" / "included" matched
    focused = False  # a required term other than a helper matched
    for term in terms:
        if term.other and fact.is_title:
            return 0.0, 0.0  # the title names this product, not the buyer's other one
        literal = bool(term.alts & fact.keys) or bool(
            term.phrase and term.phrase <= fact.keys
        )
        if term.kind == "concept":
            ok = (
                bool(term.concepts & fact.strong)
                or (bool(term.concepts & fact.weak) and supported)
                or (term.literal and literal)
            )
        elif term.kind == "value" and term.concepts <= lex.listed_value_topics:
            # A page lists every colour and size it comes in: "does it come in
            # yellow" is answered only by a fact naming yellow, never by
            # "color: Black, Navy" (the seller says whether yellow exists).
            ok = literal and (supported or bool(term.concepts & fact.strong))
        elif term.kind == "value":
            # "is it blue?" is not answered by "Blue LED headlights."
            ok = (
                bool(term.concepts & fact.strong)
                or (
                    bool(term.concepts & fact.weak)
                    and focus_support
                    and term.concepts <= lex.exclusive_value_topics
                )
                or (
                    literal
                    and (supported or not term.concepts & lex.supported_value_topics)
                )
            )
        else:
            ok = literal
        literal_hits += ok and literal
        situation_hits += ok and literal and term.kind == "concept" and term.literal
        named_hits += ok and bool(term.concepts & fact.named)
        if ok:
            matched_weight += term.weight
            total += term.weight
            if not term.aux and term.kind != "number":
                topical = True
                focused = focused or term.required
        elif term.required and term.alternative:
            # One side of "X or Y" may miss, and costs nothing, if the other
            # side is whole (checked below).
            sides_missing.add(term.alternative)
        elif term.required:
            return 0.0, 0.0  # the focus is missing: never this fact
        elif fact.is_title and not term.free and term.concepts & lex.optional_topics:
            return 0.0, 0.0  # the title lists features, not what comes in the box
        elif not term.free:
            # The product's own name ("is the bottle ...") is implied by every
            # fact of its page, an aside ("my outlet is far") asks nothing:
            # missing them costs nothing.
            total += term.weight
    focus = [t for t in terms if t.required and not t.aux]
    if (
        focus
        and all(t.condition and t.kind == "word" for t in focus)
        and not _states_a_condition(lex, fact.text)
    ):
        # "can I use it while it charges" asks what it does then: "charging
        # time: 2 hours" or "quick charge: 5 minutes" never says.
        return 0.0, 0.0
    if sides_missing and not _one_side_whole(sides, sides_missing):
        return 0.0, 0.0
    if total == 0 or not topical or not focused:
        return 0.0, 0.0
    score = matched_weight / total
    if score < MIN_SCORE:
        return 0.0, 0.0
    # The buyer's words beat a synonym, a topic's own word beats page wording
    # ("peak height" beats "dimensions" for "how tall").
    rank = score + LITERAL_BONUS * (literal_hits + named_hits)
    # "ok in the shower?": a fact that names the shower beats the IPX rating.
    rank += SITUATION_BONUS * situation_hits
    if fact.name_keys and any(
        (t.concepts & fact.name_topics) or (t.alts & fact.name_keys)
        for t in terms
        if not t.aux
    ):
        # The plainer name first: "length" before "unexpanded length".
        rank += NAME_BONUS - NAME_WORD_COST * len(fact.name_keys)
    if fact.is_title:
        score *= TITLE_FACTOR
    return score, rank


def _states_a_condition(lex: Lexicon, text: str) -> bool:
    """Whether the fact names a situation itself ("while it charges", "after
    opening", "shelf_life_after_opening")."""
    words = set(re.findall(r"[a-z]+", text.lower().replace("_", " ")))
    return bool(words & lex.condition_words)


def _one_side_whole(sides: set[int], missing: set[int]) -> bool:
    """Whether, for each "X or Y" of the question, the fact has every word of X
    or every word of Y (sides 2k-1 and 2k)."""
    pairs = {(side + 1) // 2 for side in sides}
    return all(
        (2 * k - 1 not in missing and 2 * k - 1 in sides)
        or (2 * k not in missing and 2 * k in sides)
        for k in pairs
    )
