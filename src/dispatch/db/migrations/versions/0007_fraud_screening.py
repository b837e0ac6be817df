"""fraud screening: one assessment per order, and the decision on a held one

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

Orders are screened at placement; one scoring above the threshold waits in ``on_hold``
(a status string, no schema change) until someone approves or cancels it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fraud_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("anomaly_score", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_fraud_assessments_order_id_orders")),
        sa.ForeignKeyConstraint(["decided_by_user_id"], ["users.id"],
                                name=op.f("fk_fraud_assessments_decided_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_assessments")),
        sa.UniqueConstraint("order_id", name=op.f("uq_fraud_assessments_order_id")),
    )
    op.create_index(op.f("ix_fraud_assessments_hold"), "fraud_assessments", ["hold"])


def downgrade() -> None:
    op.drop_table("fraud_assessments")
