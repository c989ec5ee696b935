"""Which item of a buyer's orders their words name: "the kettle came with a
dent", "wheres my kettel", "both earbud stopped". Plain words and titles, no
database and no Rasa: `bot.services.order_lookup` reads the orders and calls
these."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.domain.model import Order
from bot.nlp.answers.text import edit_distance

# How much of a message is searched for item names.
MAX_SCANNED_CHARS = 2000

_WORD = re.compile(r"\w{3,}")

# Words of item titles that name no item in a buyer's message ("my order",
# "the case number", "a set of").
NOT_ITEM_WORDS = frozenset(
    """order orders item items product products package parcel box case cases set
    sets pack packs piece pieces pcs count thing things stuff one new with for and
    the this that your our from size inch inches""".split()
)


@dataclass(frozen=True)
class NamedItem:
    """An item of one of the buyer's orders that their message names."""

    order_id: str
    asin: str
    title: str


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Spanish words for the items, and the English title words they stand for
# (a data file anyone can extend; accents optional).
SPANISH_ITEM_WORDS_PATH = Path(__file__).resolve().parent / "item_words_es.yml"


def _plain(text: str) -> str:
    """`text` casefolded, without accents ("campaña" and "campana" alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def _spanish_item_words() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(the Spanish words as a pattern, their English words), longest first."""
    table = yaml.safe_load(SPANISH_ITEM_WORDS_PATH.read_text(encoding="utf-8"))
    return tuple(
        (re.compile(rf"\b{re.escape(_plain(spanish))}\b"), str(english))
        for spanish, english in sorted(
            table.items(), key=lambda pair: len(pair[0]), reverse=True
        )
    )


def _translated(text: str) -> str:
    """The English title words of the Spanish item words in `text`."""
    plain = _plain(text)
    return " ".join(
        english for pattern, english in _spanish_item_words() if pattern.search(plain)
    )


def item_words(text: str, *, spanish: bool = True) -> set[str]:
    """The words of `text` that may name an item, singular; with `spanish`
    (a buyer's message, not a title), the English of its Spanish item words."""
    if spanish:
        text = f"{text} {_translated(text)}"
    words = {singular(w) for w in _WORD.findall(text.casefold()) if not w.isdigit()}
    return words - NOT_ITEM_WORDS


# A title word is named misspelt ("kettel", "tumbller", "blendr") when a word
# of the message is one letter away from it (`edit_distance`: one letter added,
# dropped, changed, or two neighbours swapped). Only words of MIN_MISSPELT letters or more and with
# the same first letter, so that short words ("mug", "bug") never stand in.
MIN_MISSPELT = 5


# A word of the message that ends in another inflection than the title word
# is another word, not a typo: "charged" is no "charger", "heated" no
# "heater", "toasted" no "toaster" ("chargr" is still a "charger").
_INFLECTIONS = ("ing", "ed", "er", "es", "ly")


def _inflection(word: str) -> str | None:
    return next((end for end in _INFLECTIONS if word.endswith(end)), None)


def _misspelt_in(word: str, said: set[str]) -> bool:
    if len(word) < MIN_MISSPELT:
        return False
    ending = _inflection(word)
    return any(
        len(other) >= MIN_MISSPELT - 1
        and other[0] == word[0]
        and _inflection(other) in (None, ending)
        and edit_distance(word, other, 1) == 1
        for other in said
    )


# Where a title stops naming the item and lists what comes with it or its
# features: "Tumbler WITH Lid", "Kettle, 1500 W", "Hub (7-in-1)".
_TITLE_EXTRAS = re.compile(r"\s+(?:with|w/)\s+|[,(|\[–—]|\s-\s", re.IGNORECASE)


def named_items(
    text: str, orders: Sequence[Order], *, whole_names: bool = False
) -> list[NamedItem]:
    """The items of `orders` that `text` names best, each with its order: the
    most words of its title in the text, counting only words that do not name
    every product of these orders (the shop's brand) and no word that names no
    item ("order", "case"); with `whole_names`, one of them from the title's
    name before what comes with it (while an item is in question, "the lid
    won't close" names no "Tumbler with Lid"). A title word misspelt by one
    letter counts (`_misspelt_in`). [] when the text names none."""
    said = item_words(text[:MAX_SCANNED_CHARS])
    if not said:
        return []
    lines = [(o, i) for o in orders for i in o.items if i.title]
    titles = {item.asin: item_words(item.title, spanish=False) for _, item in lines}
    names = {
        item.asin: item_words(_TITLE_EXTRAS.split(item.title, 1)[0], spanish=False)
        for _, item in lines
    }
    naming = Counter(word for words in titles.values() for word in words)
    everyone = len(titles)
    scored = []
    for order, item in lines:
        hits = {
            word
            for word in titles[item.asin]
            if (word in said or _misspelt_in(word, said))
            and (everyone == 1 or naming[word] < everyone)
        }
        if hits and (hits & names[item.asin] or not whole_names):
            scored.append((len(hits), NamedItem(order.id, item.asin, item.title)))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return list(dict.fromkeys(item for score, item in scored if score == best))


def product_word(title: str) -> str | None:
    """What a product is, as its title says: the last word of the title's name,
    before its features (the lexicon's `title_feature_words`, a comma...),
    singular ("tumbler" of "Hearth 20 oz Insulated Stainless Steel Tumbler with
    Lid"); None when that word names no item ("Phone Case")."""
    from bot.nlp.answers import load_lexicon
    from bot.nlp.answers.index import title_features_re

    name = title_features_re(load_lexicon()).split(title, maxsplit=1)[0]
    words = [singular(w) for w in _WORD.findall(name.casefold()) if not w.isdigit()]
    if not words or words[-1] in NOT_ITEM_WORDS:
        return None
    return words[-1]
