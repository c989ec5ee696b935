"""web_users.session_generation: signing out ends every session of the account

The session cookie is signed but kept by the browser only, so a copy of it
stayed valid after /logout until it expired (12 hours). The cookie now carries
the account's session generation at sign-in; /logout (and a new password)
moves the account to the next one, and a cookie of an earlier one is signed
out (bot/entrypoints/web/auth.py).

Revision ID: 0017_web_session_generation
Revises: 0016_case_language
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_web_session_generation"
down_revision = "0016_case_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "session_generation",
                sa.Integer(),
                nullable=False,
                server_default="0",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
