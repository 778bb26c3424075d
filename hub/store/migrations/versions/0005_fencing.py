"""Fencing tokens on leases and runs, holders on ledger entries; the home-made workers table goes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from hub.store.engine import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.add_column(sa.Column("token", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("token", sa.Integer))
    with op.batch_alter_table("ledger") as batch:
        batch.add_column(sa.Column("holder", sa.String(200)))
        batch.add_column(sa.Column("held_until", UtcDateTime()))
    op.drop_table("workers")  # procrastinate keeps its own workers, with heartbeats


def downgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.Column("current", sa.String(300)),
    )
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("held_until")
        batch.drop_column("holder")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("token")
    with op.batch_alter_table("leases") as batch:
        batch.drop_column("token")
