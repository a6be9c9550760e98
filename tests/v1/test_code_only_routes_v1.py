"""API v1 routes present in Cal.com's v1 code but not in its openapi.json (contract §2.17, quirk 26):
``POST /no-show``, ``POST /invites``, ``PATCH /teams/{teamId}/publish``, ``GET /teams/{teamId}/event-types``,
``/bookings/{id}/recordings|transcripts``, ``/credential-sync``, ``/audit-logs`` and ``GET /docs``.

Each is checked through HTTP for success, not-found, not-owned, bad input and (where the route
takes one) a non-admin ``userId``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calapi.core.clock import request_now
from tests.bookings.conftest import (  # noqa: F401 - fixtures
    ATTENDEE,
    MONDAY,
    at,
    book,
    event_types,
    host_schedule,
    v2,
)
from tests.support.factories import make_user
from tests.v1.conftest import v1_error


@pytest.fixture
def clock(app):
    """The request clock: a week before MONDAY (bookings can be made) until a test moves it."""
    now = {"now": datetime(2050, 8, 29, 9, tzinfo=UTC)}
    app.dependency_overrides[request_now] = lambda: now["now"]
    yield now
    app.dependency_overrides.pop(request_now, None)


def meeting_started(clock) -> None:
    """Noon on MONDAY: a 10:00 booking has started, a 14:00 one has not."""
    clock["now"] = datetime(2050, 9, 5, 12, tzinfo=UTC)


async def _booking(client, event_type_id, clock):
    response = await book(client, event_type_id, at(MONDAY, clock))
    assert response.status_code == 201, response.text
    return response.json()["data"]


# --- POST /no-show -------------------------------------------------------------------------------------


async def test_no_show_marks_attendees_and_the_host_through_the_v2_service(api, client, alice, event_types, clock):
    booking = await _booking(client, event_types.regular, "10:00")
    meeting_started(clock)
    marked = await api.post(
        alice,
        "/no-show",
        json={"bookingUid": booking["uid"], "attendees": [{"email": ATTENDEE["email"], "noShow": True}]},
    )
    assert marked.status_code == 200, marked.text
    assert marked.json() == {
        "attendees": [{"email": ATTENDEE["email"], "noShow": True}],
        "noShowHost": False,
        "message": f"{ATTENDEE['email']} marked as no-show",
    }
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert seen["attendees"][0]["absent"] is True and seen["absentHost"] is False

    host = await api.post(alice, "/no-show", json={"bookingUid": booking["uid"], "noShowHost": True, "unknownKey": 1})
    assert host.status_code == 200 and host.json() == {
        "attendees": [],
        "noShowHost": True,
        "message": "No-show status updated",
    }
    unmarked = await api.post(
        alice,
        "/no-show",
        json={"bookingUid": booking["uid"], "attendees": [{"email": ATTENDEE["email"], "noShow": False}]},
    )
    assert unmarked.json()["message"] == f"{ATTENDEE['email']} unmarked as no-show"
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert seen["attendees"][0]["absent"] is False and seen["absentHost"] is True


async def test_no_show_refusals(api, client, alice, bob, admin, event_types, clock):
    booking = await _booking(client, event_types.regular, "10:00")
    later = await _booking(client, event_types.regular, "14:00")
    meeting_started(clock)
    mark = {"attendees": [{"email": ATTENDEE["email"], "noShow": True}]}
    # Another user's booking and a uid that does not exist answer alike.
    v1_error(
        await api.post(bob, "/no-show", json={"bookingUid": booking["uid"], **mark}), 403, "You are not authorized"
    )
    v1_error(await api.post(bob, "/no-show", json={"bookingUid": "no-such-uid", **mark}), 403, "You are not authorized")
    v1_error(await api.post(admin, "/no-show", json={"bookingUid": "no-such-uid", **mark}), 404)
    v1_error(await api.post(alice, "/no-show", json=mark), 400, "invalid_type in 'bookingUid': Required")
    v1_error(
        await api.post(
            alice, "/no-show", json={"bookingUid": booking["uid"], "attendees": [{"email": "x@example.com"}]}
        ),
        400,
    )
    # The lifecycle service's rules: a known attendee, and not before the start.
    v1_error(
        await api.post(
            alice,
            "/no-show",
            json={"bookingUid": booking["uid"], "attendees": [{"email": "x@example.com", "noShow": True}]},
        ),
        400,
    )
    v1_error(await api.post(alice, "/no-show", json={"bookingUid": later["uid"], **mark}), 400)
    seen = (await client.get(f"/v2/bookings/{booking['uid']}", headers=v2(alice))).json()["data"]
    assert seen["attendees"][0]["absent"] is False
    # A system admin may mark anyone's booking.
    assert (await api.post(admin, "/no-show", json={"bookingUid": booking["uid"], **mark})).status_code == 200


# --- recordings and transcripts ------------------------------------------------------------------------


async def test_recordings_and_transcripts_have_no_video_reference(api, client, alice, bob, admin, event_types):
    booking = await _booking(client, event_types.regular, "10:00")
    for path in (f"/bookings/{booking['id']}/recordings", f"/bookings/{booking['id']}/transcripts"):
        v1_error(await api.get(alice, path), 404, f"No Cal Video reference found with booking id {booking['id']}")
        v1_error(await api.get(bob, path), 403, "You are not authorized")
        v1_error(await api.get(admin, path), 404)
    v1_error(await api.get(bob, "/bookings/999999/recordings"), 403, "You are not authorized")
    v1_error(await api.get(admin, "/bookings/999999/recordings"), 404, "Booking with id: 999999 not found")
    v1_error(
        await api.get(alice, f"/bookings/{booking['id']}/transcripts/rec-1"),
        404,
        f"No Booking Reference with Daily Video found with booking id {booking['id']}",
    )
    v1_error(await api.get(bob, f"/bookings/{booking['id']}/transcripts/rec-1"), 403)
    assert (await api.get(alice, "/bookings/abc/recordings")).status_code == 400


# --- teams: publish, event types, invites ---------------------------------------------------------------


async def _team(api, user, name="Sales"):
    response = await api.post(user, "/teams", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()["team"]["id"]


async def test_publish_answers_as_without_team_billing(api, alice, bob, admin):
    team = await _team(api, alice)
    published = await api.patch(alice, f"/teams/{team}/publish")
    assert published.status_code == 200
    assert published.json() == {
        "url": f"http://testserver/settings/teams/{team}/profile",
        "message": "Team published successfully",
    }
    v1_error(await api.patch(bob, f"/teams/{team}/publish"), 404)  # not a member: as GET /teams/{id}
    v1_error(await api.patch(bob, "/teams/999999/publish"), 404)
    assert (await api.patch(admin, f"/teams/{team}/publish")).status_code == 200
    v1_error(await api.patch(admin, "/teams/999999/publish"), 404)
    assert (await api.patch(alice, "/teams/abc/publish")).status_code == 400
    # A plain member may not publish (Cal.com: OWNER or ADMIN, 401).
    assert (await api.post(alice, "/invites", json={"teamId": team, "usernameOrEmail": "bob"})).status_code == 200
    assert (await api.patch(bob, f"/memberships/{bob.id}_{team}", json={"accepted": True})).status_code == 200
    v1_error(await api.patch(bob, f"/teams/{team}/publish"), 401, "Unauthorized: OWNER or ADMIN role required")
    assert (await api.post(bob, f"/teams/{team}/publish")).status_code == 405


async def test_team_event_types_for_members_only(api, client, alice, bob, admin):
    team = await _team(api, alice)
    made = await client.post(
        f"/v2/teams/{team}/event-types",
        headers=alice.headers,
        json={
            "lengthInMinutes": 30,
            "title": "Team",
            "slug": "team-intro",
            "schedulingType": "COLLECTIVE",
            "assignAllTeamMembers": True,
        },
    )
    assert made.status_code == 201, made.text
    listed = await api.get(alice, f"/teams/{team}/event-types")
    assert listed.status_code == 200
    [event_type] = listed.json()["event_types"]
    assert (event_type["id"], event_type["teamId"], event_type["slug"], event_type["length"]) == (
        made.json()["data"]["id"],
        team,
        "team-intro",
        30,
    )
    assert event_type["schedulingType"] == "COLLECTIVE"
    assert event_type["hosts"] == [{"userId": alice.id, "isFixed": False}]  # as stored by the v2 team service
    own = await api.get(alice, "/event-types/" + str(event_type["id"]))
    assert own.status_code in (403, 404)  # a team event type is not a personal one
    # Not a member, or no such team: an empty list (Cal.com filters by membership).
    assert (await api.get(bob, f"/teams/{team}/event-types")).json() == {"event_types": []}
    assert (await api.get(alice, "/teams/999999/event-types")).json() == {"event_types": []}
    assert [e["id"] for e in (await api.get(admin, f"/teams/{team}/event-types")).json()["event_types"]] == [
        event_type["id"]
    ]
    assert (await api.get(alice, "/teams/abc/event-types")).status_code == 400


async def test_invites_make_pending_memberships_of_existing_users(api, app, alice, bob, admin):
    carol = await make_user(app, "carol")
    team = await _team(api, alice)
    invited = await api.post(
        alice, "/invites", json={"teamId": team, "usernameOrEmail": " Bob ", "role": "ADMIN", "language": "en"}
    )
    assert invited.status_code == 200, invited.text
    assert invited.json() == {"success": True, "message": "bob has been invited."}
    membership = (await api.get(alice, f"/memberships/{bob.id}_{team}")).json()["membership"]
    assert (membership["role"], membership["accepted"]) == ("ADMIN", False)
    bulk = await api.post(
        alice, "/invites", json={"teamId": team, "usernameOrEmail": [{"email": carol.email, "role": "MEMBER"}]}
    )
    assert bulk.status_code == 200 and bulk.json()["message"] == f"{carol.email} has been invited."
    assert (await api.get(carol, f"/memberships/{carol.id}_{team}")).json()["membership"]["accepted"] is False
    # Refusals: not a team admin (or no such team), unknown user, already a member, bad input.
    v1_error(
        await api.post(bob, "/invites", json={"teamId": team, "usernameOrEmail": "carol"}),
        403,
        "You can't add members to this team",
    )
    v1_error(
        await api.post(bob, "/invites", json={"teamId": 999999, "usernameOrEmail": "carol"}),
        403,
        "You can't add members to this team",
    )
    v1_error(await api.post(alice, "/invites", json={"teamId": team, "usernameOrEmail": "nobody@example.com"}), 404)
    v1_error(await api.post(alice, "/invites", json={"teamId": team, "usernameOrEmail": "bob"}), 409)
    v1_error(
        await api.post(alice, "/invites", json={"usernameOrEmail": "bob"}), 400, "invalid_type in 'teamId': Required"
    )
    v1_error(
        await api.post(alice, "/invites", json={"teamId": team, "usernameOrEmail": ["bob"]}),
        400,
        "Bulk invitations are restricted to email addresses only.",
    )
    v1_error(await api.post(alice, "/invites", json={"teamId": team, "usernameOrEmail": "x", "role": "BOSS"}), 400)
    # A system admin invites into any team; the invite stays pending.
    assert (await api.post(admin, "/invites", json={"teamId": team, "usernameOrEmail": admin.email})).status_code == 200
    assert (await api.get(admin, f"/memberships/{admin.id}_{team}")).json()["membership"]["accepted"] is False
    v1_error(await api.post(admin, "/invites", json={"teamId": 999999, "usernameOrEmail": "carol"}), 404)


# --- credential sync, audit logs ------------------------------------------------------------------------


async def test_credential_sync_is_not_enabled(api, alice, admin):
    for method in ("GET", "POST", "PATCH", "DELETE"):
        refused = await api.call(method, alice, "/credential-sync", params={"userId": str(admin.id)})
        assert (refused.status_code, refused.json()) == (
            403,
            {"error": "Only admin API keys can access credential syncing endpoints"},
        )
        off = await api.call(method, admin, "/credential-sync", params={"userId": str(alice.id)})
        assert (off.status_code, off.json()) == (501, {"error": "Credential syncing is not enabled"})


async def test_audit_logs_are_checked_and_not_kept(api, alice, bob):
    event = {
        "timestamp": "2050-09-05T10:00:00Z",
        "userId": str(alice.id),
        "orgId": "1",
        "action": "login",
        "resource": "user",
        "details": {"ip": "x"},
    }
    accepted = await api.post(alice, "/audit-logs", json=event)
    assert (accepted.status_code, accepted.json()) == (201, {"ok": True})
    v1_error(await api.post(alice, "/audit-logs", json={**event, "action": ""}), 400, "Missing required field: action")
    v1_error(await api.post(alice, "/audit-logs", json=[event]), 400, "Invalid/Missing JSON body")
    v1_error(
        await api.post(alice, "/audit-logs", content=b"{not json", headers={"content-type": "application/json"}), 400
    )
    for reader in (alice, bob):
        listed = await api.get(reader, "/audit-logs", params={"userId": str(alice.id)})
        assert (listed.status_code, listed.json()) == (200, {"events": []})


# --- GET /docs -------------------------------------------------------------------------------------------


async def test_docs_serves_the_openapi_json_and_swagger_ui_to_browsers(client):
    document = await client.get("/v1/docs")
    assert document.status_code == 200 and document.headers["content-type"].startswith("application/json")
    paths = document.json()["paths"]
    assert {"/v1/no-show", "/v1/invites", "/v1/teams/{teamId}/publish", "/v1/credential-sync", "/v1/audit-logs"} <= set(
        paths
    )
    page = await client.get("/v1/docs", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and "/v1/openapi.json" in page.text
