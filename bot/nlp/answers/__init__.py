"""Answer a buyer's product question from the product detail data.

The seed: "CSBA will try to answer a customer inquiry based on information
available on the product detail page. If we cannot solve a customer's inquiry,
we will send a message to your account via Case Log." So this module either
quotes one fact from the page (an attribute, a bullet, a description sentence or
the title) or returns None, and the policy opens a case for the seller. A wrong
confident answer is worse than a case, so the matcher never guesses: it finds
what the question is about (its FOCUS) first, and answers only from a fact that
covers that focus (issue 12, item 4).

1. The question is normalised (HTML, entities, curly quotes, length); order
   numbers, greetings and filler ("hi", "pls", "thanks in advance") are noise,
   and the product the buyer names ("the kettle", "the pan I ordered") is not
   the focus. A clause about the order ("also when will it arrive") is left to
   the policy; beside a question, the other clauses are asides ("how many feet
   is the cord? MY OUTLET IS FAR"), and so is what buyers say about themselves
   after it ("is it latex free IM ALLERGIC"). The brand and model of the title
   ("Sonari Air5") and a message that opens by naming the product ("kaila uke
   what strings") name the product, not the focus. The rest goes through the
   offline spaCy pipeline (tokenizer + lookup lemmatizer).
2. Phrases and words of the lexicon's *topics* ("wattage", "how heavy", "made
   of", "dishwasher safe") become topic terms; the remaining content words
   become word terms. Words after a condition word ("does it whistle WHEN THE
   WATER BOILS") are context, not focus; so is a part named after a topic ("the
   warranty ON THE MOTOR"), unless the topic is a measure ("how wide is the
   BACKREST") or the page never names the part. An unknown word one or two edits
   away from a word of the page or the lexicon is corrected ("waranty"), and two
   words that make one word of the page are joined ("non stick").
3. Every fact of the page is analysed the same way, once per product content;
   the longest lexicon phrase wins ("max weight capacity" is no weight), units
   after a number are topic evidence ("1500 W" is power, "75 cm" a size),
   every number answers "how many", and "A x B x C cm" gives a length, a width
   and a height. Each comma-separated part of the title is matched on its own.
4. A fact answers only when it carries every topic of the question and every
   focus word (literally, by lemma or stem, or through a synonym group), and
   covers enough of the remaining weighted terms. A question whose focus is
   absent from the page gets None, however many other words overlap; a colour
   or size the page does not list ("in yellow?") is such a focus. Of "X or Y"
   ("strip cut or cross cut") a fact needs one side whole. The best
   fact wins; attributes whose *name* carries the focus win ties; the title is
   only a last resort. The score is the covered share (MIN_SCORE..1).

5. The lexicon's choice is not the last word (`semantic`): a sentence encoder
   (`bot.nlp.encoder`) scores every fact by meaning, and a small logistic
   model (`bot/nlp/answer_model.json`, learnt by `python -m
   tools.train_answer_model`) weighs both kinds of evidence. It confirms or
   vetoes the lexicon's choice, and where the lexicon is silent it may answer
   with the fact most likely to answer ("does the back lean back" -> "recline
   angle"), but never for a part, colour, size or number the page does not
   mention, and never with the title. `lexical_answer` is steps 1-4 alone.

The vocabulary (topics, units, synonyms, noise, stop words, and the words the
parsing rules are built from: purchase phrases, title separators, stemmer
endings) is data, in `bot/nlp/lexicon.yml`, read once and validated
(`load_lexicon`).

Questions about the order rather than the product (returns, refunds, shipping,
delivery, cancellation, invoices, prices) are never answered from the page: the
routing policy owns them.

Modules, each importing only the ones above it:
  text      normalising text, sentences, edit distance (no lexicon)
  lexicon   lexicon.yml: sections, validation, `load_lexicon`
  model     the data: Tok, Term, Fact, Page, Index
  index     the lexicon lemmatised with one pipeline; tokens and stems
  facts     the facts of a product page, analysed once per content (step 3)
  question  the question's clauses and tokens (step 1)
  terms     the question's weighted terms and its focus (step 2)
  scoring   how well one fact covers the terms (step 4)
  semantic  the answer model: candidates, features, the choice (step 5)
  matcher   `answer_product_question`: the fact to quote, or None
"""

from bot.nlp.answers.lexicon import (
    LEXICON_PATH,
    Lexicon,
    LexiconError,
    asks_something,
    load_lexicon,
    validate_lexicon,
)
from bot.nlp.answers.matcher import answer_product_question
from bot.nlp.answers.scoring import MIN_SCORE

__all__ = [
    "answer_product_question",
    "asks_something",
    "load_lexicon",
    "validate_lexicon",
    "Lexicon",
    "LexiconError",
    "LEXICON_PATH",
    "MIN_SCORE",
]
