"""What the agents' open pages hear (issue 14), over bot.adapters.live_signal.

- `handoff_changed`: the message-bus handler of HandoffChanged: the live
  inbox and the hand-off's chat page refresh.
- `conversation_changed`: new messages in a conversation (after Rasa stored
  them): its chat page refreshes.
- `buyer_typing`: the chat page shows "the buyer is typing".
"""

from __future__ import annotations

from bot.adapters import live_signal
from bot.services.events import HandoffChanged


def handoff_changed(event: HandoffChanged) -> None:
    live_signal.signal(live_signal.INBOX, "inbox", handoff_id=event.handoff_id)
    live_signal.signal(
        live_signal.conversation_topic(event.conversation_id),
        "changed",
        handoff_id=event.handoff_id,
    )


def conversation_changed(conversation_id: str) -> None:
    live_signal.signal(live_signal.conversation_topic(conversation_id), "changed")


def buyer_typing(conversation_id: str) -> None:
    live_signal.signal(live_signal.conversation_topic(conversation_id), "typing")
