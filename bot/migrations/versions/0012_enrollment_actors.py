"""enrollment actors: who opted a seller in and out (issue 17, "Your Services")

`enrollments.opted_in_by` and `enrollments.opted_out_by`: the seller portal's
user name, or `csba` for the command line. Rows from before keep NULL (shown
as "not recorded").

Revision ID: 0012_enrollment_actors
Revises: 0011_attachment_conversation_at
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_enrollment_actors"
down_revision = "0011_attachment_conversation_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opted_in_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("opted_out_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("opted_out_by")
        batch_op.drop_column("opted_in_by")
