"""order tracking tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Every order gets an unguessable token for the customer's tracking link; orders that exist
already are given one here.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_token", sa.String(length=64), nullable=True))
    orders = sa.table("orders", sa.column("id", sa.Integer),
                      sa.column("tracking_token", sa.String))
    conn = op.get_bind()
    for (order_id,) in conn.execute(sa.select(orders.c.id)).all():
        conn.execute(orders.update().where(orders.c.id == order_id)
                     .values(tracking_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column("tracking_token", existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_orders_tracking_token"),
                                          ["tracking_token"])


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_orders_tracking_token"), type_="unique")
        batch_op.drop_column("tracking_token")
