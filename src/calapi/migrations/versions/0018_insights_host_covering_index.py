"""insights on SQLite: the (host, created) index of bookings becomes (host, event type, created) with the columns counted

A team's members are tallied by reading this index host by host and, within a host, the team's
event types: the rows come in host order, so SQLite groups them without sorting, and with the
counted columns in the index it reads no table row. PostgreSQL keeps (host, created)
(``insights/models.py``).

Revision ID: 20261207_ins_host_cover
Revises: 20261207_ins_cover
Create Date: 2026-12-07 08:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "20261207_ins_host_cover"
down_revision = "20261207_ins_cover"
branch_labels = None
depends_on = None

COUNTED = ["status", "rescheduled", "end_time", "absent_host", "rating", "start_time"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_id_created_at")
        batch_op.create_index(
            "ix_bookings_user_id_event_type_id_created_at_counted",
            ["user_id", "event_type_id", "created_at", *COUNTED],
            unique=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_id_event_type_id_created_at_counted")
        batch_op.create_index("ix_bookings_user_id_created_at", ["user_id", "created_at"], unique=False)
