"""The indexes insights read the bookings tables by (the tables themselves belong to ``bookings``).

Periods are ranges of ``created_at`` as often as of ``start_time``: the existing (host, start)
and (event type, start) indexes get their ``created_at`` twins. No-show guests are few, so a
partial index on them lets a count visit only those rows; an attendee name filter is an equality,
as the bookings list's.
"""

from __future__ import annotations

from sqlalchemy import Index

from calapi.bookings.models import Attendee, Booking

BOOKINGS_BY_HOST_CREATED = Index("ix_bookings_user_id_created_at", Booking.user_id, Booking.created_at)
BOOKINGS_BY_EVENT_TYPE_CREATED = Index(
    "ix_bookings_event_type_id_created_at", Booking.event_type_id, Booking.created_at
)
ABSENT_ATTENDEES = Index(
    "ix_attendees_booking_id_absent",
    Attendee.booking_id,
    sqlite_where=Attendee.absent.is_(True),
    postgresql_where=Attendee.absent.is_(True),
)
ATTENDEES_BY_NAME = Index("ix_attendees_name", Attendee.name)
