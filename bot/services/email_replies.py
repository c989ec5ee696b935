"""The bot's messages written out as an email, and a buyer's reply that picks
one of the choices it offered (bot.services.email_inbox).

A chat shows buttons; an email numbers them ("1. Yes, send a replacement").
A reply in the thread that is a choice's number, or starts with its title,
sends the button's payload to the bot, exactly as a click in the widget does
(the channel's input guard still decides which payloads a buyer may send).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.adapters.catalogue import t
from bot.services.email_parsing import clean_subject

_WORD_RE = re.compile(r"[\w…]+", re.UNICODE)


def written_out(
    replies: list[dict[str, Any]], language: str, notes: list[str]
) -> tuple[str, list[dict[str, str]]]:
    """The messages as text, each message's buttons numbered after it, then
    the `notes`; and every choice offered, in order ({"title", "payload"})."""
    parts: list[str] = []
    choices: list[dict[str, str]] = []
    for reply in replies:
        text = str(reply.get("text") or "").strip()
        lines = []
        for button in reply.get("buttons") or []:
            if not isinstance(button, dict) or not button.get("title"):
                continue
            choices.append(
                {"title": str(button["title"]).strip(), "payload": str(button.get("payload") or "")}
            )
            lines.append(f"  {len(choices)}. {choices[-1]['title']}")
        if lines:
            text = (text + "\n" if text else "") + t(
                "email.inbound.choices", language, choices="\n".join(lines)
            )
        if text:
            parts.append(text)
    parts.extend(notes)
    return "\n\n".join(parts), choices


def encode_choices(choices: list[dict[str, str]]) -> str | None:
    return json.dumps(choices, ensure_ascii=False) if choices else None


def choice_payload(text: str, encoded: str | None) -> str | None:
    """The payload of the choice a reply picks: its number ("2", "2."), or its
    title at the start of the reply; None when it picks none."""
    if not encoded or not text:
        return None
    try:
        choices = [c for c in json.loads(encoded) if isinstance(c, dict)]
    except ValueError:
        return None
    words = _WORD_RE.findall(text.lower())
    if not words:
        return None
    if len(words) == 1 and words[0].isdigit():
        index = int(words[0]) - 1
        if 0 <= index < len(choices):
            return choices[index].get("payload") or None
        return None
    for choice in choices:
        title = _WORD_RE.findall(str(choice.get("title") or "").lower())
        if title and words[: len(title)] == title:
            return choice.get("payload") or None
    return None


def thread_headers_of(message_id: str | None, *later: str | None) -> dict[str, str]:
    """`In-Reply-To` (the newest id) and `References` (all, oldest first)."""
    ids = [i for i in (message_id, *later) if i]
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(dict.fromkeys(ids))}


def reply_subject(subject: str, case_id: int | None, language: str) -> str:
    """ "Re: <the buyer's subject>", with the case number when there is a case."""
    topic = clean_subject(subject) or t("email.inbound.default_subject", language)
    if case_id is not None:
        return t("email.inbound.subject_case", language, subject=topic, case_id=case_id)[:255]
    return t("email.inbound.subject", language, subject=topic)[:255]
