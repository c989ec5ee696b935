"""Live push: a seller's or agent's reply appears in the buyer's open chat at once.

`push_case_reply(case_id, settings=...)` is called by the web app after the
transaction that stored the reply has committed. It asks Rasa (its HTTP API,
token-protected, server side only) to run the external intent
`EXTERNAL_case_reply` in the case's conversation with the latest input channel
as output channel. The rule for that intent runs `action_check_updates`, which
delivers every reply the buyer has not seen (and marks it delivered), so the
open widget shows it.

Only a conversation whose latest message came through the project's socket.io
channel is pushed to: the REST channel cannot receive a push, and its buyer
gets the reply at their next message (issue 3), as does anyone when the push
fails. Any failure is logged and gives False; it never raises. The call is
blocking (HTTP, a few hundred milliseconds); an async handler runs it in a
thread (`starlette.concurrency.run_in_threadpool`).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select

from bot.adapters.orm import CaseRow
from bot.db import get_engine, session_scope
from bot.services.chat_access import SOCKET_CHANNEL_NAME

log = logging.getLogger(__name__)

CASE_REPLY_INTENT = "EXTERNAL_case_reply"
PUSH_TIMEOUT_SECONDS = 10.0


def _conversation_of(case_id: int, database_url: str) -> str | None:
    with session_scope(get_engine(database_url)) as session:
        return session.execute(
            select(CaseRow.conversation_id).where(CaseRow.id == int(case_id))
        ).scalar_one_or_none()


def push_case_reply(
    case_id: int, *, settings: Any, client: httpx.Client | None = None
) -> bool:
    """Push the case's unseen replies into the buyer's open chat. True when Rasa
    ran the push; False (logged) when there is nothing to push to or it failed.

    `settings`: a bot.web.settings.WebSettings (database_url, rasa_url,
    rasa_token). `client`: an httpx client to use (tests); a new one otherwise.
    """
    try:
        conversation_id = _conversation_of(case_id, settings.database_url)
        if not conversation_id:
            log.info("Push of case %s: no such case or no conversation", case_id)
            return False
        if not settings.rasa_token:
            log.warning("Push of case %s: RASA_TOKEN is not set", case_id)
            return False
        base = f"{settings.rasa_url.rstrip('/')}/conversations/{quote(conversation_id, safe='')}"
        owned = client is None
        http = client or httpx.Client(timeout=PUSH_TIMEOUT_SECONDS)
        try:
            tracker = http.get(
                f"{base}/tracker",
                params={"token": settings.rasa_token, "include_events": "NONE"},
            )
            if tracker.status_code != 200:
                log.warning(
                    "Push of case %s: tracker answered HTTP %s",
                    case_id,
                    tracker.status_code,
                )
                return False
            channel = tracker.json().get("latest_input_channel")
            if channel != SOCKET_CHANNEL_NAME:
                log.info(
                    "Push of case %s: the chat is on %r, not live; the buyer gets "
                    "the reply at their next message",
                    case_id,
                    channel,
                )
                return False
            pushed = http.post(
                f"{base}/trigger_intent",
                params={"token": settings.rasa_token, "output_channel": "latest"},
                json={"name": CASE_REPLY_INTENT, "entities": {}},
            )
        finally:
            if owned:
                http.close()
        if pushed.status_code != 200:
            log.warning(
                "Push of case %s: trigger_intent answered HTTP %s: %s",
                case_id,
                pushed.status_code,
                pushed.text[:200],
            )
            return False
        return True
    except Exception:
        log.exception("Push of case %s failed; the reply waits for the next message", case_id)
        return False
