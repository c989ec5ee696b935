"""Fixtures for the action unit tests: a real temporary SQLite database with the
demo data, the clock fixed at 2026-11-26T10:00-08:00, the domain, and `Chat`,
a small driver that plays a conversation through the custom actions.

`Chat` stands in for Rasa's dialogue engine, and only for it:
- slot extraction as domain.yml maps it (`order_id` from the entity, the form's
  requested slot from the message text, the `from_intent` mappings);
- the next action as data/rules/*.yml says (the rules are read, not copied, so a
  test fails when a rule and an action disagree), including the rules whose
  condition is a slot set to true (the pending "Would you like a replacement?");
- order_form as Rasa runs it: the validation action with this turn's
  candidates, then the ask action or response of the slot it requests, or the
  decision when it requests none;
- every bot message rendered by Rasa's own response generator from domain.yml,
  so tests assert on what the buyer reads; data-only messages (the widget's
  cues, `custom`) are kept apart, per turn, in `data`.
The actions themselves run for real, over the database, through `action.run`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.product  # noqa: F401 - registers the ask actions (_ask_actions)
from actions.base import BotServices, CsbaAction
from actions.fallback import ActionFallback
from actions.inquiry import ActionStartInquiry
from actions.orders import ValidateOrderForm
from actions.returns import ActionDamageRemedy
from actions.same_question import ActionSameQuestion
from actions.session import ActionCheckUpdates, ActionSessionStart
from actions.small_talk import ActionSmallTalk
from actions.triage import ActionTriage
from bot.adapters import schema
from bot.adapters.db import make_engine
from bot.services import importer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
RULES_DIR = PROJECT_ROOT / "data" / "rules"
DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "demo.json"

NOW = "2026-11-26T10:00:00-08:00"
FORM = "order_form"
FORM_SLOTS = ("has_ordered", "order_id", "zip_code", "product_asin", "new_address")


# --- database, clock, services ------------------------------------------------


@pytest.fixture
def fixed_now(monkeypatch) -> str:
    monkeypatch.setenv("CSBA_NOW", NOW)
    return NOW


@pytest.fixture
def demo_db_url(tmp_path, fixed_now) -> str:
    """A migrated SQLite file holding data/demo/demo.json."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    schema.upgrade(url)
    engine = make_engine(url)
    try:
        importer.load_file(DEMO_FILE, engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def services(demo_db_url) -> Iterator[BotServices]:
    svc = BotServices(database_url=demo_db_url)
    yield svc
    svc.dispose()


@pytest.fixture
def down_services(fixed_now) -> Iterator[BotServices]:
    """Services whose database refuses connections (nothing listens on port 1)."""
    svc = BotServices(database_url="postgresql://csba:csba@127.0.0.1:1/csba")
    yield svc
    svc.dispose()


# --- domain and rules --------------------------------------------------------------


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Rules:
    """What data/rules/*.yml make the bot do, keyed by intent and by outcome."""

    after_intent: dict[str, list[str]]  # intent -> actions (up to the form)
    after_outcome: dict[tuple[str, str], list[str]]  # (action, outcome) -> utters
    # (slot that must be true, intent) -> actions
    when_slot: dict[tuple[str, str], list[str]] = field(default_factory=dict)


# The actions whose `outcome` the rules turn into replies.
DECIDING_ACTIONS = (
    "action_triage",
    "action_fallback",
    "action_damage_remedy",
    "action_small_talk",
    "action_same_question",
)


def load_rules() -> Rules:
    after_intent: dict[str, list[str]] = {}
    after_outcome: dict[tuple[str, str], list[str]] = {}
    when_slot: dict[tuple[str, str], list[str]] = {}
    for path in sorted(RULES_DIR.glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            steps = rule["steps"]
            if "condition" in rule:
                slots = [
                    name
                    for step in rule["condition"]
                    for slot in step.get("slot_was_set") or []
                    for name, value in slot.items()
                    if value is True
                ]
                if slots and "intent" in steps[0]:
                    actions = [s["action"] for s in steps[1:] if "action" in s]
                    when_slot[(slots[0], steps[0]["intent"])] = actions
                continue
            first = steps[0]
            if "intent" in first:
                actions = [s["action"] for s in steps[1:] if "action" in s]
                if "slot_was_set" in str(steps):
                    # the action before the outcome decides what follows
                    at = next(i for i, s in enumerate(steps) if "slot_was_set" in s)
                    before = [s["action"] for s in steps[1:at] if "action" in s]
                    outcome = steps[at]["slot_was_set"][0]["outcome"]
                    after_outcome[(before[-1], outcome)] = [
                        s["action"] for s in steps[at + 1 :] if "action" in s
                    ]
                    after_intent.setdefault(first["intent"], before)
                else:
                    after_intent[first["intent"]] = actions
            elif first.get("action") in DECIDING_ACTIONS:
                outcome = steps[1]["slot_was_set"][0]["outcome"]
                after_outcome[(first["action"], outcome)] = [
                    s["action"] for s in steps[2:] if "action" in s
                ]
    return Rules(after_intent, after_outcome, when_slot)


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def nlg():
    """Rasa's response generator over domain.yml, and its Domain."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    rasa_domain = Domain.load(str(DOMAIN_FILE))
    return TemplatedNaturalLanguageGenerator(rasa_domain.responses), rasa_domain


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


# --- trackers -------------------------------------------------------------------------


def user_event(
    text: str,
    intent: str,
    entities: Iterable[tuple[str, str]] = (),
    metadata: dict[str, Any] | None = None,
    confidence: float = 0.98,
    ranking: Iterable[str] = (),
) -> dict[str, Any]:
    """A user event as Rasa records it; `ranking`: the intents the NLU ranked
    after `intent`, best first (parse_data's intent_ranking), each a name
    (confidence 0.01) or (name, confidence)."""
    pairs = (r if isinstance(r, tuple) else (r, 0.01) for r in ranking)
    others = [{"name": name, "confidence": c} for name, c in pairs]
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": e, "value": v} for e, v in entities],
            "intent_ranking": [{"name": intent, "confidence": confidence}, *others],
        },
        "metadata": metadata or {},
    }


def make_tracker(
    *,
    sender_id: str = "anon-test",
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    events = list(events or [])
    latest = next((e for e in reversed(events) if e["event"] == "user"), None)
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": dict(slots or {}),
            "latest_message": dict(latest["parse_data"]) if latest else {},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": None,
        }
    )


@pytest.fixture
def tracker_factory():
    return make_tracker


# --- the conversation driver ---------------------------------------------------------


@dataclass
class Message:
    response: str | None
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)


class Chat:
    """One conversation, turn by turn; see the module docstring."""

    def __init__(
        self,
        services: BotServices,
        domain: dict[str, Any],
        rules: Rules,
        nlg: Any,
        *,
        sender_id: str = "anon-test",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.services = services
        self.domain = domain
        self.rules = rules
        self.generator, self.rasa_domain = nlg
        self.sender_id = sender_id
        self.metadata = metadata or {}
        self.slots: dict[str, Any] = self._initial_slots()
        self.events: list[dict[str, Any]] = []
        self.user_at = 0  # where the latest user message is in `events`
        self.form_active = False
        self.turns: list[list[Message]] = []
        # data-only messages (`custom`), per turn: the widget's cues, no text
        self.data: list[list[dict[str, Any]]] = []
        self.actions_run: list[str] = []

    # -- public ------------------------------------------------------------------

    def say(
        self,
        text: str,
        intent: str,
        *,
        order_id: str | Sequence[str] | None = None,
        metadata: dict[str, Any] | None = None,
        ranking: Iterable[str] = (),
    ) -> list[Message]:
        """The buyer sends a message; returns what the bot answered. `order_id`:
        the order numbers the NLU found in it; `ranking`: the intents the NLU
        ranked next, best first."""
        return asyncio.run(self._say(text, intent, order_id, metadata, ranking))

    def start_session(self) -> list[Message]:
        async def go() -> list[Message]:
            self.turns.append([])
            self.data.append([])
            self.slots["session_started_metadata"] = dict(self.metadata)
            await self._run(ActionSessionStart(self.services))
            return self.turns[-1]

        return asyncio.run(go())

    @property
    def last(self) -> list[Message]:
        return self.turns[-1]

    def responses(self, turn: int = -1) -> list[str | None]:
        return [m.response for m in self.turns[turn]]

    def texts(self, turn: int | None = None) -> list[str]:
        turns = self.turns if turn is None else [self.turns[turn]]
        return [m.text for t in turns for m in t]

    # -- one turn --------------------------------------------------------------------

    async def _say(self, text, intent, order_id, metadata, ranking) -> list[Message]:
        self.turns.append([])
        self.data.append([])
        ids = [order_id] if isinstance(order_id, str) else list(order_id or ())
        entities = [("order_id", value) for value in ids]
        self.user_at = len(self.events)
        self.events.append(
            user_event(
                text,
                intent,
                entities,
                metadata if metadata is not None else self.metadata,
                ranking=ranking,
            )
        )
        candidates = self._extract(text, entities, intent)
        conditional = [
            actions
            for (slot, when), actions in self.rules.when_slot.items()
            if when == intent and self.slots.get(slot) is True
        ]
        if self.form_active:
            await self._form(candidates)
        elif conditional:
            for name in conditional[0]:
                await self._run_named(name)
        elif intent in self.rules.after_intent:
            await self._steps(self.rules.after_intent[intent])
        else:
            raise AssertionError(f"no rule for intent {intent}")
        return self.turns[-1]

    async def _steps(self, names: list[str]) -> None:
        """A rule's actions: responses, custom actions, the order form."""
        for name in names:
            if name == FORM:
                # the slots already set; and, as in Rasa, an order number the
                # message's entities filled is a candidate at activation even
                # when an action set the slot back to None (the validation then
                # reads the entities itself)
                prefilled = {
                    s: self.slots.get(s) for s in FORM_SLOTS if self.slots.get(s)
                }
                if any(
                    event.get("event") == "slot" and event["name"] == "order_id"
                    for event in self.events[self.user_at :]
                ):
                    prefilled.setdefault("order_id", self.slots.get("order_id"))
                await self._form(prefilled, activating=True)
            elif name.startswith("utter_"):
                await self._utter(name)
            elif await self._run_named(name):
                return  # a longer rule took over after the action (RulePolicy)

    def _extract(
        self, text: str, entities: list[tuple[str, str]], intent: str
    ) -> dict[str, Any]:
        """action_extract_slots, as the slot mappings of domain.yml say."""
        found: dict[str, Any] = {}
        for name, spec in self.domain["slots"].items():
            for mapping in spec.get("mappings") or []:
                if mapping.get("type") != "from_intent":
                    continue
                wanted, unwanted = mapping.get("intent"), mapping.get("not_intent")
                if (wanted and intent not in _as_list(wanted)) or (
                    unwanted and intent in _as_list(unwanted)
                ):
                    continue
                value = mapping.get("value")
                # Rasa sets None only over a value (`outcome`: no_reply_yet)
                if value is not None or self.slots.get(name) is not None:
                    self._set(name, value)
                break
        values = [v for e, v in entities if e == "order_id"]
        if values:
            found["order_id"] = values[0]
        requested = self.slots.get("requested_slot") if self.form_active else None
        if requested in FORM_SLOTS and requested not in found and text:
            found[requested] = text
        for name, value in found.items():
            self._set(name, value)
        return found

    async def _form(self, candidates: dict[str, Any], activating: bool = False) -> None:
        """order_form: validate, then ask for the requested slot or finish."""
        self.form_active = True
        # as Rasa's FormAction: at activation, the slot to fill is the first
        # required slot without a value (FormAction.get_slot_to_fill)
        first_empty = next((s for s in FORM_SLOTS if self.slots.get(s) is None), None)
        marker = [
            {
                "event": "slot",
                "name": "requested_slot",
                "value": first_empty if activating else self.slots.get("requested_slot"),
            },
            {"event": "action", "name": FORM},
        ] + [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
        await self._run(ValidateOrderForm(self.services), extra_events=marker)
        requested = self.slots.get("requested_slot")
        if requested:
            # as Rasa: the domain's action_ask_<slot> when it has one, else utter_ask_<slot>
            ask = f"action_ask_{requested}"
            if ask in self.domain["actions"]:
                await self._run(_ask_actions()[ask](self.services))
            else:
                await self._utter(f"utter_ask_{requested}")
            return
        self.form_active = False
        await self._run_named("action_triage")

    async def _run_named(self, name: str) -> bool:
        """Runs a custom action; after a deciding action, what the rules say
        follows its `outcome` (True: the rest of the calling rule does not run,
        as a longer rule wins in Rasa's RulePolicy)."""
        classes = {
            "action_start_inquiry": ActionStartInquiry,
            "action_triage": ActionTriage,
            "action_fallback": ActionFallback,
            "action_check_updates": ActionCheckUpdates,
            "action_small_talk": ActionSmallTalk,
            "action_damage_remedy": ActionDamageRemedy,
            "action_same_question": ActionSameQuestion,
        }
        events = await self._run(classes[name](self.services))
        followups = [e["name"] for e in events if e["event"] == "followup"]
        if followups:
            # FollowupAction: Rasa runs that action next, whatever the rule said
            assert followups == [FORM], followups
            await self._steps([FORM])
            return True
        outcome_key = (name, self.slots.get("outcome"))
        if name in DECIDING_ACTIONS:
            assert outcome_key in self.rules.after_outcome, f"no rule for {outcome_key}"
            await self._steps(self.rules.after_outcome[outcome_key])
            return True
        return False

    # -- running actions and rendering -------------------------------------------------

    async def _run(
        self, action: Any, extra_events: list[dict[str, Any]] = ()
    ) -> list[dict]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            sender_id=self.sender_id,
            slots=self.slots,
            events=self.events + list(extra_events),
            active_loop=FORM if self.form_active else None,
        )
        events = await action.run(dispatcher, tracker, self.domain)
        self.actions_run.append(action.name())
        self.events.append({"event": "action", "name": action.name()})
        for message in dispatcher.messages:
            await self._render(message)
        for event in events:
            self._apply(event)
        return events

    def _apply(self, event: dict[str, Any]) -> None:
        # Events are what Rasa would store: they must serialise to JSON.
        json.dumps(event)
        if event["event"] == "slot":
            self._set(event["name"], event["value"])
        elif event["event"] == "session_started":
            self.slots = self._initial_slots()
            self.events.append(event)
        else:
            self.events.append(event)

    def _set(self, name: str, value: Any) -> None:
        assert name in self.domain["slots"] or name in (
            "requested_slot",
            "session_started_metadata",
        ), f"unknown slot {name}"
        self.slots[name] = value
        self.events.append({"event": "slot", "name": name, "value": value})

    async def _utter(self, name: str) -> None:
        # a response is an action of the tracker, as Rasa records it
        self.events.append({"event": "action", "name": name})
        await self._render({"response": name})

    async def _render(self, message: dict[str, Any]) -> None:
        from rasa.shared.core.events import SlotSet
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = DialogueStateTracker.from_events(
            self.sender_id, [], slots=self.rasa_domain.slots
        )
        for name, value in self.slots.items():
            if tracker.slots.get(name) is not None or name in self.domain["slots"]:
                tracker.update(SlotSet(name, value))
        if message.get("custom") is not None and not message.get("response"):
            self.data[-1].append(message["custom"])
            return
        name = message.get("response")
        kwargs = {
            k: v
            for k, v in message.items()
            if k not in ("response", "buttons", "template")
        }
        if name:
            assert name in self.domain["responses"], f"unknown response {name}"
            draft = await self.generator.generate(name, tracker, "rest", **kwargs)
            assert draft is not None, name
        else:
            draft = {"text": message.get("text") or ""}
        buttons = list(draft.get("buttons") or []) + list(message.get("buttons") or [])
        self.turns[-1].append(Message(name, draft.get("text") or "", buttons))

    def _initial_slots(self) -> dict[str, Any]:
        return {
            name: spec.get("initial_value")
            for name, spec in self.domain["slots"].items()
        } | {"requested_slot": None}


def _ask_actions() -> dict[str, type[CsbaAction]]:
    """The custom actions by name (each concrete CsbaAction of actions/)."""
    found: dict[str, type[CsbaAction]] = {}
    pending = list(CsbaAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not inspect.isabstract(cls) and cls.__module__.startswith("actions."):
            found[cls().name()] = cls
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def chat_factory(services, domain, rules, nlg):
    def make(**kwargs: Any) -> Chat:
        return Chat(kwargs.pop("services", services), domain, rules, nlg, **kwargs)

    return make


@pytest.fixture
def token_chat(chat_factory):
    """A conversation of a buyer proven by a real signed token."""
    from bot.services.identity import (
        conversation_id_for,
        issue_buyer_token,
        verify_buyer_token,
    )

    def make(buyer_id: str, conversation: str = "chat-1", **kwargs: Any) -> Chat:
        token = issue_buyer_token(buyer_id, conversation=conversation)
        sender = conversation_id_for(verify_buyer_token(token))
        metadata = {"csba": {"token": token, "buyer_id": buyer_id, "auth": "token"}}
        return chat_factory(sender_id=sender, metadata=metadata, **kwargs)

    return make


B1_TENT = "112-0000017-0000017"  # B-1's tent: added by the `b1_tent` fixture


@pytest.fixture
def b1_tent(services):
    """B-1 also bought the tent (seller S-200, shipped to B-1's 98101): an order
    written to this test's database through the importer."""
    from bot.services import importer

    order = {
        "id": B1_TENT,
        "buyer_id": "B-1",
        "seller_id": "S-200",
        "fulfillment": "seller",
        "placed_at": "2026-11-14T18:00:00Z",
        "status": "delivered",
        "shipped_at": "2026-11-15T18:00:00Z",
        "delivered_at": "2026-11-19T21:00:00Z",
        "promised_delivery_by": "2026-11-21T07:00:00Z",
        "carrier": "FedEx",
        "tracking_number": "771234567017",
        "ship_to": {"country": "US", "postal_code": "98101"},
        "items": [
            {
                "asin": "B0PACO0001",
                "quantity": 1,
                "unit_price": "219.00",
                "customization": None,
            }
        ],
    }
    with services.session() as session:
        importer.load_document(session, {"orders": [order]})
    return B1_TENT
