"""saved replies: agents' reusable texts for live chats (issue 14)

Revision ID: 0007_saved_replies
Revises: 0006_handoffs
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_saved_replies"
down_revision = "0006_handoffs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["web_users.id"],
            name=op.f("fk_saved_replies_updated_by_web_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
    )


def downgrade() -> None:
    op.drop_table("saved_replies")
