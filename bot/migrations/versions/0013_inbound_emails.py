"""inbound emails: buyers who write to the support address (issue 17, part 1)

`inbound_emails`: one row per mail the poller took from the support mailbox,
unique by a hash of its Message-ID, so that a crash and restart processes each
mail once (bot.services.email_inbox).

Revision ID: 0013_inbound_emails
Revises: 0012_enrollment_actors
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_inbound_emails"
down_revision = "0012_enrollment_actors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("buyer_id", sa.String(length=64), nullable=True),
        sa.Column("thread_cid", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("reply_message_id", sa.String(length=255), nullable=True),
        sa.Column("reply_subject", sa.String(length=255), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_choices", sa.Text(), nullable=True),
        sa.Column("payload", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_inbound_emails_buyer_id_buyers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("message_key", name=op.f("uq_inbound_emails_message_key")),
    )
    op.create_index(
        "ix_inbound_emails_message_id", "inbound_emails", ["message_id"]
    )
    op.create_index(
        "ix_inbound_emails_conversation_id", "inbound_emails", ["conversation_id"]
    )
    op.create_index(
        "ix_inbound_emails_reply_message_id", "inbound_emails", ["reply_message_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_emails_reply_message_id", table_name="inbound_emails")
    op.drop_index("ix_inbound_emails_conversation_id", table_name="inbound_emails")
    op.drop_index("ix_inbound_emails_message_id", table_name="inbound_emails")
    op.drop_table("inbound_emails")
