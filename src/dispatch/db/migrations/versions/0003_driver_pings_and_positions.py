"""driver pings and positions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Drivers report positions; every ping is kept, the newest one is the current position.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "driver_pings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_driver_pings_driver_id_drivers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_pings")),
    )
    with op.batch_alter_table("driver_pings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_driver_pings_driver_time", ["driver_id", "recorded_at"], unique=False
        )

    op.create_table(
        "driver_positions",
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_driver_positions_driver_id_drivers")
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_driver_positions")),
    )


def downgrade() -> None:
    op.drop_table("driver_positions")
    with op.batch_alter_table("driver_pings", schema=None) as batch_op:
        batch_op.drop_index("ix_driver_pings_driver_time")

    op.drop_table("driver_pings")
