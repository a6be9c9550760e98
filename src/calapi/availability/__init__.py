"""Availability: what the slot engine needs to know about hosts, loaded from the database.

Busy time (bookings, holds) and host inputs (schedules, zones) become engine inputs here. Slot
listings (``calapi.slots``) and bookings (``calapi.bookings``) both read them from this room, so
neither of the two imports the other.
"""
