"""Cal.com's 28 webhook trigger names (API v2 OpenAPI). Those whose source exists fire now; the others
are accepted and fire when their feature lands."""

from __future__ import annotations

ALL_TRIGGERS: tuple[str, ...] = (
    "BOOKING_CREATED",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_PAID",
    "BOOKING_RESCHEDULED",
    "BOOKING_REQUESTED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
    "BOOKING_LOCATION_UPDATED",
    "BOOKING_REASSIGNED",
    "FORM_SUBMITTED",
    "FORM_SUBMITTED_NO_EVENT",
    "ROUTING_FORM_FALLBACK_HIT",
    "MEETING_STARTED",
    "MEETING_ENDED",
    "RECORDING_READY",
    "RECORDING_TRANSCRIPTION_GENERATED",
    "INSTANT_MEETING",
    "INSTANT_MEETING_ACCEPTED",
    "OOO_CREATED",
    "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
    "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
    "DELEGATION_CREDENTIAL_SECRET_ROTATION_FAILED",
    "DELEGATION_CREDENTIAL_ROTATION_REQUIRED",
    "DELEGATION_CREDENTIAL_SECRET_ROTATED",
    "CALENDAR_ENTRY_REJECTED",
)
assert len(ALL_TRIGGERS) == 28

# Sent flat (no ``payload`` key), as Cal.com's scheduled path does.
FLAT_TRIGGERS = frozenset({"MEETING_STARTED", "MEETING_ENDED"})
# Dispatched at a time of their own: late ones are sent within the catch-up window, then expired.
SCHEDULED_TRIGGERS = frozenset({"MEETING_STARTED", "MEETING_ENDED"})
PING = "PING"
VERSIONS = ("2021-10-20",)
TIME_UNITS = ("DAY", "HOUR", "MINUTE")
