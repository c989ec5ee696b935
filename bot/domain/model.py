"""Plain value objects the CSBA policy works on.

The repository (bot.adapters) builds these from the database; the policy
(bot.domain.policy) never sees a session or an ORM row. All datetimes are
timezone-aware and in UTC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

# ASCII digits only, and nothing after: use with ORDER_ID_RE.fullmatch().
ORDER_ID_RE = re.compile(r"[0-9]{3}-[0-9]{7}-[0-9]{7}")

# The seed: "Once you opt-in, CSBA service will start within an hour."
DEFAULT_ACTIVATION_DELAY = timedelta(hours=1)
# Amazon's standard return window; a seller may offer a longer one, never shorter.
MIN_RETURN_WINDOW_DAYS = 30


class Fulfillment(str, Enum):
    SELLER = "seller"
    FBA = "fba"


class OrderStatus(str, Enum):
    UNSHIPPED = "unshipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class ReturnOption(str, Enum):
    DOMESTIC_ADDRESS = "domestic_address"
    PREPAID_LABEL = "prepaid_label"
    RETURNLESS_REFUND = "returnless_refund"


class Language(str, Enum):
    EN = "en"
    ZH = "zh"


class Route(str, Enum):
    BOT = "bot"  # handled in the chat now
    SELLER_CASE = "seller_case"  # covered, but the seller's input is needed
    BUYER_SELLER_MESSAGING = "buyer_seller_messaging"  # not covered: refer to seller
    AGENT = "agent"  # a human associate


class Intent(str, Enum):
    """The business intents the policy routes. Names are fixed by the NLU taxonomy."""

    DELIVERY_STATUS = "delivery_status"
    RETURN_REFUND = "return_refund"
    DAMAGED_ITEM = "damaged_item"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ADDRESS = "change_address"
    INVOICE = "invoice"
    CUSTOMIZATION = "customization"
    PRE_ORDER = "pre_order"
    PRODUCT_QUESTION = "product_question"
    HUMAN_AGENT = "human_agent"


# The intents that start an inquiry about an order or a product (every one but
# asking for a person), by name: an everyday message classified as one of them is
# a false triage (the evaluation's measure, the out-of-scope gate's concern).
INQUIRY_INTENTS: tuple[str, ...] = tuple(
    intent.value for intent in Intent if intent is not Intent.HUMAN_AGENT
)

# Intents that need no order: the policy answers them before any order check.
INTENTS_WITHOUT_ORDER = frozenset(
    {Intent.PRE_ORDER, Intent.INVOICE, Intent.CUSTOMIZATION, Intent.HUMAN_AGENT}
)


class CaseStatus(str, Enum):
    AWAITING_SELLER = "awaiting_seller"
    SELLER_REPLIED = "seller_replied"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


OPEN_CASE_STATUSES = frozenset(
    {CaseStatus.AWAITING_SELLER, CaseStatus.SELLER_REPLIED, CaseStatus.ESCALATED}
)


class CaseKind(str, Enum):
    SELLER = "seller"  # goes to the seller's case log, 24 h SLA
    AGENT = "agent"  # a human associate answers in the chat


class MessageAuthor(str, Enum):
    BUYER = "buyer"
    SELLER = "seller"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class EnrollmentPeriod:
    opted_in_at: datetime
    activated_at: datetime | None = None
    opted_out_at: datetime | None = None

    @property
    def coverage_start(self) -> datetime:
        """When service starts: activation, or opt-in plus the seed's one hour."""
        if self.activated_at is not None:
            return self.activated_at
        return self.opted_in_at + DEFAULT_ACTIVATION_DELAY

    @property
    def coverage_end(self) -> datetime | None:
        """Exclusive end of the period; None while the seller is still enrolled."""
        return self.opted_out_at

    def covers(self, instant: datetime) -> bool:
        """[coverage_start, coverage_end)."""
        if instant < self.coverage_start:
            return False
        return self.coverage_end is None or instant < self.coverage_end


@dataclass(frozen=True)
class Seller:
    id: str
    name: str
    email: str
    preferred_language: Language = Language.EN
    professional: bool = True
    good_standing: bool = True
    invited: bool = True
    country: str = "US"
    return_window_days: int = MIN_RETURN_WINDOW_DAYS
    international_return_option: ReturnOption = ReturnOption.PREPAID_LABEL
    return_address: str | None = None
    enrollments: tuple[EnrollmentPeriod, ...] = ()


@dataclass(frozen=True)
class Buyer:
    id: str
    name: str
    email: str
    postal_code: str
    language: str = "en"


@dataclass(frozen=True)
class Product:
    asin: str
    seller_id: str
    title: str
    category: str = ""
    bullets: tuple[str, ...] = ()
    description: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    returnable: bool = True
    customizable: bool = False


@dataclass(frozen=True)
class OrderItem:
    asin: str
    quantity: int
    unit_price: Decimal
    customization: str | None = None
    # Denormalised from the product by the repository, so the policy stays pure.
    title: str = ""
    returnable: bool = True


@dataclass(frozen=True)
class Order:
    id: str
    buyer_id: str
    seller_id: str
    fulfillment: Fulfillment
    placed_at: datetime
    status: OrderStatus
    items: tuple[OrderItem, ...] = ()
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    promised_delivery_by: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    ship_to_country: str = "US"
    ship_to_postal_code: str = ""


@dataclass(frozen=True)
class ProductAnswer:
    """A fact from the product detail data that answers a buyer's question."""

    asin: str
    text: str  # the fact, quoted from the page
    source: str  # where on the page: "attributes.material", "bullets[2]", "description"
    score: float


@dataclass(frozen=True)
class Decision:
    """What the policy decided, and why: `reason_code` and `facts`, what the rule
    used (coverage window, deadlines, return method) as JSON-ready values.

    `reason` is the agent-facing sentence. The policy leaves it None; the triage
    service fills it from the message catalogue (bot.services.presentation.explained)."""

    intent: str
    route: Route
    reason_code: str
    order_id: str | None = None
    covered: bool | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route.value,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "order_id": self.order_id,
            "covered": self.covered,
            "intent": self.intent,
            "facts": dict(self.facts),
        }


# Three groups of ASCII digits, 3-7-7, separated by a dash (spaces around it are
# tolerated) or by whitespace; or the 17 digits run together.
_SEPARATED_ORDER_ID = re.compile(
    r"([0-9]{3})(?:\s*-\s*|\s+)([0-9]{7})(?:\s*-\s*|\s+)([0-9]{7})"
)
_RUN_TOGETHER_ORDER_ID = re.compile(r"([0-9]{3})([0-9]{7})([0-9]{7})")
# An order number inside a longer message, as in data/nlu/regex.yml: the same
# forms, not glued to other digits. Match it in NFKC-folded text
# (`without_order_ids`, bot.services.order_lookup.find_order_id).
ORDER_ID_IN_TEXT = re.compile(
    r"(?<![0-9])[0-9]{3}(?:[ \t]*-[ \t]*|[ \t]+)?[0-9]{7}(?:[ \t]*-[ \t]*|[ \t]+)?"
    r"[0-9]{7}(?![0-9])"
)


def without_order_ids(text: str) -> str:
    """`text`, NFKC-folded (full-width digits and dashes made ASCII), with each
    order number in it replaced by a space: what the rest of a message says."""
    return ORDER_ID_IN_TEXT.sub(" ", unicodedata.normalize("NFKC", text))


def normalize_order_id(text: str | None) -> str | None:
    """The canonical `ddd-ddddddd-ddddddd` form of an order number, or None.

    Accepts the dashed form, the same groups separated by spaces, and the 17
    digits with no separators, with surrounding whitespace. Full-width digits,
    dashes and spaces (as typed with a Chinese input method) are folded to ASCII
    first. Anything else (a wrong digit count, letters, other separators) is None.
    """
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text).strip()
    match = _SEPARATED_ORDER_ID.fullmatch(folded) or _RUN_TOGETHER_ORDER_ID.fullmatch(
        folded
    )
    if match is None:
        return None
    return "-".join(match.groups())
