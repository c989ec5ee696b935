"""Text helpers of the product-page matcher: normalising a question or a fact
of the page, splitting a description into sentences, and the edit distance of the
spelling fallback. No lexicon, no pipeline."""

from __future__ import annotations

import html
import re
import unicodedata

# A unit glued to a number ("1500W", "1.7L").
UNIT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]+)$")
_TAG_RE = re.compile(r"<[^>]{0,200}>")
SPACE_RE = re.compile(r"\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n+")
_CHUNK_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?|[^\W\d_]+")


def chunks(text: str) -> str:
    """The letters and numbers of `text`, lowercased, each run between bars:
    "1.7L Kettle" and "1.7 l kettle" both read "|1.7|l|kettle|", "7-in-1"
    reads "|7|in|1|". One run of chunks is inside another only word by word."""
    return "|" + "|".join(_CHUNK_RE.findall(text.lower())) + "|"


def normalise(text: str, limit: int | None = None) -> str:
    text = unicodedata.normalize("NFKC", text)
    if limit is not None:
        text = text[: limit * 2]
    text = html.unescape(_TAG_RE.sub(" ", text))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = text.replace("“", '"').replace("”", '"')
    text = SPACE_RE.sub(" ", text).strip()
    if limit is not None:
        text = text[:limit]
    return text


def has_phrase(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words (both lower case)."""
    return f" {phrase} " in f" {text} "


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
                and prev2
            ):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
