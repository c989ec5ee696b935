"""verification failures: the ZIP-guess limits that hold across conversations

Failed anonymous verifications (order number + ZIP code), counted per order and
per client address by bot.services.verification.

Revision ID: 0005_verification_failures
Revises: 0004_attachments
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_verification_failures"
down_revision = "0004_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_failures")),
    )
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        for column in ("order_key", "client_key", "failed_at"):
            batch_op.create_index(
                batch_op.f(f"ix_verification_failures_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        for column in ("order_key", "client_key", "failed_at"):
            batch_op.drop_index(batch_op.f(f"ix_verification_failures_{column}"))
    op.drop_table("verification_failures")
