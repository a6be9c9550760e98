"""insights: created_at twins of the booking indexes, no-show attendees, attendee names

Revision ID: 20261206_0040
Revises: 20261206_0030
Create Date: 2026-12-06 23:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261206_0040"
down_revision = "20261206_0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_user_id_created_at", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_bookings_event_type_id_created_at", ["event_type_id", "created_at"], unique=False)
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendees_booking_id_absent",
            ["booking_id"],
            unique=False,
            sqlite_where=sa.text("absent IS 1"),
            postgresql_where=sa.text("absent IS true"),
        )
        batch_op.create_index("ix_attendees_name", ["name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        batch_op.drop_index("ix_attendees_name")
        batch_op.drop_index("ix_attendees_booking_id_absent")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_event_type_id_created_at")
        batch_op.drop_index("ix_bookings_user_id_created_at")
