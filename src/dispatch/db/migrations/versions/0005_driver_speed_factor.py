"""driver speed factor

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

How fast a driver's vehicle goes relative to the default road speeds (a bike in a hilly
town: 0.8), so plans and ETAs time its legs as it really rides them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("drivers", sa.Column("speed_factor", sa.Float(), nullable=False,
                                       server_default="1.0"))


def downgrade() -> None:
    with op.batch_alter_table("drivers") as batch:
        batch.drop_column("speed_factor")
