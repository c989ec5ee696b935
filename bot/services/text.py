"""Untrusted text made safe to store or quote: no control characters, bounded."""

from __future__ import annotations

import unicodedata
from typing import Any

# A seller's or agent's reply, or a product-page fact, quoted to the buyer.
MAX_QUOTE_CHARS = 2000


def clean_text(text: Any, limit: int) -> str:
    """`text` without control characters (newlines and tabs become spaces),
    trimmed and cut to `limit` characters. Not text: ''."""
    if not isinstance(text, str):
        return ""
    # Cut first, generously: no need to look at 20,000 characters to keep 200.
    text = text[: limit * 2]
    kept = []
    for char in text:
        if char in "\n\t\r":
            kept.append(" ")
        elif unicodedata.category(char) == "Cc":
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())[:limit].strip()
