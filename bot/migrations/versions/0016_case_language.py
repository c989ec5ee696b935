"""cases.language and conversation_summaries.language: the buyer's language (issue 16)

The conversation's language when the case was opened, or when the buyer's last
message joined it: `es` marks the buyer's words as Spanish for the seller and
the agent, and the seller's answer reaches the buyer with a Spanish lead-in.
Null for the cases before: English. The agent console shows a conversation's
language (its `language` slot, folded in by the summary sync).

Revision ID: 0016_case_language
Revises: 0015_inquiries
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_case_language"
down_revision = "0015_inquiries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("language")
