"""orders by door: an index on (lat, lon) for fraud screening's same-door lookups

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

Screening reads a placement's history by customer, phone, card and door. Each of those
is now an indexed lookup of its own; the door one needs this index, or every placement
would read the whole 90-day order book.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_door", "orders", ["lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_orders_door", table_name="orders")
