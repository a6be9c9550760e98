"""event type custom inputs: API v1's booking questions per event type

Revision ID: 20261207_custom_inputs
Revises: 20261206_0040
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261207_custom_inputs"
down_revision = "20261206_0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_type_custom_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("placeholder", sa.String(length=255), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["event_type_id"], ["event_types.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_event_type_custom_inputs_event_type_id", "event_type_custom_inputs", ["event_type_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_event_type_custom_inputs_event_type_id", table_name="event_type_custom_inputs")
    op.drop_table("event_type_custom_inputs")
