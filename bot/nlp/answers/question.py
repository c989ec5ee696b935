"""The question as clauses of tokens: order numbers, noise and order clauses
removed, spelling corrected, compounds joined, and each token marked as naming
the product, a part, a condition or an aside."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from bot.nlp.answers.index import stem_of, tokens_of
from bot.nlp.answers.lexicon import Lexicon
from bot.nlp.answers.model import Index, Page, Tok
from bot.nlp.answers.text import chunks, edit_distance, has_phrase

# Chat shorthand "w" for "with" ("does it come w a case"), but not the unit of
# "1500 w".
_WITH_RE = re.compile(r"(?:^|(?<=[a-z,?!.])\s)w\s+(?=[a-z])")
# Clause boundaries of a question: punctuation followed by a space or the end,
# brackets and spaced dashes ("1.7" and "USB-C" are not boundaries).
_CLAUSE_RE = re.compile(r"[,;:?!]+(?=\s|$)|\.+(?=\s|$)|[()\[\]]|\s[-–—]+\s|\n")


def _correct(word: str, vocabulary: Iterable[str]) -> str | None:
    """The single closest word of `vocabulary`, or None (ties are refused)."""
    limit = 1 if len(word) < 8 else 2
    best: list[str] = []
    best_d = limit + 1
    for cand in vocabulary:
        if abs(len(cand) - len(word)) > limit or cand[:1] != word[:1]:
            continue
        d = edit_distance(word, cand, limit)
        if d < best_d:
            best, best_d = [cand], d
        elif d == best_d:
            best.append(cand)
    if best_d <= limit and len(set(best)) == 1:
        return best[0]
    return None


def question_tokens(
    idx: Index, nlp: Any, text: str, page: Page
) -> list[list[Tok]] | None:
    """The question's clauses as tokens, noise removed, each token marked as
    context or as naming the product; None when it is about the order."""
    lex = idx.lex
    text = idx.order_reference_re.sub(" ", text.lower())
    text = _WITH_RE.sub(" with ", text)
    text = _statements_apart(lex, text)
    owned: set[str] = set()  # "the kettle I got": the product, not the focus
    for m in idx.purchase_re.finditer(text):
        owned.update(
            stem_of(lex, t.lemma) for t in tokens_of(nlp, lex, idx.norm, m.group(1))
        )
    # Clauses, and whether each asks something ("...?", "how ...", "is ...").
    clauses: list[tuple[list[Tok], bool]] = []
    position = 0
    for boundary in [*_CLAUSE_RE.finditer(text), None]:
        stop = boundary.start() if boundary else len(text)
        toks = _drop_noise(idx, tokens_of(nlp, lex, idx.norm, text[position:stop]))
        asks = bool(boundary and "?" in boundary.group()) or bool(
            toks and toks[0].text in lex.question_words
        )
        if toks:
            clauses.append((toks, asks))
        position = boundary.end() if boundary else len(text)
    # Spelling: an unknown word close to a word of the page or of the lexicon.
    vocabulary = page.words | page.surface | idx.trigger_words
    fixed_clauses: list[tuple[list[Tok], bool]] = []
    for toks, asks in clauses:
        fixed: list[Tok] = []
        for tok in toks:
            word = tok.text
            if (
                len(word) >= 5
                and word.isalpha()
                and word not in idx.known_words
                and stem_of(lex, tok.lemma) not in page.words
                and tok.lemma not in idx.trigger_words
            ):
                better = _correct(word, vocabulary)
                if better:
                    fixed.extend(tokens_of(nlp, lex, idx.norm, better))
                    continue
            fixed.append(tok)
        fixed = _join_compounds(nlp, idx, fixed, page)
        # A clause about the order ("also when will it arrive") is the
        # policy's; the rest of the message may still ask about the product.
        if not _about_the_order(idx, fixed):
            fixed_clauses.append((fixed, asks))
    if not fixed_clauses or len(fixed_clauses) < len(clauses):
        if not any(asks for _, asks in fixed_clauses):
            return None
    # With a question in the message, the other clauses are asides ("my
    # outlet is kinda far", "im 280 lbs", "hi, I ordered the queen").
    asking = any(asks for _, asks in fixed_clauses)
    out: list[list[Tok]] = []
    head = page.product_words[-1:] if page.product_words else ()
    # Longer words of the message that the page also uses ("crockpot"): a
    # word they end with ("the pot") names the product too.
    names = owned.union(head) | {
        stem_of(lex, t.lemma)
        for toks, _ in fixed_clauses
        for t in toks
        if stem_of(lex, t.lemma) in page.words
    }
    for toks, asks in fixed_clauses:
        marked: list[Tok] = []
        beside_or = _beside_or(lex, toks)
        context = ""
        aside = "aside" if asking and not asks else ""
        phrase = ""  # "subject" after "the", "buyer" after "my", until a stop word
        predicate = _predicate_position(lex, toks)
        naming = [_names_product(lex, tok, page, owned, names) for tok in toks]
        described = _described(lex, toks, page, naming)
        for i, tok in enumerate(toks):
            if tok.text in lex.condition_words:
                context = "condition"
                phrase = ""
                continue
            before = toks[i - 1] if i else None
            if tok.text in lex.determiners:
                # "is the motor", "the warranty on the motor": a part that a
                # topic before it may be about; "from the crib": the focus.
                linked = before is not None and (
                    before.lemma == "be" or before.text in lex.part_links
                )
                phrase = "subject" if linked else ""
            elif tok.text in lex.buyer_words:
                after_preposition = before is not None and (
                    before.text in lex.prepositions
                )
                phrase = "buyer" if after_preposition else "mine"
            elif tok.is_stop and tok.lemma not in lex.kept_stop_words:
                buyers = phrase in ("buyer", "mine")
                if not (buyers and tok.text in lex.buyer_modifiers):
                    phrase = ""  # "my OTHER dryer" is still the buyer's
            product = naming[i] or i in described
            # "my other dryer": another item like this one, not this one.
            other = product and phrase in ("buyer", "mine")
            product = product and not other
            stem = stem_of(lex, tok.lemma)
            if (
                not product
                and len(page.product_words) == 2
                and stem == page.product_words[0]
                and i + 1 < len(toks)
                and stem_of(lex, toks[i + 1].lemma) == page.product_words[1]
            ):
                product = True  # "frying" of "the frying pan"
            marked.append(
                Tok(
                    tok.text,
                    tok.lemma,
                    tok.is_stop,
                    tok.is_num,
                    context=context or aside or ("aside" if phrase == "buyer" else ""),
                    product=product,
                    subject=phrase == "subject" and i != predicate,
                    other=other,
                    alternative=beside_or.get(i, 0),
                )
            )
        out.append(marked)
    return out


def _names_product(
    lex: Lexicon, tok: Tok, page: Page, owned: set[str], names: set[str]
) -> bool:
    """Whether the word names the product: the item the buyer says they got,
    the title's last word ("the kettle"), its brand, or a longer word of the
    message that ends with one ("the pot" of "crockpot")."""
    stem = stem_of(lex, tok.lemma)
    head = page.product_words[-1:]
    return (
        stem in owned
        or (bool(head) and stem == head[0])
        or stem in page.brand_words
        or _tail_of(stem, names)
    )


def _described(
    lex: Lexicon, toks: Sequence[Tok], page: Page, naming: Sequence[bool]
) -> set[int]:
    """The words right before the product's name that repeat its title: "the
    1.7 l kettle", "the 20oz tumbler", "the 7-in-1 hub", "the stainless steel
    tumbler" describe which product, they are not what is asked. A run counts
    only as whole words of the title's name, in the title's order."""
    out: set[int] = set()
    for i in range(1, len(toks)):
        if not naming[i]:
            continue
        start = i
        while start > 0:
            before = toks[start - 1]
            if before.text in lex.determiners or before.text in lex.buyer_words:
                break
            run = chunks(" ".join(t.text for t in toks[start - 1 : i]))
            if run == "||" or run not in page.name_chunks:
                break
            start -= 1
        # only after "the", "my", "this": "is it a 20 oz tumbler?" asks the size
        referred = start > 0 and (
            toks[start - 1].text in lex.determiners
            or toks[start - 1].text in lex.buyer_words
        )
        if referred:
            out.update(range(start, i))
    # "is it the 1.7 l kettle?": the size is all there is to ask about
    asked = any(
        not t.is_stop and n not in out and not naming[n] for n, t in enumerate(toks)
    )
    return out if asked else set()


def _tail_of(stem: str, names: Iterable[str]) -> bool:
    """Whether `stem` ends a longer word naming the product: "the pot" of "the
    crockpot I ordered", "the brush" of a toothbrush."""
    return len(stem) >= 3 and any(
        len(name) >= len(stem) + 3 and name.endswith(stem) for name in names
    )


def _beside_or(lex: Lexicon, toks: Sequence[Tok]) -> dict[int, int]:
    """ "run small or big", "is the lid plastic or metal", "strip cut or cross
    cut": position -> side (1, 2 for the first "or"; 3, 4 for the next) of the
    words after "or", up to a stop word, and of as many words before it."""

    def content(t: Tok) -> bool:
        return not t.is_stop or t.lemma in lex.kept_stop_words

    out: dict[int, int] = {}
    pairs = 0
    for n, tok in enumerate(toks):
        if tok.text != "or":
            continue
        right = n + 1
        while right < len(toks) and content(toks[right]):
            right += 1
        width = right - n - 1
        left = n - 1
        while (
            left >= 0
            and n - 1 - left < width
            and content(toks[left])
            and not (left and toks[left - 1].text in lex.determiners)
        ):  # "are THE ARMRESTS padded or hard plastic": the part stays
            left -= 1
        if width and left < n - 1:
            pairs += 1
            out.update({j: 2 * pairs - 1 for j in range(left + 1, n)})
            out.update({j: 2 * pairs for j in range(n + 1, right)})
    return out


def _statements_apart(lex: Lexicon, text: str) -> str:
    """ "is it latex free im allergic", "lowest seat height, im 5'1": what the
    buyer says about themselves after the question is a clause of its own (an
    aside), and what comes before it is the question. Not after a question
    word: "can I have it in blue"."""
    if not lex.statement_starts:
        return text
    pattern = _statement_re(tuple(lex.statement_starts))
    out: list[str] = []
    position = 0
    for m in pattern.finditer(text):
        before = text[: m.start()].split()
        if before and before[-1].strip(",.?!") not in lex.question_words:
            out.append(text[position : m.start()].rstrip(" ,.;:") + "? ")
            position = m.start()
    out.append(text[position:])
    return "".join(out)


@lru_cache(maxsize=4)
def _statement_re(starts: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(starts, key=len, reverse=True))
    return re.compile(rf"(?<=\s)(?:{words})(?=\s|$)")


def _join_compounds(nlp: Any, idx: Index, toks: list[Tok], page: Page) -> list[Tok]:
    """ "non stick" is the page's "nonstick", "dish washer" its "dishwasher"."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if i + 1 < len(toks) and toks[i].text.isalpha() and toks[i + 1].text.isalpha():
            joined = toks[i].text + toks[i + 1].text
            if stem_of(idx.lex, joined) in page.words:
                out.extend(tokens_of(nlp, idx.lex, idx.norm, joined))
                i += 2
                continue
        out.append(toks[i])
        i += 1
    return out


def _about_the_order(idx: Index, toks: Sequence[Tok]) -> bool:
    text = " ".join(t.text for t in toks)
    if any(has_phrase(text, p) for p in idx.lex.order_phrases):
        return True  # "how much for a 2nd battery"
    for i, tok in enumerate(toks):
        if tok.text in idx.lex.order_words or tok.lemma in idx.lex.order_words:
            pair = (toks[i - 1].lemma if i else "", tok.lemma)
            if pair not in idx.product_phrases:
                return True
    return False


def _predicate_position(lex: Lexicon, toks: Sequence[Tok]) -> int:
    """In "is the glass lid shatterproof", the position of "shatterproof": the
    last word of a phrase after "is the", which says something about the rest
    (-1 when the clause is not built that way)."""
    if len(toks) < 4 or toks[0].lemma != "be" or toks[1].text not in lex.determiners:
        return -1
    end = 2
    while end < len(toks) and not (
        toks[end].is_stop and toks[end].lemma not in lex.kept_stop_words
    ):
        end += 1
    return end - 1 if end - 2 >= 2 else -1


def _drop_noise(idx: Index, toks: list[Tok]) -> list[Tok]:
    if not idx.noise:
        return toks
    lemmas = [t.lemma for t in toks]
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        for n in range(min(idx.max_noise, len(toks) - i), 0, -1):
            if tuple(lemmas[i : i + n]) in idx.noise:
                i += n
                break
        else:
            out.append(toks[i])
            i += 1
    return out
