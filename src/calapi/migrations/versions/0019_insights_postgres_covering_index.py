"""insights on PostgreSQL: the (event type, created) index of bookings includes the columns counted

A team's statements read its bookings by (event type, created_at) and count them by status,
reschedule, end, host no-show, rating, start and host. With those columns as the index's payload
(``INCLUDE``), PostgreSQL answers a team's year from the index alone once vacuum has marked the
table's pages all-visible, instead of scanning the whole table. SQLite has its own covering
index (0017).

Revision ID: 20261207_ins_pg_cover
Revises: 20261207_ins_host_cover
Create Date: 2026-12-07 08:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "20261207_ins_pg_cover"
down_revision = "20261207_ins_host_cover"
branch_labels = None
depends_on = None

INCLUDED = ["id", "user_id", "status", "rescheduled", "end_time", "absent_host", "rating", "start_time"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_bookings_event_type_id_created_at", table_name="bookings")
    op.create_index(
        "ix_bookings_event_type_id_created_at_covering",
        "bookings",
        ["event_type_id", "created_at"],
        unique=False,
        postgresql_include=INCLUDED,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_bookings_event_type_id_created_at_covering", table_name="bookings")
    op.create_index("ix_bookings_event_type_id_created_at", "bookings", ["event_type_id", "created_at"], unique=False)
