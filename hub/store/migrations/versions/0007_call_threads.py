"""The conversation each contact's call notes last went on (``hub/flows/call_threads.py``).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from hub.store.engine import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_threads",
        sa.Column("platform", sa.String(100), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("quiet_since", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_threads")
