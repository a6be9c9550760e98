"""The indexes insights read the bookings tables by (the tables themselves belong to ``bookings``).

Periods are ranges of ``created_at`` as often as of ``start_time``: the existing (host, start)
and (event type, start) indexes get their ``created_at`` twins. No-show guests are few, so a
partial index on them lets a count visit only those rows; an attendee name filter is an equality,
as the bookings list's.
"""

from __future__ import annotations

from sqlalchemy import Index

from calapi.bookings.models import Attendee, Booking

# What a team's statements count, after the columns they read the bookings by.
COUNTED = (
    Booking.status,
    Booking.rescheduled,
    Booking.end_time,
    Booking.absent_host,
    Booking.rating,
    Booking.start_time,
)

BOOKINGS_BY_HOST_CREATED = Index("ix_bookings_user_id_created_at", Booking.user_id, Booking.created_at).ddl_if(
    dialect="postgresql"
)
# On SQLite the host index carries the event type and the counted columns: a team's members are
# tallied by reading it host by host and event type by event type, in host order, so that SQLite
# need not sort their rows to group them (migration 0018).
BOOKINGS_BY_HOST_TYPE_CREATED_COUNTED = Index(
    "ix_bookings_user_id_event_type_id_created_at_counted",
    Booking.user_id,
    Booking.event_type_id,
    Booking.created_at,
    *COUNTED,
).ddl_if(dialect="sqlite")
# On PostgreSQL the (event type, created) index includes the counted columns as payload: a team's
# statements then read the index alone (an index-only scan, once vacuum has marked the pages
# all-visible) instead of scanning the whole table for a year (migration 0019).
BOOKINGS_BY_EVENT_TYPE_CREATED_COVERING = Index(
    "ix_bookings_event_type_id_created_at_covering",
    Booking.event_type_id,
    Booking.created_at,
    postgresql_include=[Booking.id.key, Booking.user_id.key, *(column.key for column in COUNTED)],
).ddl_if(dialect="postgresql")
# On SQLite the same index carries every column a team's statements count as key columns, so that
# they read the index alone: SQLite otherwise read each matching row from the table, most of the
# time of a team's year (migration 0017). (On PostgreSQL these as key columns made its planner
# choose table scans; as included payload it reads the index alone, above.)
BOOKINGS_BY_EVENT_TYPE_CREATED_COUNTED = Index(
    "ix_bookings_event_type_id_created_at_counted",
    Booking.event_type_id,
    Booking.created_at,
    *COUNTED,
    Booking.user_id,
).ddl_if(dialect="sqlite")
ABSENT_ATTENDEES = Index(
    "ix_attendees_booking_id_absent",
    Attendee.booking_id,
    sqlite_where=Attendee.absent.is_(True),
    postgresql_where=Attendee.absent.is_(True),
)
ATTENDEES_BY_NAME = Index("ix_attendees_name", Attendee.name)
