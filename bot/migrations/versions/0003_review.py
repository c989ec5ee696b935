"""review: conversation summaries, intents, sync state and intent corrections

The agent review console (issue 4) lists conversations from these summaries,
kept up to date from Rasa's tracker store by bot.services.review.sync_summaries.

Revision ID: 0003_review
Revises: 0002_web_users
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_review"
down_revision = "0002_web_users"
branch_labels = None
depends_on = None

SUMMARY_INDEXES = {
    "ix_conversation_summaries_started": ["started_at", "conversation_id"],
    "ix_conversation_summaries_route": ["route", "started_at"],
    "ix_conversation_summaries_reason": ["reason_code", "started_at"],
    "ix_conversation_summaries_confidence": ["min_confidence"],
    "ix_conversation_summaries_case": ["case_id"],
    "ix_conversation_summaries_reviewed": ["reviewed", "started_at"],
    "ix_conversation_summaries_buyer_id": ["buyer_id"],
}


def upgrade() -> None:
    op.create_table(
        "conversation_summaries",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("intents", sa.Text(), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=True),
        sa.Column("buyer_messages", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "conversation_id", name=op.f("pk_conversation_summaries")
        ),
    )
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        for name, columns in SUMMARY_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    op.create_table(
        "conversation_intents",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation_summaries.conversation_id"],
            name=op.f("fk_conversation_intents_conversation_id_conversation_summaries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "conversation_id", "intent", name=op.f("pk_conversation_intents")
        ),
    )
    with op.batch_alter_table("conversation_intents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_intents_intent",
            ["intent", "conversation_id"],
            unique=False,
        )

    op.create_table(
        "review_sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_sync_state")),
    )

    op.create_table(
        "intent_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predicted_intent", sa.String(length=255), nullable=True),
        sa.Column("intent", sa.String(length=255), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("corrected_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intent_corrections")),
        sa.UniqueConstraint(
            "conversation_id",
            "event_id",
            name=op.f("uq_intent_corrections_conversation_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("intent_corrections")
    op.drop_table("review_sync_state")
    with op.batch_alter_table("conversation_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_intents_intent")
    op.drop_table("conversation_intents")
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        for name in reversed(list(SUMMARY_INDEXES)):
            batch_op.drop_index(name)
    op.drop_table("conversation_summaries")
