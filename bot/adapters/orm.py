"""SQLAlchemy 1.4 table mapping (2.0-style queries everywhere: `select()`, `future=True`).

The schema is created by Alembic (bot/migrations); `metadata.create_all` is for
nothing but Alembic's autogenerate comparison. Times are stored as naive UTC and
come back aware (UTCDateTime), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Money(TypeDecorator):
    """Decimal amounts with two places. PostgreSQL stores NUMERIC(12, 2) natively;
    SQLite has no decimal type, so the value goes in as text and comes back through
    str(), quantised to cents, which is exact for every amount under 10**10."""

    impl = Numeric(12, 2)
    cache_ok = True
    CENT = Decimal("0.01")

    def load_dialect_impl(self, dialect):  # noqa: ANN001
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(12, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(12, 2))

    def process_bind_param(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        amount = Decimal(value).quantize(self.CENT)
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        return Decimal(str(value)).quantize(self.CENT)


class SellerRow(Base):
    __tablename__ = "sellers"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(320), nullable=False)
    preferred_language = Column(String(8), nullable=False, default="en")
    professional = Column(Boolean, nullable=False, default=True)
    good_standing = Column(Boolean, nullable=False, default=True)
    invited = Column(Boolean, nullable=False, default=False)
    country = Column(String(2), nullable=False)
    return_window_days = Column(Integer, nullable=False, default=30)
    international_return_option = Column(String(32), nullable=False)
    return_address = Column(Text, nullable=True)

    enrollments = relationship(
        "EnrollmentRow",
        back_populates="seller",
        order_by="EnrollmentRow.opted_in_at",
        cascade="all, delete-orphan",
    )


class EnrollmentRow(Base):
    __tablename__ = "enrollments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=False, index=True)
    opted_in_at = Column(UTCDateTime, nullable=False)
    activated_at = Column(UTCDateTime, nullable=True)
    opted_out_at = Column(UTCDateTime, nullable=True)
    # who: a portal user name, or "csba" (the command line); NULL before 0012
    opted_in_by = Column(String(100), nullable=True)
    opted_out_by = Column(String(100), nullable=True)

    seller = relationship("SellerRow", back_populates="enrollments")


class BuyerRow(Base):
    __tablename__ = "buyers"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(320), nullable=False)
    postal_code = Column(String(16), nullable=False)
    language = Column(String(8), nullable=False, default="en")


class ProductRow(Base):
    __tablename__ = "products"

    asin = Column(String(16), primary_key=True)
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=False, index=True)
    title = Column(String(500), nullable=False)
    category = Column(String(100), nullable=False, default="")
    bullets = Column(JSON, nullable=False, default=list)
    description = Column(Text, nullable=False, default="")
    attributes = Column(JSON, nullable=False, default=dict)
    returnable = Column(Boolean, nullable=False, default=True)
    customizable = Column(Boolean, nullable=False, default=False)


class OrderRow(Base):
    __tablename__ = "orders"

    id = Column(String(19), primary_key=True)
    buyer_id = Column(String(64), ForeignKey("buyers.id"), nullable=False, index=True)
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=False, index=True)
    fulfillment = Column(String(16), nullable=False)
    placed_at = Column(UTCDateTime, nullable=False)
    status = Column(String(16), nullable=False)
    shipped_at = Column(UTCDateTime, nullable=True)
    delivered_at = Column(UTCDateTime, nullable=True)
    promised_delivery_by = Column(UTCDateTime, nullable=True)
    carrier = Column(String(64), nullable=True)
    tracking_number = Column(String(64), nullable=True)
    ship_to_country = Column(String(2), nullable=False)
    ship_to_postal_code = Column(String(16), nullable=False)

    items = relationship(
        "OrderItemRow",
        back_populates="order",
        order_by="OrderItemRow.line_no",
        cascade="all, delete-orphan",
    )


class OrderItemRow(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(String(19), ForeignKey("orders.id"), nullable=False, index=True)
    line_no = Column(Integer, nullable=False)
    asin = Column(String(16), ForeignKey("products.asin"), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price = Column(Money, nullable=False)
    customization = Column(Text, nullable=True)

    order = relationship("OrderRow", back_populates="items")
    product = relationship("ProductRow")


class CaseRow(Base):
    """A case in the seller's case log (kind=seller) or for a human agent (kind=agent)."""

    __tablename__ = "cases"
    __table_args__ = (
        # idempotent open_case: the open case of a conversation, order and category
        Index(
            "ix_cases_conversation_order_category",
            "conversation_id",
            "order_id",
            "category",
        ),
        # seller inbox sorted by deadline, and the SLA sweep
        Index("ix_cases_seller_status_due", "seller_id", "status", "seller_due_at"),
        Index("ix_cases_status_due", "status", "seller_due_at"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(16), nullable=False, default="seller")
    order_id = Column(String(19), ForeignKey("orders.id"), nullable=True)
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=True)
    buyer_id = Column(String(64), ForeignKey("buyers.id"), nullable=True, index=True)
    conversation_id = Column(String(255), nullable=False)
    category = Column(String(64), nullable=False)
    reason_code = Column(String(64), nullable=True)
    question = Column(Text, nullable=False)
    status = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)
    seller_due_at = Column(UTCDateTime, nullable=True)
    buyer_due_at = Column(UTCDateTime, nullable=False)
    replied_at = Column(UTCDateTime, nullable=True)
    escalated_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    # The buyer's language (en, es; null: en), migration 0016.
    language = Column(String(8), nullable=True)

    messages = relationship(
        "CaseMessageRow",
        back_populates="case",
        order_by="(CaseMessageRow.created_at, CaseMessageRow.id)",
        cascade="all, delete-orphan",
    )


class CaseMessageRow(Base):
    __tablename__ = "case_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    author = Column(String(16), nullable=False)  # buyer | seller | agent | system
    author_id = Column(String(64), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    # When the bot showed this (seller or agent) message to the buyer; null until then.
    delivered_to_buyer_at = Column(UTCDateTime, nullable=True)

    case = relationship("CaseRow", back_populates="messages")


class ReturnAuthorizationRow(Base):
    __tablename__ = "return_authorizations"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(String(19), ForeignKey("orders.id"), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=True)
    items = Column(JSON, nullable=False)  # [{"asin": ..., "quantity": ...}]
    reason = Column(
        String(64), nullable=False
    )  # the reason code: return_window_open | damaged_return
    method = Column(String(32), nullable=False)
    deadline = Column(UTCDateTime, nullable=False)  # exclusive end of the return window
    created_at = Column(UTCDateTime, nullable=False)
    # refund | replacement (a damaged item the seller ships again)
    resolution = Column(String(16), nullable=False)


class WebUserRow(Base):
    """An account of the web app: a CSBA agent, or a seller's user (issue 4)."""

    __tablename__ = "web_users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)  # agent | seller
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=True, index=True)
    # The portal's language; null: the seller's preferred_language (agents: en).
    language = Column(String(8), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime, nullable=True)
    # Signing out moves it on: a session cookie of an earlier one is void
    # (bot/entrypoints/web/auth.py).
    session_generation = Column(Integer, nullable=False, default=0, server_default="0")


# -- the agent review console (issue 4, bot.services.review) ---------------------------


class ConversationSummaryRow(Base):
    """One conversation of Rasa's tracker store, summarised for the agent console.

    `sync_summaries` keeps the derived columns up to date from the tracker's
    `events` table; the review columns (reviewed, note, tags) are the agents'.
    """

    __tablename__ = "conversation_summaries"
    __table_args__ = (
        # the list: newest first, and every filter beside that order
        Index("ix_conversation_summaries_started", "started_at", "conversation_id"),
        Index("ix_conversation_summaries_route", "route", "started_at"),
        Index("ix_conversation_summaries_reason", "reason_code", "started_at"),
        Index("ix_conversation_summaries_confidence", "min_confidence"),
        Index("ix_conversation_summaries_case", "case_id"),
        Index("ix_conversation_summaries_reviewed", "reviewed", "started_at"),
    )

    conversation_id = Column(String(255), primary_key=True)
    started_at = Column(UTCDateTime, nullable=False)
    last_event_at = Column(UTCDateTime, nullable=False)
    # the tracker's events.id of the last event folded in
    last_event_id = Column(Integer, nullable=False)
    buyer_id = Column(String(64), nullable=True, index=True)
    channel = Column(String(64), nullable=True)
    intents = Column(
        Text, nullable=False, default=""
    )  # space-separated, first seen first
    route = Column(String(32), nullable=True)
    reason_code = Column(String(64), nullable=True)
    case_id = Column(Integer, nullable=True)
    handed_off = Column(Boolean, nullable=False, default=False)
    min_confidence = Column(Float, nullable=True)
    buyer_messages = Column(Integer, nullable=False, default=0)
    search_text = Column(Text, nullable=False, default="")  # buyer messages, lower case
    # the first buyer message, cut (a quick reply as its button's title);
    # None until the sync has read it for a conversation summarised before it
    first_words = Column(String(255), nullable=True)
    first_words_clicked = Column(Boolean, nullable=False, default=False)
    # the conversation's language (slot `language`: en, es), migration 0016
    language = Column(String(8), nullable=True)
    reviewed = Column(Boolean, nullable=False, default=False)
    reviewed_at = Column(UTCDateTime, nullable=True)
    reviewed_by = Column(String(64), nullable=True)
    note = Column(Text, nullable=True)
    tags = Column(JSON, nullable=False, default=list)


class ConversationIntentRow(Base):
    """Each intent predicted in a conversation: the console's intent filter."""

    __tablename__ = "conversation_intents"
    __table_args__ = (
        Index("ix_conversation_intents_intent", "intent", "conversation_id"),
    )

    conversation_id = Column(
        String(255),
        ForeignKey("conversation_summaries.conversation_id", ondelete="CASCADE"),
        primary_key=True,
    )
    intent = Column(String(255), primary_key=True)


class ReviewSyncStateRow(Base):
    """How far `sync_summaries` has read the tracker's events table (one row)."""

    __tablename__ = "review_sync_state"

    id = Column(Integer, primary_key=True)
    last_event_id = Column(Integer, nullable=False)
    synced_at = Column(UTCDateTime, nullable=False)
    # summaries written before a derived column existed wait for a re-read
    # (migration 0009: the first buyer words)
    backfill_pending = Column(Boolean, nullable=False, default=False)


class IntentCorrectionRow(Base):
    """An agent's correction of the intent predicted for one buyer message."""

    __tablename__ = "intent_corrections"
    __table_args__ = (UniqueConstraint("conversation_id", "event_id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    event_id = Column(Integer, nullable=False)  # the tracker's events.id
    text = Column(Text, nullable=False)
    predicted_intent = Column(String(255), nullable=True)
    intent = Column(String(255), nullable=False)
    # [{"entity", "value", "start", "end"}] as predicted, for the NLU export
    entities = Column(JSON, nullable=False, default=list)
    corrected_by = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class CaseAttachmentRow(Base):
    """A photo the buyer attached to a case from the chat (issue 4). The file is
    `stored_name` under the web app's upload directory, outside the web root."""

    __tablename__ = "case_attachments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=False)
    stored_name = Column(String(64), nullable=False, unique=True)  # random
    content_type = Column(String(32), nullable=False)  # image/jpeg | image/png
    size_bytes = Column(Integer, nullable=False)
    width = Column(Integer, nullable=False)
    height = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    # When it was uploaded on the conversation's clock: the tracker store's
    # event times, real time even when CSBA_NOW fixes the project clock. It
    # places the photo among the chat's messages; None before migration 0011.
    conversation_at = Column(UTCDateTime, nullable=True)


class VerificationFailureRow(Base):
    """A failed anonymous verification (order number + ZIP code), kept for the
    limits of bot.services.verification: per order and per client address, across
    conversations and channels. `client_key` is a keyed hash of the address, never
    the address itself. Rows older than the longest window are deleted as new ones
    come in."""

    __tablename__ = "verification_failures"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_key = Column(String(64), nullable=False, index=True)
    client_key = Column(String(64), nullable=False, index=True)
    failed_at = Column(UTCDateTime, nullable=False, index=True)


# -- live hand-off (issue 14, bot.services.handoff) -------------------------------------


class HandoffRow(Base):
    """A conversation handed to a person: waiting in the queue, live with an
    agent, then closed by the agent or cancelled by the buyer. At most one per
    conversation is active (waiting or live)."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_state_requested", "state", "requested_at"),
        Index("ix_handoffs_conversation_state", "conversation_id", "state"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    # The buyer a token or the ZIP check proved; not a foreign key: a token may
    # name a buyer the shop's data does not hold (yet).
    buyer_id = Column(String(64), nullable=True, index=True)
    # Whether the buyer was verified (token, or order number + ZIP) when asking.
    verified = Column(Boolean, nullable=False, default=False)
    order_id = Column(String(19), ForeignKey("orders.id"), nullable=True)
    reason_code = Column(String(64), nullable=False)
    state = Column(String(16), nullable=False)  # waiting | live | closed | cancelled
    requested_at = Column(UTCDateTime, nullable=False)
    agent_id = Column(Integer, ForeignKey("web_users.id"), nullable=True, index=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    first_reply_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)
    outcome = Column(String(16), nullable=True)  # resolved | case_opened | cancelled
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=True)


class HandoffMessageRow(Base):
    """What an agent wrote in a live hand-off, kept until the buyer's chat has
    shown it: pushed at once into an open widget, otherwise shown at the
    buyer's next message (actions/handoff.py)."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    agent_id = Column(Integer, ForeignKey("web_users.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    delivered_at = Column(UTCDateTime, nullable=True)


class AgentPresenceRow(Base):
    """Whether an agent takes live chats: `online` while they say so and were
    seen within bot.services.handoff.PRESENCE_TTL; `away` otherwise."""

    __tablename__ = "agent_presence"

    agent_id = Column(Integer, ForeignKey("web_users.id"), primary_key=True)
    status = Column(String(16), nullable=False)  # online | away
    seen_at = Column(UTCDateTime, nullable=False)


class SavedReplyRow(Base):
    """A reply agents keep for live chats, editable by every agent."""

    __tablename__ = "saved_replies"

    id = Column(Integer, primary_key=True, autoincrement=True)
    title = Column(String(80), nullable=False)
    text = Column(Text, nullable=False)
    updated_by = Column(Integer, ForeignKey("web_users.id"), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


# -- ratings (issue 14, bot.services.ratings) -------------------------------------------


class RatingRow(Base):
    """A buyer's answer about one rated thing: a live hand-off now ("Was this
    helpful?", scale `helpful`: 1 yes, 0 no), later e.g. a case (scale `stars`,
    1-5). One answer per subject; rating again changes `value` and `updated_at`."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id"),
        Index("ix_ratings_subject_scale_created", "subject", "scale", "created_at"),
        # the console's rating column and filter (migration 0013)
        Index("ix_ratings_conversation", "conversation_id"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    subject = Column(String(16), nullable=False)  # handoff | inquiry
    # the rated row's id in the subject's table; not a foreign key, as it
    # depends on `subject`
    subject_id = Column(Integer, nullable=False)
    conversation_id = Column(String(255), nullable=False)
    scale = Column(String(16), nullable=False)  # helpful | (later) stars
    value = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


# -- buyers by email (issue 17, bot.services.email_inbox) -------------------------------


class InboundEmailRow(Base):
    """One mail that reached the support mailbox, processed at most once: its
    `message_key` (a hash of its Message-ID, or of the whole mail when it has
    none) is unique. `status`: received (the turn may have run), replying (the
    reply is composed and stored in `reply_text`, not yet sent), answered,
    ignored (`reason` says why: an auto-reply, a bounce, our own mail...)."""

    __tablename__ = "inbound_emails"

    id = Column(Integer, primary_key=True, autoincrement=True)
    message_key = Column(String(64), nullable=False, unique=True)
    message_id = Column(String(255), nullable=True, index=True)
    sender = Column(String(320), nullable=False)
    subject = Column(String(255), nullable=False)
    status = Column(String(16), nullable=False)
    reason = Column(String(32), nullable=True)
    buyer_id = Column(String(64), ForeignKey("buyers.id"), nullable=True)
    # the chat token's `cid`: one per mail thread, so a reply in the thread
    # continues the same conversation
    thread_cid = Column(String(64), nullable=True)
    conversation_id = Column(String(255), nullable=True, index=True)
    reply_message_id = Column(String(255), nullable=True, index=True)
    reply_subject = Column(String(255), nullable=True)
    reply_text = Column(Text, nullable=True)
    # the answer's buttons, as JSON [{"title", "payload"}]: a reply in the thread
    # that picks one sends its payload (`payload`) instead of the words
    reply_choices = Column(Text, nullable=True)
    payload = Column(String(255), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(Text, nullable=True)
    received_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


# -- seller transfers (issue 17, part 2, bot.services.transfer) --------------------------


class SellerTransferRow(Base):
    """A buyer's inquiry that a seller passed on to CSBA: who, what, and whether
    CSBA took it (`accepted`), with the decision's reason code and facts. The
    inquiry is the conversation `conversation_id` (channel `seller_transfer`)."""

    __tablename__ = "seller_transfers"
    __table_args__ = (Index("ix_seller_transfers_seller_created", "seller_id", "created_at"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    seller_id = Column(String(64), ForeignKey("sellers.id"), nullable=False)
    transferred_by = Column(String(320), nullable=False)  # portal user, or an address
    source = Column(String(16), nullable=False)  # portal | email
    order_id = Column(String(64), nullable=False)  # as the seller gave it
    buyer_text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=True)  # the NLU's, None when it gave none
    intent_confidence = Column(Float, nullable=True)
    accepted = Column(Boolean, nullable=False)
    route = Column(String(32), nullable=True)
    reason_code = Column(String(64), nullable=False)
    decision_facts = Column(JSON, nullable=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=True)
    return_id = Column(Integer, ForeignKey("return_authorizations.id"), nullable=True)
    conversation_id = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class InquiryRow(Base):
    """One routed decision of the bot in a conversation (issue 17, item 5): what
    "Was this helpful?" rates (ratings.subject = 'inquiry'). Written with the
    decision (actions/triage.py); `case_id` when the decision opened or joined a
    case, which the inquiry waits for before it can be rated."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_conversation_decided", "conversation_id", "decided_at"),
        Index("ix_inquiries_case", "case_id"),
        Index("ix_inquiries_decided", "decided_at"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    route = Column(String(32), nullable=False)
    reason_code = Column(String(64), nullable=False)
    # as the buyer named it; not a foreign key (`order_not_found` keeps it too)
    order_id = Column(String(19), nullable=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=True)
    decided_at = Column(UTCDateTime, nullable=False)
