"""Rasa's HTTP API, as the web app uses it (server side only, token-protected):
read where a conversation's latest message came from, run an external intent
in a conversation, add an agent's message to it (live hand-off), classify a
text with the bot's NLU (`parse`) and record events of a conversation that
did not come through a channel (a seller's transfer). And
`ask_signed`: a question to the project's own socket.io channel in Rasa,
signed like the live signals (bot.adapters.live_signal)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.adapters.live_signal import SIGNATURE_HEADER, signed_body

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
ASK_TIMEOUT_SECONDS = 1.0
# A whole turn: the NLU, the actions and their database work.
EMAIL_TURN_TIMEOUT_SECONDS = 60.0
EMAIL_WEBHOOK = "/webhooks/csba_email/webhook"


class RasaHttpError(Exception):
    """Rasa answered with an HTTP error."""


class RasaHttp:
    """One Rasa server at `base_url` with the API `token`. `client`: an httpx
    client to use (tests); otherwise each call opens its own."""

    def __init__(
        self, base_url: str, token: str, *, client: httpx.Client | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._client = client

    def _conversation(self, conversation_id: str) -> str:
        return f"{self._base}/conversations/{quote(conversation_id, safe='')}"

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self._client is not None:
            return self._client.request(method, url, **kwargs)
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            return client.request(method, url, **kwargs)

    def latest_input_channel(self, conversation_id: str) -> str | None:
        response = self._call(
            "GET",
            self._conversation(conversation_id) + "/tracker",
            params={"token": self._token, "include_events": "NONE"},
        )
        if response.status_code != 200:
            raise RasaHttpError(f"tracker answered HTTP {response.status_code}")
        return response.json().get("latest_input_channel")

    def trigger_intent(self, conversation_id: str, intent: str) -> None:
        """Run `intent` in the conversation; its replies go to the latest channel."""
        response = self._call(
            "POST",
            self._conversation(conversation_id) + "/trigger_intent",
            params={"token": self._token, "output_channel": "latest"},
            json={"name": intent, "entities": {}},
        )
        if response.status_code != 200:
            raise RasaHttpError(
                f"trigger_intent answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )

    def append_bot_message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> None:
        """Add a bot message written by someone else (an agent: `metadata` names
        the author) to the conversation, and send it to the latest channel."""
        response = self._call(
            "POST",
            self._conversation(conversation_id) + "/tracker/events",
            params={
                "token": self._token,
                "output_channel": "latest",
                "execute_side_effects": "true",
            },
            json=[{"event": "bot", "text": text, "metadata": metadata}],
        )
        if response.status_code != 200:
            raise RasaHttpError(
                f"tracker/events answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )

    def parse(self, text: str) -> dict[str, Any]:
        """The bot's NLU on `text` (`POST /model/parse`): {"intent": {"name",
        "confidence"}, "entities": [...], ...}. The caller keeps a leading `/`
        out of `text` (Rasa reads it as an intent)."""
        response = self._call(
            "POST",
            f"{self._base}/model/parse",
            params={"token": self._token},
            json={"text": text},
        )
        if response.status_code != 200:
            raise RasaHttpError(f"model/parse answered HTTP {response.status_code}")
        data = response.json()
        if not isinstance(data, dict):
            raise RasaHttpError("model/parse answered something else than an object")
        return data

    def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Add `events` to the conversation's tracker, sending nothing to any channel."""
        response = self._call(
            "POST",
            self._conversation(conversation_id) + "/tracker/events",
            params={"token": self._token, "execute_side_effects": "false"},
            json=events,
        )
        if response.status_code != 200:
            raise RasaHttpError(
                f"tracker/events answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )


    def email_turn(
        self, chat_token: str, text: str, message_id: str
    ) -> list[dict[str, Any]]:
        """One buyer turn through the email channel (`csba_email`): the bot's
        messages (`text`, `buttons`...). `chat_token` is the buyer token the
        mail's sender was matched to; `message_id` marks the turn in the tracker
        (see `turn_replies`)."""
        response = self._call(
            "POST",
            self._base + EMAIL_WEBHOOK,
            headers={"Authorization": f"Bearer {chat_token}"},
            json={"message": text, "message_id": message_id},
            timeout=EMAIL_TURN_TIMEOUT_SECONDS,
        )
        if response.status_code != 200:
            raise RasaHttpError(
                f"the email channel answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )
        messages = response.json()
        if not isinstance(messages, list):
            raise RasaHttpError("the email channel did not answer a list")
        return [m for m in messages if isinstance(m, dict)]

    def turn_replies(
        self, conversation_id: str, message_id: str
    ) -> list[dict[str, Any]] | None:
        """The bot's messages after the user message `message_id`, from the
        tracker; None when the conversation has no such message (the turn
        never ran)."""
        response = self._call(
            "GET",
            self._conversation(conversation_id) + "/tracker",
            params={"token": self._token, "include_events": "ALL"},
        )
        if response.status_code != 200:
            raise RasaHttpError(f"tracker answered HTTP {response.status_code}")
        events = response.json().get("events") or []
        replies: list[dict[str, Any]] | None = None
        for event in events:
            kind = event.get("event")
            if kind == "user":
                if replies is not None:
                    break  # the next turn
                if event.get("message_id") == message_id:
                    replies = []
            elif kind == "bot" and replies is not None:
                data = event.get("data") or {}
                message = {"text": event.get("text") or ""}
                if data.get("buttons"):
                    message["buttons"] = data["buttons"]
                replies.append(message)
        return replies


def ask_signed(url: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """POST a signed payload to another process of the project and return its
    JSON object answer; None on any failure (logged). Never raises."""
    try:
        body, signature = signed_body(payload)
        answer = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            timeout=ASK_TIMEOUT_SECONDS,
        )
        answer.raise_for_status()
        data = answer.json()
        return data if isinstance(data, dict) else None
    except Exception as exc:
        log.warning(
            "Signed request to %s failed (%s: %s)", url, type(exc).__name__, exc
        )
        return None
