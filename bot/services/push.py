"""Live push: a seller's or agent's reply appears in the buyer's open chat at once.

`push_case_reply(case, settings=...)` is called by the web app after the
transaction that stored the reply has committed, with the case it returned (its
id and conversation: no second database trip). It asks Rasa (bot.adapters.rasa_http)
to run the external intent `EXTERNAL_case_reply` in the case's conversation with
the latest input channel as output channel. The rule for that intent runs
`action_check_updates`, which delivers every reply the buyer has not seen (and
marks it delivered), so the open widget shows it.

Only a conversation whose latest message came through the project's socket.io
channel is pushed to: the REST channel cannot receive a push, and its buyer
gets the reply at their next message (issue 3), as does anyone when the push
fails. Any failure is logged and gives False; it never raises. The call is
blocking (HTTP, a few hundred milliseconds); the web app runs it as a background
task after the response.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from bot.adapters.rasa_http import RasaHttp
from bot.services.chat_access import SOCKET_CHANNEL_NAME

log = logging.getLogger(__name__)

CASE_REPLY_INTENT = "EXTERNAL_case_reply"


class _Case(Protocol):
    id: int
    conversation_id: str | None


def push_case_reply(
    case: _Case, *, settings: Any, client: httpx.Client | None = None
) -> bool:
    """Push the case's unseen replies into the buyer's open chat. True when Rasa
    ran the push; False (logged) when there is nothing to push to or it failed.

    `case`: a CaseView (id, conversation_id). `settings`: a
    bot.entrypoints.web.settings.WebSettings (rasa_url, rasa_token). `client`: an httpx
    client to use (tests); a new one otherwise.
    """
    case_id = case.id
    try:
        if not case.conversation_id:
            log.info("Push of case %s: the case has no conversation", case_id)
            return False
        if not settings.rasa_token:
            log.warning("Push of case %s: RASA_TOKEN is not set", case_id)
            return False
        rasa = RasaHttp(settings.rasa_url, settings.rasa_token, client=client)
        channel = rasa.latest_input_channel(case.conversation_id)
        if channel != SOCKET_CHANNEL_NAME:
            log.info(
                "Push of case %s: the chat is on %r, not live; the buyer gets "
                "the reply at their next message",
                case_id,
                channel,
            )
            return False
        rasa.trigger_intent(case.conversation_id, CASE_REPLY_INTENT)
        return True
    except Exception as exc:
        log.warning(
            "Push of case %s failed (%s: %s); the reply waits for the next message",
            case_id,
            type(exc).__name__,
            exc,
        )
        return False


# -- live hand-off (issue 14) ---------------------------------------------------------

HANDOFF_CLOSED_INTENT = "EXTERNAL_handoff_closed"


def push_agent_message(
    conversation_id: str,
    text: str,
    *,
    agent: str,
    settings: Any,
    client: httpx.Client | None = None,
) -> bool:
    """Put an agent's live message into the buyer's open widget, and into the
    conversation with the agent as its author (the console and transcript show
    who wrote it). True when the widget got it. False (logged) when the chat is
    not open on the socket.io channel or the push failed: the message stays
    undelivered in the database and the buyer's next message shows it
    (actions/handoff.py)."""
    try:
        if not settings.rasa_token:
            log.warning("Live message in %s: RASA_TOKEN is not set", conversation_id)
            return False
        rasa = RasaHttp(settings.rasa_url, settings.rasa_token, client=client)
        channel = rasa.latest_input_channel(conversation_id)
        if channel != SOCKET_CHANNEL_NAME:
            log.info(
                "Live message in %s: the chat is on %r, not open; shown at the "
                "buyer's next message",
                conversation_id,
                channel,
            )
            return False
        rasa.append_bot_message(
            conversation_id, text, {"author": "agent", "agent": agent}
        )
        return True
    except Exception as exc:
        log.warning(
            "Live message in %s failed (%s: %s); shown at the buyer's next message",
            conversation_id,
            type(exc).__name__,
            exc,
        )
        return False


def push_handoff_closed(
    conversation_id: str, *, settings: Any, client: httpx.Client | None = None
) -> bool:
    """Tell the conversation the agent handed back: the bot resumes and says so
    (actions/handoff.py `action_handoff_resume`). If this fails, the bot takes
    over at the buyer's next message (`action_handoff_relay` finds the hand-off
    over)."""
    try:
        if not settings.rasa_token:
            log.warning("Hand back in %s: RASA_TOKEN is not set", conversation_id)
            return False
        rasa = RasaHttp(settings.rasa_url, settings.rasa_token, client=client)
        rasa.trigger_intent(conversation_id, HANDOFF_CLOSED_INTENT)
        return True
    except Exception as exc:
        log.warning(
            "Hand back in %s failed (%s: %s)",
            conversation_id,
            type(exc).__name__,
            exc,
        )
        return False
