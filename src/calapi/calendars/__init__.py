"""Calendars: the hosts' own calendars (CalDAV servers, Apple's, ICS feeds) — their busy times, and
where bookings are written."""
