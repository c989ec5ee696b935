"""seller transfers: inquiries a seller passed on to CSBA (issue 17, part 2)

One row per transfer from the seller portal (or, later, a forwarded email):
who transferred what, the NLU's intent, whether CSBA took it, the reason code
and facts, and the case or return authorisation it led to.

Revision ID: 0014_seller_transfers
Revises: 0013_inbound_emails
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_seller_transfers"
down_revision = "0013_inbound_emails"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seller_transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seller_id", sa.String(length=64), nullable=False),
        sa.Column("transferred_by", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("buyer_text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("intent_confidence", sa.Float(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("decision_facts", sa.JSON(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_seller_transfers_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["return_authorizations.id"],
            name=op.f("fk_seller_transfers_return_id_return_authorizations"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_seller_transfers_seller_id_sellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_transfers")),
    )
    with op.batch_alter_table("seller_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_seller_transfers_seller_created", ["seller_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("seller_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_seller_transfers_seller_created")
    op.drop_table("seller_transfers")
