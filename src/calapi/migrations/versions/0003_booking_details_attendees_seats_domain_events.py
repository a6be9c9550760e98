"""Booking details (reschedule links, cancellation, location, responses), attendees, seats, domain events.

Revision ID: 20261124_0003
Revises: 20261124_0002
Create Date: 2026-11-24 05:18:41.534503
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calapi.db


revision = "20261124_0003"
down_revision = "20261124_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("subject_uid", sa.String(length=64), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("event_type_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_domain_events_owner_user_id"), ["owner_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_domain_events_subject_uid"), ["subject_uid"], unique=False)
        batch_op.create_index(batch_op.f("ix_domain_events_trigger"), ["trigger"], unique=False)

    op.create_table(
        "attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("phone_number", sa.String(length=64), nullable=True),
        sa.Column("absent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_attendees_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendees")),
    )
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendees_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendees_email"), ["email"], unique=False)

    op.create_table(
        "booking_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_uid", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendee_id"], ["attendees.id"], name=op.f("fk_booking_seats_attendee_id_attendees"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_booking_seats_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_seats")),
        sa.UniqueConstraint("reference_uid", name=op.f("uq_booking_seats_reference_uid")),
    )
    with op.batch_alter_table("booking_seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_seats_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_seats_booking_id"), ["booking_id"], unique=False)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recurring_event_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("from_reschedule", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rescheduled", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("rescheduled_by_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("cancellation_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("rejection_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("location", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("responses", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("absent_host", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("ical_uid", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bookings_from_reschedule"), ["from_reschedule"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_recurring_event_id"), ["recurring_event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_recurring_event_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_from_reschedule"))
        batch_op.drop_column("rating")
        batch_op.drop_column("ical_uid")
        batch_op.drop_column("absent_host")
        batch_op.drop_column("metadata")
        batch_op.drop_column("responses")
        batch_op.drop_column("location")
        batch_op.drop_column("rejection_reason")
        batch_op.drop_column("cancelled_by_email")
        batch_op.drop_column("cancellation_reason")
        batch_op.drop_column("rescheduled_by_email")
        batch_op.drop_column("rescheduled")
        batch_op.drop_column("from_reschedule")
        batch_op.drop_column("recurring_event_id")

    with op.batch_alter_table("booking_seats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_seats_booking_id"))
        batch_op.drop_index(batch_op.f("ix_booking_seats_attendee_id"))

    op.drop_table("booking_seats")
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendees_email"))
        batch_op.drop_index(batch_op.f("ix_attendees_booking_id"))

    op.drop_table("attendees")
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domain_events_trigger"))
        batch_op.drop_index(batch_op.f("ix_domain_events_subject_uid"))
        batch_op.drop_index(batch_op.f("ix_domain_events_owner_user_id"))

    op.drop_table("domain_events")
