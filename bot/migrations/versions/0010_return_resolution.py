"""return resolution: a return authorisation is a refund or a replacement (issue 13)

`return_authorizations.resolution`: `refund` (every authorisation so far) or
`replacement` (a damaged item the seller ships again; a seller case asks them
to). Existing rows are refunds: the column is added with that default, which
is then dropped (the ORM writes every value).

Revision ID: 0010_return_resolution
Revises: 0009_summary_first_words
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_return_resolution"
down_revision = "0009_summary_first_words"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("return_authorizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "resolution",
                sa.String(length=16),
                nullable=False,
                server_default="refund",
            )
        )
    with op.batch_alter_table("return_authorizations", schema=None) as batch_op:
        batch_op.alter_column("resolution", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("return_authorizations", schema=None) as batch_op:
        batch_op.drop_column("resolution")
