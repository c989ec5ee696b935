"""The question's terms: topics (lexicon phrases), words and numbers, each
weighted and marked as required (the focus) or not."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.nlp.answers.index import stem_of
from bot.nlp.answers.lexicon import COUNT_TOPIC, DURATION_TOPIC, TIME_TOPIC, Lexicon
from bot.nlp.answers.model import Index, Page, Term, Tok
from bot.nlp.answers.text import UNIT_RE, has_phrase

# Weights of the question's terms.
WORD_WEIGHT = 1.0
PRODUCT_WORD_WEIGHT = 0.5  # the product itself ("the kettle"): only helps
NUMBER_WEIGHT = 0.5
AUX_WEIGHT = 0.8  # "how long": needed, but not the topic
OPTIONAL_WEIGHT = 0.5  # "come with": helps, a fact may lack it
# Words that help but never block: asides ("to see the food", "in my tent"),
# soft words ("microwave SAFE"), words of a condition beside a main clause
# ("when the water boils") and, after a topic, parts ("the motor").
SECONDARY_WEIGHT = 0.5


def question_terms(
    idx: Index, question: str, page: Page, clauses: Sequence[Sequence[Tok]]
) -> list[Term] | None:
    """The question's terms, each marked required or not, from its clauses
    (`question.question_tokens`), or None when it is not a product question."""
    lex = idx.lex
    # (term, role): "topic", "helper", "number", or for words "focus", "soft",
    # "product", "subject", "condition", "aside".
    raw: list[tuple[Term, str]] = []
    length_questions: set[int] = set()  # "how long is ..." terms
    for toks in clauses:
        start = len(raw)
        lemmas = [t.lemma for t in toks]
        i = 0
        while i < len(toks):
            matched = False
            for n in range(min(idx.max_phrase, len(toks) - i), 0, -1):
                if any(t.product for t in toks[i : i + n]):
                    continue  # "the rain jacket" names the product, not the rain
                hit = idx.ask_phrases.get(tuple(lemmas[i : i + n]))
                if hit is None:
                    continue
                concepts, kind, literal = hit
                if n == 1 and toks[i].is_stop and lemmas[i] not in lex.kept_stop_words:
                    break  # a lone stop word ("with") is no topic
                aux = concepts <= lex.helper_topics
                optional = concepts <= lex.optional_topics
                alts = (
                    {stem_of(lex, lemmas[i]), stem_of(lex, toks[i].text)}
                    if n == 1
                    else set()
                )
                if DURATION_TOPIC in concepts:
                    if i + n == len(toks) or lemmas[i + n] == "be":
                        # "how long is the mat", "how long?"
                        length_questions.add(len(raw))
                    elif any(t.text in lex.length_units for t in toks[i + n :]):
                        pass  # "how long in feet": a length or a duration
                    else:  # "how long does it last": a duration, not a length
                        concepts = frozenset({TIME_TOPIC})
                weight = OPTIONAL_WEIGHT if optional else AUX_WEIGHT if aux else 1.0
                term = Term(
                    key=stem_of(lex, lemmas[i])
                    if n == 1
                    else " ".join(lemmas[i : i + n]),
                    concepts=concepts,
                    kind=kind,
                    weight=weight,
                    alts=frozenset(alts | _groups(idx, alts)),
                    phrase=frozenset(stem_of(lex, lemma) for lemma in lemmas[i : i + n])
                    if n > 1
                    else frozenset(),
                    literal=literal,
                    aux=aux,
                    required=not optional,
                    alternative=next(
                        (t.alternative for t in toks[i : i + n] if t.alternative), 0
                    ),
                )
                in_aside = any(t.context == "aside" for t in toks[i : i + n])
                raw.append(
                    (term, "aside" if in_aside else "helper" if aux else "topic")
                )
                i += n
                matched = True
                break
            if matched:
                continue
            tok = toks[i]
            i += 1
            if (tok.is_stop and tok.lemma not in lex.kept_stop_words) or (
                tok.text in lex.generic_words or tok.lemma in lex.generic_words
            ):
                continue
            if (len(tok.text) < 2 or len(tok.lemma) < 2) and not tok.is_num:
                continue  # "hs" -> "h" would meet the "h" of "km/h"
            if tok.product and (
                tok.is_num or tok.text in lex.units or UNIT_RE.match(tok.text)
            ):
                continue  # "the 1.7 l kettle": its size says which product
            key = stem_of(lex, tok.lemma)
            alts = {key, stem_of(lex, tok.text)}
            alts |= _groups(idx, alts)
            unit = _unit_after(idx, toks, i) if tok.is_num else None
            if unit is not None:
                # "220 v", "110 or 220v": a value of the unit's measure.
                if i < len(toks) and toks[i].text == unit[0]:
                    i += 1
                term = Term(
                    key + unit[0],
                    frozenset({unit[1]}),
                    "value",
                    NUMBER_WEIGHT,
                    frozenset({key + unit[0]}),
                    required=True,
                    alternative=tok.alternative,
                )
                raw.append((term, "aside" if tok.context == "aside" else "topic"))
                continue
            if tok.is_num or _model_code(tok.text):
                # A number, or a model code ("galaxy S23", "E12"): it helps,
                # but a page rarely lists every model it fits.
                term = Term(key, frozenset(), "number", NUMBER_WEIGHT, frozenset(alts))
                raw.append((term, "number"))
                continue
            m = UNIT_RE.match(tok.text)
            if m and m.group(2) in lex.units:
                concept = lex.units[m.group(2)]
                term = Term(
                    key,
                    frozenset({concept}),
                    "value",
                    NUMBER_WEIGHT,
                    frozenset(alts),
                    required=True,
                )
                raw.append((term, "aside" if tok.context == "aside" else "topic"))
                continue
            if tok.product:
                role = "product"
            elif tok.text in lex.soft_words or tok.lemma in lex.soft_words:
                role = "soft"
            elif tok.context:
                role = tok.context
            elif tok.subject:
                role = "subject"
            else:
                role = "focus"
            term = Term(
                key,
                frozenset(),
                "word",
                WORD_WEIGHT,
                frozenset(alts),
                product=role == "product",
                other=tok.other,
                alternative=tok.alternative,
            )
            raw.append((term, role))
        if not all(t.context == "aside" for t in toks):  # not an aside clause
            _object_is_focus(lex, raw, start)

    # The focus: the topics and the words of the main clause that do not name
    # the product. A part after "is the"/"of the" that follows a topic other
    # than a measure, and that the page knows, only helps ("what's the
    # warranty on the motor"); otherwise the part is the focus ("is the straw
    # dishwasher safe", "how wide is the backrest", "what's the wattage of the
    # kettle" asked of a USB hub). With no focus in the main clause, the
    # condition clause or the asides are the focus ("how long does it last
    # after opening").
    first_topic = next(
        (
            n
            for n, (t, role) in enumerate(raw)
            if role == "topic" and t.kind == "concept"
        ),
        len(raw),
    )
    main_focus = any(role in ("topic", "focus", "subject") for _, role in raw)
    measures_a_part = any(
        role == "topic" and t.concepts & lex.part_sensitive_topics for t, role in raw
    )
    simultaneous = any(
        has_phrase(question.lower(), word) for word in lex.simultaneous_words
    )
    terms: list[Term] = []
    for n, (term, role) in enumerate(raw):
        secondary_part = (
            role == "subject"
            and n > first_topic
            and bool(term.alts & page.words)
            and not measures_a_part
        )
        if n in length_questions and not main_focus:
            # "how long is the mat": a length, not a duration.
            term = replace(
                term,
                concepts=frozenset({lex.length_question_topic}),
                aux=False,
                weight=WORD_WEIGHT,
                required=True,
            )
        elif role in ("topic", "helper", "number"):
            pass
        elif role == "focus" or (role == "subject" and not secondary_part):
            term = replace(term, required=True, part=role == "subject")
        elif role in ("condition", "aside") and not main_focus:
            term = replace(
                term, required=True, condition=role == "condition" and simultaneous
            )
        elif role == "aside":
            term = replace(term, required=False, free=True, weight=SECONDARY_WEIGHT)
        elif role == "condition":
            # "does it turn off by itself if I forget it": the condition says
            # when, the main clause what; the fact need not repeat the when.
            term = replace(term, weight=SECONDARY_WEIGHT)
        elif role == "product":
            term = replace(term, weight=PRODUCT_WORD_WEIGHT, free=True)
        elif role in ("soft", "subject"):
            term = replace(term, weight=SECONDARY_WEIGHT, soft=role == "soft")
        terms.append(term)
    # A message that opens by naming the product ("voltara DRILL chuck size",
    # "kaila UKE what strings", "space station set how many figures"): the
    # opening words of the title's name, with the brand, the product's own
    # word or two of them, name the product when something else is asked.
    run = 0
    while (
        run < len(terms)
        and terms[run].kind == "word"
        and (terms[run].product or terms[run].alts & page.name_words)
    ):
        run += 1
    opening = range(run)
    if (
        run
        and (run >= 2 or any(terms[n].product for n in opening))
        and any(t.required and not t.aux for t in terms[run:])
    ):
        for n in opening:
            terms[n] = replace(
                terms[n],
                required=False,
                free=True,
                product=True,
                weight=PRODUCT_WORD_WEIGHT,
            )
    # "do you have a 10 inch one", "size 12?": the number asked must be there.
    lowered = question.lower()
    if any(has_phrase(lowered, p) for p in lex.availability_phrases) or (
        _SIZE_NUMBER_RE.search(lowered)
    ):
        terms = [
            replace(t, required=True, weight=WORD_WEIGHT) if t.kind == "number" else t
            for t in terms
        ]
    # "will it work with my ps5": a model code that is all the buyer names is
    # what the page must name; beside a word ("galaxy s23") it only helps.
    if any(t.concepts & lex.object_topics for t in terms) and not any(
        t.kind == "word" and t.required for t in terms
    ):
        terms = [
            replace(t, required=True, weight=WORD_WEIGHT)
            if t.kind == "number" and not t.key.isdigit() and _model_code(t.key)
            else t
            for t in terms
        ]
    # "any other colours? black maybe": a colour or size of an aside is still
    # what is asked when the question is about that topic.
    asked_listed = {
        c
        for t in terms
        if t.kind == "concept" and t.required
        for c in t.concepts & lex.listed_value_topics
    }
    terms = [
        replace(t, required=True, free=False, weight=NUMBER_WEIGHT)
        if t.kind == "value" and t.free and t.concepts & asked_listed
        else t
        for t in terms
    ]
    # "how many watts": the measure is asked, not a count.
    measures = frozenset(lex.units.values())
    terms = [
        t
        for n, t in enumerate(terms)
        if not (
            COUNT_TOPIC in t.concepts
            and n + 1 < len(terms)
            and terms[n + 1].concepts & measures
        )
    ]
    # The same key twice ("batteries? battery") counts once.
    unique: dict[tuple[str, frozenset[str]], Term] = {}
    for term in terms:
        old = unique.get((term.key, term.concepts))
        if old is None or (term.required and not old.required):
            unique[(term.key, term.concepts)] = term
    return list(unique.values())


def _unit_after(idx: Index, toks: list[Tok], i: int) -> tuple[str, str] | None:
    """(unit, measure) of a bare number whose unit follows it, at `toks[i]`
    ("220 v") or after "or"/"to" ("110 or 220v", "110 to 240 v"); None
    otherwise. A unit that is a topic of its own ("kg", "volts") stays one, and
    sizes ("12 in") stay numbers: "in" is a preposition as often."""
    lex = idx.lex

    def unit(word: str) -> tuple[str, str] | None:
        measure = lex.units.get(word)
        if (
            measure is None
            or measure in lex.listed_value_topics
            or (word,) in idx.ask_phrases
        ):
            return None
        return word, measure

    if i < len(toks) and len(toks[i].text) <= 2 and unit(toks[i].text):
        return unit(toks[i].text)
    if i + 1 < len(toks) and toks[i].text in ("or", "to"):
        m = UNIT_RE.match(toks[i + 1].text)
        if m:
            return unit(m.group(2))
        if toks[i + 1].is_num and i + 2 < len(toks) and len(toks[i + 2].text) <= 2:
            return unit(toks[i + 2].text)
    return None


def _groups(idx: Index, stems: Iterable[str]) -> set[str]:
    return {idx.synonym_of[s] for s in stems if s in idx.synonym_of}


def _object_is_focus(lex: Lexicon, raw: list[tuple[Term, str]], start: int) -> None:
    """ "will it work with my son's LEGO", "will it fit my other dryer": with a
    topic or a word whose object is the question (compatible, fit), the
    buyer's own thing is the focus, not an aside."""
    clause = raw[start:]
    if not any(
        (role == "topic" and t.concepts & lex.object_topics)
        or (t.kind == "word" and t.alts & lex.object_words)
        for t, role in clause
    ):
        return
    for n, (term, role) in enumerate(clause, start):
        if role == "aside" and term.kind == "word":
            raw[n] = (term, "focus")


_SIZE_NUMBER_RE = re.compile(r"\bsize\s+\d")
_HEIGHT_RE = re.compile(r"\d'\d{0,2}\"?")


def _model_code(word: str) -> bool:
    """ "s23", "e12", "x1000": letters and digits mixed, digits not first (so
    not "1500w", which is a number with its unit); or a height ("5'10")."""
    if _HEIGHT_RE.fullmatch(word):
        return True  # "5'10", a buyer's height
    return (
        word.isalnum()
        and word[:1].isalpha()
        and any(ch.isdigit() for ch in word)
        and any(ch.isalpha() for ch in word)
    )
