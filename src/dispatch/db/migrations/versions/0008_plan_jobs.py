"""plan jobs: what a worker process needs to solve a plan, and how many began

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

With a broker configured, plans are solved by Celery workers in other processes (or on
other machines), which read the plan's inputs from the database rather than from memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("job", sa.JSON(), nullable=True))
    op.add_column("plans", sa.Column("attempts", sa.Integer(), nullable=False,
                                     server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("attempts")
        batch.drop_column("job")
