"""users: pending_email (a self-service email change waits here until it is proven)

Existing users keep their current ``email`` as the proven address; nothing is pending.

Revision ID: 20261206_0010
Revises: 20261124_0040
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261206_0010"
down_revision = "20261124_0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
