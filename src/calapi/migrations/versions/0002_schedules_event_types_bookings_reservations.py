"""Schedules with their availability rows, event types, bookings and slot reservations.

Revision ID: 20261124_0002
Revises: 20261124_0001
Create Date: 2026-11-24 05:05:59.819886
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calapi.db


revision = "20261124_0002"
down_revision = "20261124_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_schedules_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_user_id"), ["user_id"], unique=False)

    op.create_table(
        "availabilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_availabilities_schedule_id_schedules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availabilities")),
    )
    with op.batch_alter_table("availabilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_availabilities_schedule_id"), ["schedule_id"], unique=False)

    op.create_table(
        "event_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("length_in_minutes", sa.Integer(), nullable=False),
        sa.Column("length_in_minutes_options", sa.JSON(), nullable=True),
        sa.Column("slot_interval", sa.Integer(), nullable=True),
        sa.Column("minimum_booking_notice", sa.Integer(), nullable=False),
        sa.Column("before_event_buffer", sa.Integer(), nullable=False),
        sa.Column("after_event_buffer", sa.Integer(), nullable=False),
        sa.Column("offset_start", sa.Integer(), nullable=False),
        sa.Column("only_show_first_available_slot", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("seats_per_time_slot", sa.Integer(), nullable=True),
        sa.Column("requires_confirmation", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("booking_window", sa.JSON(), nullable=True),
        sa.Column("booking_limits_count", sa.JSON(), nullable=True),
        sa.Column("booking_limits_duration", sa.JSON(), nullable=True),
        sa.Column("locations", sa.JSON(), nullable=True),
        sa.Column("booking_fields", sa.JSON(), nullable=True),
        sa.Column("recurrence", sa.JSON(), nullable=True),
        sa.Column("seats", sa.JSON(), nullable=True),
        sa.Column("confirmation_policy", sa.JSON(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_event_types_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_event_types_schedule_id_schedules"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_types")),
        sa.UniqueConstraint("owner_id", "slug", name=op.f("uq_event_types_owner_id_slug")),
    )
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_types_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_types_schedule_id"), ["schedule_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_time", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_time", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["event_types.id"],
            name=op.f("fk_bookings_event_type_id_event_types"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("uid", name=op.f("uq_bookings_uid")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_event_type_id_start_time", ["event_type_id", "start_time"], unique=False)
        batch_op.create_index("ix_bookings_user_id_start_time", ["user_id", "start_time"], unique=False)

    op.create_table(
        "slot_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slot_end", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("release_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_seat", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["event_types.id"],
            name=op.f("fk_slot_reservations_event_type_id_event_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_slot_reservations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_reservations")),
    )
    with op.batch_alter_table("slot_reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_slot_reservations_event_type_id_slot_start", ["event_type_id", "slot_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_slot_reservations_release_at"), ["release_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_reservations_uid"), ["uid"], unique=False)
        batch_op.create_index("ix_slot_reservations_user_id_slot_start", ["user_id", "slot_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slot_reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_slot_reservations_user_id_slot_start")
        batch_op.drop_index(batch_op.f("ix_slot_reservations_uid"))
        batch_op.drop_index(batch_op.f("ix_slot_reservations_release_at"))
        batch_op.drop_index("ix_slot_reservations_event_type_id_slot_start")

    op.drop_table("slot_reservations")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_user_id_start_time")
        batch_op.drop_index("ix_bookings_event_type_id_start_time")

    op.drop_table("bookings")
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_types_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_event_types_owner_id"))

    op.drop_table("event_types")
    with op.batch_alter_table("availabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availabilities_schedule_id"))

    op.drop_table("availabilities")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_user_id"))

    op.drop_table("schedules")
