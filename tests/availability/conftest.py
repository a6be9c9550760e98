"""Availability-cache tests use the booking tests' host: a UTC working week and one event type of each kind."""

from __future__ import annotations

from tests.bookings.conftest import event_types, host_schedule  # noqa: F401 - fixtures, shared
