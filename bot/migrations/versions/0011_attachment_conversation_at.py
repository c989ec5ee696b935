"""attachment conversation_at: where a photo sits among the chat's messages (issue 13)

`case_attachments.conversation_at`: when the photo was uploaded on the
conversation's clock (Rasa's tracker store stamps its events with the real
time, even when CSBA_NOW fixes the project's clock). The chat's history and
the agent's transcript place the photo's confirmation by it. Rows from before
keep NULL and are placed by `created_at`, as before.

Revision ID: 0011_attachment_conversation_at
Revises: 0010_return_resolution
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_attachment_conversation_at"
down_revision = "0010_return_resolution"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_attachments", schema=None) as batch_op:
        batch_op.drop_column("conversation_at")
