"""Workers: one row per hub worker process, refreshed while it lives.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from hub.store.engine import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.Column("current", sa.String(300)),
    )


def downgrade() -> None:
    op.drop_table("workers")
