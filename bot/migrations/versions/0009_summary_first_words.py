"""summary first words: the buyer's first message in the console's list (issue 13)

`conversation_summaries.first_words` (the first buyer message, cut, a quick
reply as its button's title) and `first_words_clicked`. Conversations already
summarised have no first words yet: `review_sync_state.backfill_pending` asks
the next sync (bot.services.review.sync_summaries) to read them from the
tracker store, which this migration cannot reach.

Revision ID: 0009_summary_first_words
Revises: 0008_ratings
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_summary_first_words"
down_revision = "0008_ratings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL columns on existing rows: added with a default that is then
    # dropped (the ORM writes every value).
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_words", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "first_words_clicked",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("review_sync_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "backfill_pending",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        batch_op.alter_column("first_words_clicked", server_default=None)
    with op.batch_alter_table("review_sync_state", schema=None) as batch_op:
        batch_op.alter_column("backfill_pending", server_default=None)
    summaries = sa.table("conversation_summaries", sa.column("buyer_messages"))
    state = sa.table("review_sync_state", sa.column("backfill_pending"))
    op.execute(
        state.update()
        .where(
            sa.exists(
                sa.select(sa.literal(1))
                .select_from(summaries)
                .where(summaries.c.buyer_messages > 0)
            )
        )
        .values(backfill_pending=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("review_sync_state", schema=None) as batch_op:
        batch_op.drop_column("backfill_pending")
    with op.batch_alter_table("conversation_summaries", schema=None) as batch_op:
        batch_op.drop_column("first_words_clicked")
        batch_op.drop_column("first_words")
