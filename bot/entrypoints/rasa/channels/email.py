"""The email channel: buyers' mails, as the mail poller hands them to Rasa.

In `credentials.yml`:

    bot.entrypoints.rasa.channels.email.EmailInput: {}

Webhook: `POST /webhooks/csba_email/webhook` with `Authorization: Bearer
<buyer token>` and `{"message": "...", "message_id": "..."}`. It is the token
REST channel (bot.entrypoints.rasa.channels.rest) with three differences:
- only buyer tokens: the poller (bot.services.email_inbox) issues one for the
  buyer whose address sent the mail, for the mail's thread; a request without
  one is 401, so nobody opens an anonymous conversation here;
- the user message keeps the poller's `message_id` (a hash of the mail's
  Message-ID), so that the poller can tell, after a crash, whether the turn
  already ran (`RasaHttp.turn_replies`) instead of running it twice;
- its output channel is named `csba_email` too, so that the responses'
  `channel: csba_email` variations in domain.yml speak of email, not "this
  chat";
- the conversation's `input_channel` is `csba_email`: live pushes
  (bot.services.push) skip it, and a seller's answer goes out by email.
A client gains nothing it could not do with the same token on `csba_rest`.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from bot.entrypoints.rasa.channels.rest import TokenRestInput

EMAIL_CHANNEL_NAME = "csba_email"
_MESSAGE_ID_RE = re.compile(r"[0-9a-f]{64}")


class EmailOutput(CollectingOutputChannel):
    """Collects the turn's messages; named so that domain.yml's `channel:
    csba_email` variations ("you'll hear back by email") are the ones chosen."""

    @classmethod
    def name(cls) -> str:
        return EMAIL_CHANNEL_NAME


class EmailInput(TokenRestInput):
    buyer_token_only = True

    @classmethod
    def name(cls) -> str:
        return EMAIL_CHANNEL_NAME

    def collector(self) -> CollectingOutputChannel:
        return EmailOutput()

    def message_id_of(self, body: dict[str, Any]) -> str | None:
        value = body.get("message_id")
        if isinstance(value, str) and _MESSAGE_ID_RE.fullmatch(value):
            return value
        return None
