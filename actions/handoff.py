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

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import MAX_QUOTE_CHARS, CsbaAction, Turn, clean_text
from bot.config import DEFAULT_AGENT_HOURS, MARKETPLACE_TZ, agent_hours_text
from bot.domain.handoff import AgentHours, HandoffState
from bot.services import agent_presence, handoff, ratings
from bot.services.presentation import buyer_deadline

log = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff"
# What a buyer's message in a live chat gets back from the bot: data, no words.
DELIVERED = {"handoff": "delivered"}
# After the agent handed back: the widget asks the buyer "Was this helpful?".
ASK_HELPFUL = {"handoff": "closed", "ask": "helpful"}


def agent_hours() -> AgentHours:
    """CSBA_AGENT_HOURS on the marketplace's clock; a value that does not parse
    is logged and the default is used (a buyer asking for a person must not
    get "service unavailable" for a setting)."""
    try:
        return AgentHours.parse(agent_hours_text(), MARKETPLACE_TZ)
    except ValueError as exc:
        log.error("CSBA_AGENT_HOURS: %s; using %s", exc, DEFAULT_AGENT_HOURS)
        return AgentHours.parse(DEFAULT_AGENT_HOURS, MARKETPLACE_TZ)


def restored_handoff(services: Any, conversation_id: str) -> list[EventType]:
    """At a session start: the slot of the hand-off still open in the
    database, if any. A database failure leaves it unset (logged): the bot
    then answers, which beats a session that cannot start."""
    try:
        with services.session() as session:
            view = handoff.active(session, conversation_id=conversation_id)
    except Exception:
        log.exception(
            "Cannot read the hand-off of %s at session start", conversation_id
        )
        return []
    return [SlotSet(HANDOFF_SLOT, view.state)] if view is not None else []


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


def deliver_pending(
    dispatcher: CollectingDispatcher, session: Any, conversation_id: str, now: Any
) -> None:
    """Show the agent messages the chat has not shown yet (it was not open, or
    the push failed), each once."""
    pending = handoff.undelivered(session, conversation_id=conversation_id)
    for message in pending:
        dispatcher.utter_message(
            response="utter_handoff_agent_message",
            agent_name=message.agent,
            agent_text=clean_text(message.text, MAX_QUOTE_CHARS),
        )
    handoff.mark_delivered(session, message_ids=[m.id for m in pending], now=now)


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
            deliver_pending(dispatcher, session, turn.conversation_id, turn.now)
            view, queue = handoff.status(
                session, conversation_id=turn.conversation_id, now=turn.now
            )
            if view is not None and view.state == HandoffState.WAITING.value:
                if queue is None:
                    # every agent went away while the buyer waited: the case
                    # with the 2-day commitment, as when nobody was online
                    return self._no_agent_left(dispatcher, session, view, turn)
        if view is None:
            dispatcher.utter_message(response="utter_handoff_over")
            return ended_slots()
        if view.state == HandoffState.LIVE.value:
            # The agent answers, not the bot. The channels never leave a buyer
            # in silence (an empty reply reads as "unavailable"), so this says
            # "delivered" in data only: the widget shows nothing for it.
            dispatcher.utter_message(json_message=DELIVERED)
            return [SlotSet(HANDOFF_SLOT, HandoffState.LIVE.value)]
        events = waiting_slots(queue.position, queue.wait_minutes)
        dispatcher.utter_message(
            response="utter_handoff_still_waiting",
            handoff_position=str(queue.position),
            handoff_wait=str(queue.wait_minutes),
        )
        return events

    def _no_agent_left(
        self,
        dispatcher: CollectingDispatcher,
        session: Any,
        view: handoff.HandoffView,
        turn: Turn,
    ) -> list[EventType]:
        opened = handoff.give_up_to_case(
            session,
            conversation_id=turn.conversation_id,
            question=turn.text or view.reason_code,
            now=turn.now,
            notifier=self.services.notifier,
            language=turn.language,
        )
        dispatcher.utter_message(
            response="utter_handoff_no_agent_case",
            case_id=str(opened.case.id),
            buyer_due=buyer_deadline(
                opened.case.buyer_due_at, now=turn.now, language=turn.language
            ),
        )
        return ended_slots() + [SlotSet("case_id", str(opened.case.id))]


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
            deliver_pending(dispatcher, session, turn.conversation_id, turn.now)
            view = handoff.active(session, conversation_id=turn.conversation_id)
            if view is not None and view.state == HandoffState.LIVE.value:
                # an old "back to the assistant" button: the agent has the chat
                # and hands it back; the buyer's click goes to them as a message
                name = agent_presence.agent_name(session, view.agent_id) or ""
                dispatcher.utter_message(
                    response="utter_handoff_cancel_live", agent_name=name
                )
                return [SlotSet(HANDOFF_SLOT, HandoffState.LIVE.value)]
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
        rateable = None
        with self.services.session() as session:
            still = handoff.active(session, conversation_id=turn.conversation_id)
            if still is None:
                deliver_pending(dispatcher, session, turn.conversation_id, turn.now)
                rateable = ratings.rateable_handoff(
                    session, conversation_id=turn.conversation_id, now=turn.now
                )
        if still is not None:
            # a stale or forged signal: the agent still has the chat
            return [SlotSet(HANDOFF_SLOT, still.state)]
        dispatcher.utter_message(response="utter_handoff_back")
        if rateable is not None:
            # data only: the widget asks "Was this helpful?" and posts the
            # answer to the web app (/chat/rating), never as an intent
            dispatcher.utter_message(json_message=ASK_HELPFUL)
        return ended_slots()
