"""inquiries: the bot's routed decisions, rated "Was this helpful?" (issue 17, item 5)

One row per decision (route, reason code, order, case); a rating of subject
`inquiry` names one. `ratings.conversation_id` gets an index for the agent
console's rating column and filter.

Revision ID: 0015_inquiries
Revises: 0014_seller_transfers
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_inquiries"
down_revision = "0014_seller_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inquiries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=19), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_inquiries_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inquiries_conversation_decided",
            ["conversation_id", "decided_at"],
            unique=False,
        )
        batch_op.create_index("ix_inquiries_case", ["case_id"], unique=False)
        batch_op.create_index("ix_inquiries_decided", ["decided_at"], unique=False)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ratings_conversation", ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_conversation")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_inquiries_decided")
        batch_op.drop_index("ix_inquiries_case")
        batch_op.drop_index("ix_inquiries_conversation_decided")
    op.drop_table("inquiries")
