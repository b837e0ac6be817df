"""kpi history: ETA snapshots and stockout events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

What the KPIs need that the service did not keep: the ETAs shown over time (a stop kept
only its latest, so ETA error could not be measured by how far ahead it was made), and the
units refused for want of stock (a refused order left nothing behind).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("route_stops", sa.Column("eta_sampled_at", sa.DateTime(timezone=True),
                                           nullable=True))
    op.create_table(
        "eta_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["stop_id"], ["route_stops.id"],
                                name=op.f("fk_eta_snapshots_stop_id_route_stops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eta_snapshots")),
    )
    op.create_index(op.f("ix_eta_snapshots_stop_id"), "eta_snapshots", ["stop_id"])
    op.create_index(op.f("ix_eta_snapshots_made_at"), "eta_snapshots", ["made_at"])
    op.create_table(
        "stockout_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouses.id"],
                                name=op.f("fk_stockout_events_warehouse_id_warehouses")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"],
                                name=op.f("fk_stockout_events_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stockout_events")),
    )
    op.create_index(op.f("ix_stockout_events_sku_id"), "stockout_events", ["sku_id"])
    op.create_index(op.f("ix_stockout_events_occurred_at"), "stockout_events", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("stockout_events")
    op.drop_table("eta_snapshots")
    with op.batch_alter_table("route_stops") as batch:
        batch.drop_column("eta_sampled_at")
