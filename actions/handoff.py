"""The live hand-off in the chat (issue 14, bot.services.handoff).

`action_triage` starts it (a buyer asked for a person and an agent is online:
the slot `handoff` becomes "waiting"). From then on HandoffPolicy
(bot.entrypoints.rasa.handoff_policy) sends every buyer message here instead of
to the bot:
- `action_handoff_relay`: the message is already in the conversation, where the
  agent reads it. A waiting buyer is told their place and wait again; a buyer
  in a live chat hears nothing from the bot. When the hand-off ended without
  the chat hearing of it, the bot takes over again and says so.
- `action_handoff_cancel`: the buyer's "back to the assistant" button.
- `action_handoff_resume`: the agent handed back (the web app runs the external
  intent `EXTERNAL_handoff_closed` after its commit).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import CsbaAction, Turn
from bot.domain.handoff import HandoffState
from bot.services import handoff

HANDOFF_SLOT = "handoff"
# What a buyer's message in a live chat gets back from the bot: data, no words.
DELIVERED = {"handoff": "delivered"}


def waiting_slots(position: int | None, minutes: int | None) -> list[EventType]:
    return [
        SlotSet("handoff_position", None if position is None else str(position)),
        SlotSet("handoff_wait", None if minutes is None else str(minutes)),
    ]


def handoff_started(asked: handoff.HandoffRequest) -> list[EventType]:
    """The slots of a buyer who just joined the queue (or already was in it)."""
    queue = asked.queue
    state = asked.handoff.state if asked.handoff else None
    return [SlotSet(HANDOFF_SLOT, state)] + waiting_slots(
        queue.position if queue else None, queue.wait_minutes if queue else None
    )


def ended_slots() -> list[EventType]:
    return [SlotSet(HANDOFF_SLOT, None), *waiting_slots(None, None)]


class ActionHandoffRelay(CsbaAction):
    def name(self) -> str:
        return "action_handoff_relay"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        with self.services.session() as session:
            view, queue = handoff.status(
                session, conversation_id=turn.conversation_id, now=turn.now
            )
        if view is None:
            dispatcher.utter_message(response="utter_handoff_over")
            return ended_slots()
        if view.state == HandoffState.LIVE.value:
            # The agent answers, not the bot. The channels never leave a buyer
            # in silence (an empty reply reads as "unavailable"), so this says
            # "delivered" in data only: the widget shows nothing for it.
            dispatcher.utter_message(json_message=DELIVERED)
            return [SlotSet(HANDOFF_SLOT, HandoffState.LIVE.value)]
        if queue is None:
            # waiting, but every agent went away meanwhile
            dispatcher.utter_message(response="utter_handoff_no_estimate")
            return [SlotSet(HANDOFF_SLOT, HandoffState.WAITING.value)]
        events = waiting_slots(queue.position, queue.wait_minutes)
        dispatcher.utter_message(
            response="utter_handoff_still_waiting",
            handoff_position=str(queue.position),
            handoff_wait=str(queue.wait_minutes),
        )
        return events


class ActionHandoffCancel(CsbaAction):
    def name(self) -> str:
        return "action_handoff_cancel"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        with self.services.session() as session:
            handoff.cancel(session, conversation_id=turn.conversation_id, now=turn.now)
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return ended_slots()


class ActionHandoffResume(CsbaAction):
    def name(self) -> str:
        return "action_handoff_resume"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        with self.services.session() as session:
            still = handoff.active(session, conversation_id=turn.conversation_id)
        if still is not None:
            # a stale or forged signal: the agent still has the chat
            return [SlotSet(HANDOFF_SLOT, still.state)]
        dispatcher.utter_message(response="utter_handoff_back")
        return ended_slots()
