"""ratings: what buyers said of the service, one answer per rated thing (issue 14)

A live hand-off now ("Was this helpful?", scale `helpful`, 1 = yes, 0 = no);
later a case with stars (scale `stars`, 1-5), in the same table.

Revision ID: 0008_ratings
Revises: 0007_saved_replies
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_ratings"
down_revision = "0007_saved_replies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("subject", "subject_id", name=op.f("uq_ratings_subject")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ratings_subject_scale_created",
            ["subject", "scale", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_subject_scale_created")
    op.drop_table("ratings")
