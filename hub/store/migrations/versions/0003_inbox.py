"""The webhook inbox: verified deliveries, one row per platform delivery id.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from hub.store.engine import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("delivery_id", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.JSON, nullable=False),
        sa.Column("occurred_at", UtcDateTime()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("error", sa.Text),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "delivery_id", name="uq_inbox_delivery"),
    )
    op.create_index("ix_inbox_status", "inbox", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_status", "inbox")
    op.drop_table("inbox")
