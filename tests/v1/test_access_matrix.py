"""Access-control matrix over every route that takes another user's object id (API v1 and v2).

Alice owns one row of every kind (schedule, availability row, event type, booking, attendee,
webhook, event-type webhook, API key, team, membership). Bob — an ordinary user — calls every
such route on Alice's ids: he must get the contract's refusal (404, or the status the v1 contract
names for that route) and Alice's rows must read exactly as before. A system admin calls the same
routes and gets what the contract gives an admin (v1's admin powers; v2 mostly none).

Statuses are the contract's where it names one: v2's Cal.com guards answer 403 (schedules, webhooks,
teams), v1's find-or-throw checks 404, v1 cancel's auth failure 400 (it escapes to captureErrors).
An admin's 400 on a booking action means the ownership check let the admin through and the
booking's state refused (e.g. confirming an accepted booking; v1 PATCH of a title is unsupported).

The route list comes from the app itself: a route that is neither in ``OBJECT_ROUTES`` nor in
``NO_FOREIGN_OBJECT`` (collections, ``/me``, public routes — each with a reason) fails
``test_every_route_has_an_entry``, so a new route cannot skip this matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from calapi.core.openapi import api_routes
from tests.bookings.conftest import MONDAY, at, book, make_event_type, make_schedule
from tests.teams.conftest import make_team

Ids = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One route: how to fill its path from Alice's ids, the body, and each caller's status."""

    path: str  # ``str.format`` over ``Ids``
    intruder: int
    admin: int
    body: Any = None
    params: dict[str, str] | None = None
    version: str | None = None  # cal-api-version for v2 routes that need one
    owner: int = 200  # what Alice herself gets (snapshot); 404 where calapi stores nothing to show


SCHEDULES = "2024-06-11"
EVENT_TYPES = "2024-06-14"
BOOKINGS = "2024-08-13"
WINDOW = {"dateFrom": "2050-09-05", "dateTo": "2050-09-06"}
WORKFLOW = {
    "name": "Confirmation",
    "activation": {"isActiveOnAllEventTypes": True, "activeOnEventTypeIds": []},
    "trigger": {"type": "newEvent"},
    "steps": [
        {
            "stepNumber": 1,
            "action": "email_host",
            "recipient": "const",
            "template": "custom",
            "sender": "Alice",
            "message": {"subject": "Booked: {ATTENDEE_NAME}", "html": "<p>{EVENT_NAME}</p>"},
        }
    ],
}
INSIGHTS = {
    "scope": "team",
    "selectedTeamId": "{team}",
    "timeZone": "UTC",
    "columnFilters": [
        {"id": "startTime", "value": {"type": "dr", "data": {"startDate": "2050-09-01", "endDate": "2050-09-30"}}}
    ],
}

# (method, route path) → Case. Read routes first, then writes, then deletes (children before parents),
# because the admin's calls run in this order against one set of rows.
OBJECT_ROUTES: dict[tuple[str, str], Case] = {
    # --- v1 reads -------------------------------------------------------------------------------
    ("GET", "/v1/users/{userId}"): Case("/v1/users/{alice}", 403, 200),
    ("GET", "/v1/teams/{teamId}/availability"): Case("/v1/teams/{team}/availability", 403, 200, params=WINDOW),
    ("GET", "/v1/schedules/{id}"): Case("/v1/schedules/{schedule}", 403, 200),
    ("GET", "/v1/availabilities/{id}"): Case("/v1/availabilities/{availability}", 404, 200),
    ("GET", "/v1/event-types/{id}"): Case("/v1/event-types/{event_type}", 403, 200),
    ("GET", "/v1/bookings/{id}"): Case("/v1/bookings/{booking}", 403, 200),
    ("GET", "/v1/attendees/{id}"): Case("/v1/attendees/{attendee}", 404, 200),
    ("GET", "/v1/webhooks/{id}"): Case("/v1/webhooks/{webhook}", 404, 200),
    ("GET", "/v1/custom-inputs/{id}"): Case("/v1/custom-inputs/{custom_input}", 404, 200),
    ("GET", "/v1/api-keys/{id}"): Case("/v1/api-keys/{api_key}", 404, 200),
    ("GET", "/v1/teams/{teamId}"): Case("/v1/teams/{team}", 404, 200),
    ("GET", "/v1/memberships/{id}"): Case("/v1/memberships/{membership_v1}", 404, 200),
    # Cal.com filters by membership: an outsider gets 200 with [] (tests/v1/test_code_only_routes_v1.py).
    ("GET", "/v1/teams/{teamId}/event-types"): Case("/v1/teams/{team}/event-types", 200, 200),
    # No booking has a Cal Video reference: the owner and an admin get 404, anyone else 403.
    ("GET", "/v1/bookings/{id}/recordings"): Case("/v1/bookings/{booking}/recordings", 403, 404, owner=404),
    ("GET", "/v1/bookings/{id}/transcripts"): Case("/v1/bookings/{booking}/transcripts", 403, 404, owner=404),
    ("GET", "/v1/bookings/{id}/transcripts/{recordingId}"): Case(
        "/v1/bookings/{booking}/transcripts/rec-1", 403, 404, owner=404
    ),
    # Admin keys only; for them the feature is off (501).
    ("GET", "/v1/credential-sync"): Case("/v1/credential-sync", 403, 501, params={"userId": "{alice}"}, owner=403),
    # --- v2 reads -------------------------------------------------------------------------------
    ("GET", "/v2/schedules/{scheduleId}"): Case("/v2/schedules/{schedule}", 403, 403, version=SCHEDULES),
    ("GET", "/v2/event-types/{eventTypeId}"): Case("/v2/event-types/{event_type}", 404, 404, version=EVENT_TYPES),
    ("GET", "/v2/webhooks/{webhookId}"): Case("/v2/webhooks/{webhook}", 403, 200),
    ("GET", "/v2/webhooks/{webhookId}/deliveries"): Case("/v2/webhooks/{webhook}/deliveries", 403, 200),
    ("GET", "/v2/event-types/{eventTypeId}/webhooks"): Case("/v2/event-types/{event_type}/webhooks", 403, 200),
    ("GET", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): Case(
        "/v2/event-types/{event_type}/webhooks/{event_type_webhook}", 403, 200
    ),
    ("GET", "/v2/teams/{teamId}"): Case("/v2/teams/{team}", 403, 200),
    ("GET", "/v2/teams/{teamId}/memberships"): Case("/v2/teams/{team}/memberships", 403, 200),
    ("GET", "/v2/teams/{teamId}/memberships/{membershipId}"): Case(
        "/v2/teams/{team}/memberships/{membership}", 403, 200
    ),
    ("GET", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Case(
        "/v2/teams/{team}/event-types/{team_event_type}", 403, 200
    ),
    ("GET", "/v2/teams/{teamId}/schedules"): Case("/v2/teams/{team}/schedules", 403, 200),
    # Insights only read; the team is named in the body (the export: in the query) and Cal.com's RolesGuard refuses.
    **{
        ("POST", f"/v2/insights/bookings/{route}"): Case(f"/v2/insights/bookings/{route}", 403, 200, body=INSIGHTS)
        for route in (
            "kpi-stats",
            "event-trends",
            "members",
            "average-duration",
            "busiest-times",
            "lead-time",
            "revenue",
        )
    },
    ("GET", "/v2/insights/bookings/export"): Case(
        "/v2/insights/bookings/export",
        403,
        200,
        params={"scope": "team", "selectedTeamId": "{team}", "timeZone": "UTC"},
    ),
    # --- v1 writes ------------------------------------------------------------------------------
    ("PATCH", "/v1/users/{userId}"): Case("/v1/users/{alice}", 403, 200, body={"name": "Changed"}),
    ("PATCH", "/v1/schedules/{id}"): Case("/v1/schedules/{schedule}", 403, 200, body={"name": "Changed"}),
    ("PATCH", "/v1/availabilities/{id}"): Case("/v1/availabilities/{availability}", 404, 200, body={"days": [2]}),
    ("PATCH", "/v1/event-types/{id}"): Case("/v1/event-types/{event_type}", 403, 200, body={"title": "Changed"}),
    ("PATCH", "/v1/bookings/{id}"): Case("/v1/bookings/{booking}", 403, 200, body={"title": "Changed"}),
    ("POST", "/v1/bookings/{id}/confirm"): Case("/v1/bookings/{booking}/confirm", 404, 400, body={"confirmed": True}),
    ("PATCH", "/v1/attendees/{id}"): Case("/v1/attendees/{attendee}", 404, 200, body={"name": "Changed"}),
    ("PATCH", "/v1/webhooks/{id}"): Case("/v1/webhooks/{webhook}", 404, 200, body={"active": False}),
    ("PATCH", "/v1/custom-inputs/{id}"): Case(
        "/v1/custom-inputs/{custom_input}", 404, 200, body={"placeholder": "Changed"}
    ),
    ("PATCH", "/v1/api-keys/{id}"): Case("/v1/api-keys/{api_key}", 404, 200, body={"note": "Changed"}),
    ("PATCH", "/v1/teams/{teamId}"): Case("/v1/teams/{team}", 404, 200, body={"name": "Changed"}),
    ("PATCH", "/v1/memberships/{id}"): Case(
        "/v1/memberships/{membership_v1}", 404, 200, body={"disableImpersonation": True}
    ),
    ("POST", "/v1/no-show"): Case("/v1/no-show", 403, 400, body={"bookingUid": "{booking_uid}", "noShowHost": True}),
    ("PATCH", "/v1/teams/{teamId}/publish"): Case("/v1/teams/{team}/publish", 404, 200),
    ("POST", "/v1/invites"): Case(
        "/v1/invites", 403, 200, body={"teamId": "{team}", "usernameOrEmail": "root@example.com"}
    ),
    ("POST", "/v1/credential-sync"): Case(
        "/v1/credential-sync", 403, 501, params={"userId": "{alice}"}, body={"appSlug": "x", "encryptedKey": "y"}
    ),
    ("PATCH", "/v1/credential-sync"): Case(
        "/v1/credential-sync", 403, 501, params={"userId": "{alice}", "credentialId": "1"}, body={"encryptedKey": "y"}
    ),
    ("DELETE", "/v1/credential-sync"): Case(
        "/v1/credential-sync", 403, 501, params={"userId": "{alice}", "credentialId": "1"}
    ),
    # --- v2 writes ------------------------------------------------------------------------------
    ("PATCH", "/v2/schedules/{scheduleId}"): Case(
        "/v2/schedules/{schedule}", 403, 403, body={"name": "Changed"}, version=SCHEDULES
    ),
    ("PATCH", "/v2/event-types/{eventTypeId}"): Case(
        "/v2/event-types/{event_type}", 404, 404, body={"title": "Changed"}, version=EVENT_TYPES
    ),
    ("POST", "/v2/bookings/{bookingUid}/confirm"): Case(
        "/v2/bookings/{booking_uid}/confirm", 404, 400, version=BOOKINGS
    ),
    ("POST", "/v2/bookings/{bookingUid}/decline"): Case(
        "/v2/bookings/{booking_uid}/decline", 404, 400, body={}, version=BOOKINGS
    ),
    ("POST", "/v2/bookings/{bookingUid}/mark-absent"): Case(
        "/v2/bookings/{booking_uid}/mark-absent", 404, 400, body={"host": True}, version=BOOKINGS
    ),
    # Legacy (no cal-api-version): the organizer or an admin; the admin's 400 is the booking not having started.
    # Legacy routes sharing a path with a current one (cancel, PATCH/DELETE /v2/schedules/{id}) are one key
    # here; tests/legacy/test_legacy_v2_writes.py checks another user's calls on the legacy version.
    ("POST", "/v2/bookings/{bookingUid}/mark-no-show"): Case(
        "/v2/bookings/{booking_uid}/mark-no-show", 404, 400, body={"noShowHost": True}
    ),
    ("PATCH", "/v2/bookings/{bookingUid}/location"): Case(
        "/v2/bookings/{booking_uid}/location",
        404,
        200,
        body={"location": {"type": "address", "address": "Elsewhere"}},
        version=BOOKINGS,
    ),
    ("POST", "/v2/bookings/{bookingUid}/reassign"): Case(
        "/v2/bookings/{booking_uid}/reassign", 404, 400, body={}, version=BOOKINGS
    ),
    ("POST", "/v2/bookings/{bookingUid}/reassign/{userId}"): Case(
        "/v2/bookings/{booking_uid}/reassign/{bob}", 404, 400, body={}, version=BOOKINGS
    ),
    ("PATCH", "/v2/webhooks/{webhookId}"): Case("/v2/webhooks/{webhook}", 403, 200, body={"active": False}),
    ("POST", "/v2/webhooks/{webhookId}/ping"): Case("/v2/webhooks/{webhook}/ping", 403, 200),
    ("POST", "/v2/webhooks/{webhookId}/rotate-secret"): Case("/v2/webhooks/{webhook}/rotate-secret", 403, 200),
    ("POST", "/v2/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): Case(
        "/v2/webhooks/{webhook}/deliveries/999999/redeliver", 403, 404
    ),
    ("POST", "/v2/event-types/{eventTypeId}/webhooks"): Case(
        "/v2/event-types/{event_type}/webhooks",
        403,
        201,
        body={"subscriberUrl": "http://127.0.0.1:9/admin", "active": True, "triggers": []},
    ),
    ("PATCH", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): Case(
        "/v2/event-types/{event_type}/webhooks/{event_type_webhook}", 403, 200, body={"active": False}
    ),
    ("GET", "/v2/teams/{teamId}/webhooks"): Case("/v2/teams/{team}/webhooks", 403, 200),
    ("GET", "/v2/teams/{teamId}/webhooks/{webhookId}"): Case("/v2/teams/{team}/webhooks/{team_webhook}", 403, 200),
    ("GET", "/v2/teams/{teamId}/webhooks/{webhookId}/deliveries"): Case(
        "/v2/teams/{team}/webhooks/{team_webhook}/deliveries", 403, 200
    ),
    ("GET", "/v2/workflows/{workflowId}"): Case("/v2/workflows/{workflow}", 404, 200),
    ("GET", "/v2/workflows/{workflowId}/messages"): Case("/v2/workflows/{workflow}/messages", 404, 200),
    ("GET", "/v2/bookings/{bookingUid}/messages"): Case("/v2/bookings/{booking_uid}/messages", 404, 200),
    ("GET", "/v2/teams/{teamId}/workflows"): Case("/v2/teams/{team}/workflows", 403, 200),
    ("GET", "/v2/teams/{teamId}/workflows/{workflowId}"): Case("/v2/teams/{team}/workflows/{team_workflow}", 403, 200),
    ("GET", "/v2/teams/{teamId}/workflows/{workflowId}/messages"): Case(
        "/v2/teams/{team}/workflows/{team_workflow}/messages", 403, 200
    ),
    ("PATCH", "/v2/workflows/{workflowId}"): Case("/v2/workflows/{workflow}", 404, 200, body={"name": "Changed"}),
    ("POST", "/v2/workflows/{workflowId}/preview"): Case(
        "/v2/workflows/{workflow}/preview", 404, 200, body={"bookingUid": "{booking_uid}"}
    ),
    ("POST", "/v2/teams/{teamId}/workflows"): Case("/v2/teams/{team}/workflows", 403, 201, body=WORKFLOW),
    ("PATCH", "/v2/teams/{teamId}/workflows/{workflowId}"): Case(
        "/v2/teams/{team}/workflows/{team_workflow}", 403, 200, body={"name": "Changed"}
    ),
    ("POST", "/v2/teams/{teamId}/workflows/{workflowId}/preview"): Case(
        "/v2/teams/{team}/workflows/{team_workflow}/preview", 403, 200, body={"bookingUid": "{booking_uid}"}
    ),
    ("POST", "/v2/teams/{teamId}/webhooks"): Case(
        "/v2/teams/{team}/webhooks",
        403,
        201,
        body={"subscriberUrl": "http://127.0.0.1:9/team-admin", "active": True, "triggers": []},
    ),
    ("PATCH", "/v2/teams/{teamId}/webhooks/{webhookId}"): Case(
        "/v2/teams/{team}/webhooks/{team_webhook}", 403, 200, body={"active": False}
    ),
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/ping"): Case(
        "/v2/teams/{team}/webhooks/{team_webhook}/ping", 403, 200
    ),
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/rotate-secret"): Case(
        "/v2/teams/{team}/webhooks/{team_webhook}/rotate-secret", 403, 200
    ),
    ("POST", "/v2/teams/{teamId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): Case(
        "/v2/teams/{team}/webhooks/{team_webhook}/deliveries/999999/redeliver", 403, 404
    ),
    ("DELETE", "/v2/teams/{teamId}/webhooks/{webhookId}"): Case("/v2/teams/{team}/webhooks/{team_webhook}", 403, 200),
    ("PATCH", "/v2/teams/{teamId}"): Case("/v2/teams/{team}", 403, 200, body={"name": "Changed"}),
    ("POST", "/v2/teams/{teamId}/memberships"): Case(
        "/v2/teams/{team}/memberships", 403, 201, body={"userId": "{bob}", "role": "MEMBER", "accepted": True}
    ),
    # Alice is her teams' only owner: even a system admin may not demote or remove her
    # (tests/teams/test_team_takeover.py); the admin deletes the team instead.
    ("PATCH", "/v2/teams/{teamId}/memberships/{membershipId}"): Case(
        "/v2/teams/{team}/memberships/{membership}", 403, 403, body={"role": "ADMIN"}
    ),
    ("POST", "/v2/teams/{teamId}/event-types"): Case(
        "/v2/teams/{team}/event-types",
        403,
        201,
        body={
            "lengthInMinutes": 30,
            "title": "Admin",
            "slug": "admin-made",
            "schedulingType": "COLLECTIVE",
            "assignAllTeamMembers": True,
        },
    ),
    ("PATCH", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Case(
        "/v2/teams/{team}/event-types/{team_event_type}", 403, 200, body={"title": "Changed"}
    ),
    # --- deletes, children before parents -------------------------------------------------------
    ("DELETE", "/v2/workflows/{workflowId}"): Case("/v2/workflows/{workflow}", 404, 200),
    ("DELETE", "/v2/teams/{teamId}/workflows/{workflowId}"): Case(
        "/v2/teams/{team}/workflows/{team_workflow}", 403, 200
    ),
    ("DELETE", "/v1/bookings/{id}/cancel"): Case("/v1/bookings/{booking}/cancel", 400, 200),
    ("DELETE", "/v1/attendees/{id}"): Case("/v1/attendees/{attendee}", 404, 200),
    ("DELETE", "/v1/availabilities/{id}"): Case("/v1/availabilities/{availability}", 404, 200),
    ("DELETE", "/v1/memberships/{id}"): Case("/v1/memberships/{membership_v1}", 404, 403),
    ("DELETE", "/v2/teams/{teamId}/memberships/{membershipId}"): Case(
        "/v2/teams/{team_2}/memberships/{membership_2}", 403, 403
    ),
    ("DELETE", "/v2/teams/{teamId}/event-types/{eventTypeId}"): Case(
        "/v2/teams/{team}/event-types/{team_event_type}", 403, 200
    ),
    ("DELETE", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): Case(
        "/v2/event-types/{event_type}/webhooks/{event_type_webhook}", 403, 200
    ),
    ("DELETE", "/v2/event-types/{eventTypeId}/webhooks"): Case("/v2/event-types/{event_type}/webhooks", 403, 200),
    ("DELETE", "/v1/webhooks/{id}"): Case("/v1/webhooks/{webhook}", 404, 200),
    ("DELETE", "/v1/custom-inputs/{id}"): Case("/v1/custom-inputs/{custom_input_2}", 404, 200),
    ("DELETE", "/v2/webhooks/{webhookId}"): Case("/v2/webhooks/{webhook_2}", 403, 200),
    ("DELETE", "/v1/api-keys/{id}"): Case("/v1/api-keys/{api_key}", 404, 200),
    ("DELETE", "/v1/bookings/{id}"): Case("/v1/bookings/{booking_2}", 403, 200),
    ("DELETE", "/v2/event-types/{eventTypeId}"): Case("/v2/event-types/{event_type_2}", 403, 403, version=EVENT_TYPES),
    ("DELETE", "/v1/event-types/{id}"): Case("/v1/event-types/{event_type}", 404, 200),
    ("DELETE", "/v2/schedules/{scheduleId}"): Case("/v2/schedules/{schedule_2}", 403, 403, version=SCHEDULES),
    ("DELETE", "/v1/schedules/{id}"): Case("/v1/schedules/{schedule}", 403, 200),
    ("DELETE", "/v2/teams/{teamId}"): Case("/v2/teams/{team_2}", 403, 200),
    ("DELETE", "/v1/teams/{teamId}"): Case("/v1/teams/{team}", 404, 200),
    ("DELETE", "/v1/users/{userId}"): Case("/v1/users/{alice}", 403, 200),
}

# Routes that take no other user's object id, each with why it is outside the matrix.
NO_FOREIGN_OBJECT: dict[tuple[str, str], str] = {
    ("GET", "/health"): "public liveness probe",
    ("GET", "/v2/timezones"): "public list",
    ("GET", "/v1/openapi.json"): "public document",
    ("GET", "/v1/docs"): "public document",
    ("GET", "/v2/me"): "the caller's own user",
    ("PATCH", "/v2/me"): "the caller's own user",
    ("GET", "/v1/me"): "the caller's own user",
    ("POST", "/v2/api-keys/refresh"): "the caller's own key",
    ("GET", "/v2/schedules/default"): "the caller's own default schedule",
    ("GET", "/v2/slots"): "public availability of bookable event types",
    ("POST", "/v2/slots/reservations"): "public: any booker may hold a slot",
    ("GET", "/v2/slots/reservations/{uid}"): "a booker's hold, addressed by its unguessable uid (Cal.com: public)",
    ("PATCH", "/v2/slots/reservations/{uid}"): "a booker's hold, addressed by its unguessable uid (Cal.com: public)",
    ("DELETE", "/v2/slots/reservations/{uid}"): "a booker's hold, addressed by its unguessable uid (Cal.com: public)",
    ("GET", "/v2/versions"): "public list of API versions",
    ("GET", "/v2/slots/available"): "public availability (legacy 2024-04-15 shape)",
    ("POST", "/v2/slots/reserve"): "public: any booker may hold a slot (legacy shape)",
    ("DELETE", "/v2/slots/selected-slot"): "a booker's hold, addressed by its unguessable uid (legacy shape)",
    ("GET", "/v1/slots"): "public availability of bookable event types",
    (
        "GET",
        "/v1/users/{userId}/availability",
    ): "contract 2.4: any user's free/busy is readable (GET /availability?userId=)",
    ("GET", "/v2/bookings/{bookingUid}"): "contract 2.6.1: auth optional, anyone with the uid (the booker's link)",
    ("POST", "/v2/bookings/{bookingUid}/reschedule"): "contract 2.6.1: auth optional, anyone with the uid",
    ("POST", "/v2/bookings/{bookingUid}/cancel"): "contract 2.6.1: auth optional, anyone with the uid",
    ("POST", "/v2/bookings/recurring"): "legacy create (no cal-api-version): public, books the caller's own series",
    ("GET", "/v2/teams/{teamId}/event-types"): "contract: public list of a team's bookable event types",
    ("GET", "/v1/availability"): "free/busy by userId/teamId query; covered via /v1/users|teams/{id}/availability",
}
# Payments: another user's payment answers 404 (tests/payments/test_payment_lifecycle.py, against localstripe).
NO_FOREIGN_OBJECT[("GET", "/v1/payments")] = "payments: only the caller's (tests/payments)"
NO_FOREIGN_OBJECT[("GET", "/v1/payments/{id}")] = "payments: another user's id is 404 (tests/payments)"
NO_FOREIGN_OBJECT[("POST", "/api/integrations/stripepayment/webhook")] = (
    "Stripe's webhook: no key, the Stripe-Signature is the credential (tests/payments)"
)
NO_FOREIGN_OBJECT[("GET", "/payment/{payment_uid}")] = "the booker's payment page: anyone with the payment's uid"
# Calendars need a calendar server to hold a row: another user's connection, calendar, destination and
# reference ids are refused (404) in tests/calendars/test_ownership_and_v1.py, against Radicale.
_CALENDARS = "calendars: another user's ids answer 404 (tests/calendars/test_ownership_and_v1.py)"
for _method, _path in [
    ("GET", "/v1/selected-calendars"),
    ("POST", "/v1/selected-calendars"),
    ("GET", "/v1/selected-calendars/{id:path}"),
    ("PATCH", "/v1/selected-calendars/{id:path}"),
    ("DELETE", "/v1/selected-calendars/{id:path}"),
    ("GET", "/v1/destination-calendars"),
    ("POST", "/v1/destination-calendars"),
    ("GET", "/v1/destination-calendars/{id}"),
    ("PATCH", "/v1/destination-calendars/{id}"),
    ("DELETE", "/v1/destination-calendars/{id}"),
    ("GET", "/v1/connected-calendars"),
    ("GET", "/v1/booking-references"),
    ("POST", "/v1/booking-references"),
    ("GET", "/v1/booking-references/{id}"),
    ("PATCH", "/v1/booking-references/{id}"),
    ("DELETE", "/v1/booking-references/{id}"),
    ("POST", "/v2/calendars/apple/credentials"),
    ("POST", "/v2/calendars/caldav/credentials"),
    ("POST", "/v2/calendars/ics-feed/save"),
    ("GET", "/v2/calendars/{calendar}/check"),
    ("POST", "/v2/calendars/{calendar}/disconnect"),
    ("GET", "/v2/calendars"),
    ("GET", "/v2/calendars/busy-times"),
    ("POST", "/v2/selected-calendars"),
    ("DELETE", "/v2/selected-calendars"),
    ("PUT", "/v2/destination-calendars"),
    ("GET", "/v2/bookings/{bookingUid}/references"),
]:
    NO_FOREIGN_OBJECT[(_method, _path)] = _CALENDARS
NO_FOREIGN_OBJECT[("GET", "/v2/bookings/{bookingUid}/calendar-links")] = (
    "contract 2.6.12: any caller with the booking's uid (as GET /v2/bookings/{uid})"
)
NO_FOREIGN_OBJECT[("GET", "/v2/bookings/{bookingUid}/event.ics")] = (
    "public: the .ics a calendar link points at, addressed by the booking's uid (as GET /v2/bookings/{uid})"
)
NO_FOREIGN_OBJECT[("GET", "/v1/audit-logs")] = 'stores nothing: always {"events": []}'
NO_FOREIGN_OBJECT[("POST", "/v1/audit-logs")] = "stores nothing: the event is checked and dropped"
for _method, _collection in [
    ("GET", "/v2/schedules"),
    ("POST", "/v2/schedules"),
    ("GET", "/v2/event-types"),
    ("POST", "/v2/event-types"),
    ("GET", "/v2/bookings"),
    ("POST", "/v2/bookings"),
    ("GET", "/v2/teams"),
    ("POST", "/v2/teams"),
    ("GET", "/v2/webhooks"),
    ("POST", "/v2/webhooks"),
    ("GET", "/v2/workflows"),
    ("POST", "/v2/workflows"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("GET", "/v1/schedules"),
    ("POST", "/v1/schedules"),
    ("POST", "/v1/availabilities"),
    ("GET", "/v1/event-types"),
    ("POST", "/v1/event-types"),
    ("GET", "/v1/bookings"),
    ("POST", "/v1/bookings"),
    ("GET", "/v1/webhooks"),
    ("POST", "/v1/webhooks"),
    ("GET", "/v1/api-keys"),
    ("POST", "/v1/api-keys"),
    ("GET", "/v1/teams"),
    ("POST", "/v1/teams"),
    ("GET", "/v1/memberships"),
    ("POST", "/v1/memberships"),
    ("GET", "/v1/attendees"),
    ("POST", "/v1/attendees"),
    ("GET", "/v1/custom-inputs"),
    ("POST", "/v1/custom-inputs"),
]:
    # Collections list only the caller's rows and create rows the caller owns (tests/v1/test_lists_v1.py
    # and each resource's tests check the filters; a body naming another user's row is refused there).
    NO_FOREIGN_OBJECT[(_method, _collection)] = "collection: the caller's own rows"


def test_every_route_has_an_entry(app) -> None:
    missing = served(app) - OBJECT_ROUTES.keys() - NO_FOREIGN_OBJECT.keys()
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"


# --- Alice's rows ---------------------------------------------------------------------------------


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body = response.json()
    return body.get("data", body)


async def seed(app: Any, client: httpx.AsyncClient, alice: Any, bob: Any) -> Ids:
    """One row of every kind for Alice (two of those an admin deletes through both versions)."""
    schedule = await make_schedule(client, alice)
    schedule_2 = await make_schedule(client, alice)
    event_type = await make_event_type(client, alice, "intro")
    event_type_2 = await make_event_type(client, alice, "spare")
    booking = await _created(await book(client, event_type, at(MONDAY, "10:00")))
    booking_2 = await _created(await book(client, event_type, at(MONDAY, "11:00")))
    v1 = {"apiKey": alice.key}
    availability = await _created(
        await client.post(
            "/v1/availabilities",
            params=v1,
            json={
                "scheduleId": schedule,
                "startTime": "1970-01-01T10:00:00.000Z",
                "endTime": "1970-01-01T11:00:00.000Z",
                "days": [1],
            },
        )
    )
    hook = {"active": True, "triggers": ["BOOKING_CREATED"]}
    webhook = await _created(
        await client.post("/v2/webhooks", json={"subscriberUrl": "http://127.0.0.1:9/a", **hook}, headers=alice.headers)
    )
    webhook_2 = await _created(
        await client.post("/v2/webhooks", json={"subscriberUrl": "http://127.0.0.1:9/b", **hook}, headers=alice.headers)
    )
    et_webhook = await _created(
        await client.post(
            f"/v2/event-types/{event_type}/webhooks",
            json={"subscriberUrl": "http://127.0.0.1:9/c", **hook},
            headers=alice.headers,
        )
    )
    api_key = await _created(await client.post("/v1/api-keys", params=v1, json={"note": "second"}))
    custom_inputs = [
        (
            await _created(
                await client.post(
                    "/v1/custom-inputs",
                    params=v1,
                    json={
                        "eventTypeId": event_type,
                        "label": label,
                        "type": "TEXT",
                        "required": False,
                        "placeholder": "",
                    },
                )
            )
        )["event_type_custom_input"]["id"]
        for label in ("Company", "Role")
    ]
    team = await make_team(client, alice, "Alpha")
    team_2 = await make_team(client, alice, "Beta")
    memberships = await _created(await client.get(f"/v2/teams/{team['id']}/memberships", headers=alice.headers))
    [membership] = [m for m in memberships if m["userId"] == alice.id]
    memberships_2 = await _created(await client.get(f"/v2/teams/{team_2['id']}/memberships", headers=alice.headers))
    [membership_2] = [m for m in memberships_2 if m["userId"] == alice.id]
    team_event_type = await _created(
        await client.post(
            f"/v2/teams/{team['id']}/event-types",
            headers=alice.headers,
            json={
                "lengthInMinutes": 30,
                "title": "Team",
                "slug": "team-intro",
                "schedulingType": "COLLECTIVE",
                "assignAllTeamMembers": True,
            },
        )
    )
    ids: Ids = {
        "workflow": (await _created(await client.post("/v2/workflows", json=WORKFLOW, headers=alice.headers)))["id"],
        "team_workflow": (
            await _created(await client.post(f"/v2/teams/{team['id']}/workflows", json=WORKFLOW, headers=alice.headers))
        )["id"],
    }
    if any(route.path == "/v2/teams/{teamId}/webhooks" for route in api_routes(app.routes)):
        team_webhook = await _created(
            await client.post(
                f"/v2/teams/{team['id']}/webhooks",
                json={"subscriberUrl": "http://127.0.0.1:9/t", **hook},
                headers=alice.headers,
            )
        )
        ids["team_webhook"] = team_webhook["id"]
    return ids | {
        "alice": alice.id,
        "bob": bob.id,
        "schedule": schedule,
        "schedule_2": schedule_2,
        "event_type": event_type,
        "event_type_2": event_type_2,
        "booking": booking["id"],
        "booking_2": booking_2["id"],
        "booking_uid": booking["uid"],
        "attendee": await _attendee_id(client, alice, booking["id"]),
        "availability": availability["availability"]["id"],
        "webhook": webhook["id"],
        "webhook_2": webhook_2["id"],
        "event_type_webhook": et_webhook["id"],
        "api_key": api_key["api_key"]["id"],
        "custom_input": custom_inputs[0],
        "custom_input_2": custom_inputs[1],
        "team": team["id"],
        "team_2": team_2["id"],
        "membership": membership["id"],
        "membership_2": membership_2["id"],
        "membership_v1": f"{alice.id}_{team['id']}",
        "team_event_type": team_event_type["id"],
    }


async def _attendee_id(client: httpx.AsyncClient, alice: Any, booking_id: int) -> int:
    attendees = (await client.get("/v1/attendees", params={"apiKey": alice.key})).json()["attendees"]
    return next(a["id"] for a in attendees if a["bookingId"] == booking_id)


def _fill(value: Any, ids: Ids) -> Any:
    if isinstance(value, str):
        text = value.format(**ids)
        return int(text) if text.isdigit() and value.startswith("{") else text
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


async def call(client: httpx.AsyncClient, user: Any, method: str, case: Case, ids: Ids) -> httpx.Response:
    path = case.path.format(**ids)
    params = {name: value.format(**ids) for name, value in (case.params or {}).items()}
    headers = dict(user.headers)
    if path.startswith("/v1/"):
        params["apiKey"] = user.key
        headers = {}
    if case.version:
        headers["cal-api-version"] = case.version
    body = _fill(case.body, ids) if case.body is not None else None
    return await client.request(method, path, params=params, headers=headers, json=body)


def served(app: Any) -> set[tuple[str, str]]:
    """Every API route (the settings pages take no API key: tests/web checks their ownership)."""
    return {
        (method, route.path)
        for route in api_routes(app.routes)
        if not route.endpoint.__module__.startswith("calapi.web.")
        for method in route.methods
    }


async def snapshot(app: Any, client: httpx.AsyncClient, alice: Any, ids: Ids) -> dict[tuple[str, str], Any]:
    """What Alice reads for every GET in the matrix (timestamps included: nothing may change)."""
    seen = {}
    present = served(app)
    for (method, route), case in OBJECT_ROUTES.items():
        if method == "GET" and (method, route) in present:
            response = await call(client, alice, method, case, ids)
            assert response.status_code == case.owner, (route, response.text)
            json_answer = response.headers.get("content-type", "").startswith("application/json")
            seen[(method, route)] = response.json() if json_answer else response.text  # the CSV export
    return seen


@pytest.mark.parametrize("role", ["intruder", "admin"])
async def test_access_matrix(role: str, app, client, alice, bob, admin) -> None:
    ids = await seed(app, client, alice, bob)
    before = await snapshot(app, client, alice, ids)
    caller = bob if role == "intruder" else admin
    present = served(app)
    wrong = []
    for (method, route), case in OBJECT_ROUTES.items():
        if (method, route) not in present:
            continue  # an entry written ahead of its route
        response = await call(client, caller, method, case, ids)
        expected = case.intruder if role == "intruder" else case.admin
        if response.status_code != expected:
            wrong.append(f"{method} {route}: {response.status_code} (expected {expected}) {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    if role == "intruder":
        assert await snapshot(app, client, alice, ids) == before
