"""What happened in a unit of work that something outside it must hear about.

A service publishes an event on its session (`messagebus.publish`); the message bus
hands it to its handlers once the session's outermost transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.case_views import CaseView


@dataclass(frozen=True)
class Event:
    """The base of every message-bus event."""


@dataclass(frozen=True)
class CaseOpened(Event):
    """A seller case was opened: its seller hears of it (`seller`: a
    notifications.SellerContact). `notifier` None: the default EmailNotifier."""

    case: CaseView
    seller: Any
    notifier: Any = None


@dataclass(frozen=True)
class CaseEscalated(Event):
    """Nobody answered a seller case within 24 h: CSBA took it over, and the
    seller hears of it."""

    case: CaseView
    seller: Any
    notifier: Any = None


@dataclass(frozen=True)
class BuyerAddedToCase(Event):
    """The buyer added something the seller must read before acting to an open
    seller case (a cancellation taken back: bot.services.follow_ups): the
    seller gets an email with the new message."""

    case: CaseView
    seller: Any
    notifier: Any = None


@dataclass(frozen=True)
class EnrollmentChanged(Event):
    """A seller opted in to CSBA or out of it (`change`: "opted_in" or
    "opted_out"; `period`: the domain's EnrollmentPeriod after the change):
    the seller gets an email (`seller`: a notifications.SellerContact)."""

    seller: Any
    change: str
    period: Any
    notifier: Any = None


@dataclass(frozen=True)
class HandoffChanged(Event):
    """A live hand-off was queued, claimed, given, closed or cancelled: the
    agents' open pages hear of it (bot.services.live_updates)."""

    handoff_id: int
    conversation_id: str


@dataclass(frozen=True)
class InquiryTransferred(Event):
    """A seller transferred a buyer's inquiry to CSBA (bot.services.transfer):
    the tracker store records it as a conversation on the `seller_transfer`
    channel, and, when CSBA took it, the buyer gets the chat's `answer` by
    email (`buyer`: the order's domain Buyer). `transfer`: the TransferView;
    `parse`: what the NLU said of the buyer's text; `rasa`: Rasa's HTTP API
    (bot.adapters.rasa_http.RasaHttp); `next_step`: what the buyer's email
    says comes next (bot.services.transfer_effects)."""

    transfer: Any
    parse: dict[str, Any]
    answer: str | None
    buyer: Any
    rasa: Any
    seller_name: str = ""
    next_step: Any = None
