"""prune indexes: the retention jobs find old delivery-log and message-log rows by time

Revision ID: 20261207_prune_indexes
Revises: 20261207_jobs_notify
Create Date: 2026-12-07 05:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "20261207_prune_indexes"
down_revision = "20261207_jobs_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_created_at", ["created_at"], unique=False)
    with op.batch_alter_table("workflow_messages", schema=None) as batch_op:
        batch_op.create_index("ix_workflow_messages_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workflow_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_messages_updated_at")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_created_at")
