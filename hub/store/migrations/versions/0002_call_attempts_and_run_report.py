"""Outbound call attempts per number and day; report lines on runs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from hub.store.engine import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_attempts",
        sa.Column("platform", sa.String(100), primary_key=True),
        sa.Column("call_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
    )
    op.create_index("ix_call_attempts_number_day", "call_attempts", ["number", "day"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("report", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("report")
    op.drop_table("call_attempts")
