"""Connecting CalDAV accounts (a real Radicale server) and ICS feeds: proven before stored, secrets
encrypted, listed with their calendars, checked, disconnected."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from calapi.calendars.busy import busy_for_hosts
from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
from calapi.db import utcnow
from tests.calendars.conftest import CALDAV_USERS, Radicale, until, vcalendar, vevent


async def connect(client: Any, user: Any, radicale: Radicale, *, account: str = "alice", password: str | None = None):
    body = {"url": radicale.url(account), "username": account, "password": password or CALDAV_USERS[account]}
    return await client.post("/v2/calendars/caldav/credentials", json=body, headers=user.headers)


async def rows(app: Any, model: Any) -> list[Any]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


async def test_a_caldav_account_is_listed_with_its_calendars_the_first_selected_and_the_destination(
    client, app, alice, radicale
):
    work, home = await radicale.reset("alice", "Work", "Home")
    response = await connect(client, alice, radicale)
    assert response.status_code == 201, response.text
    assert response.json() == {"status": "success"}

    listed = (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]
    [connection] = listed["connectedCalendars"]
    assert connection["integration"]["type"] == "caldav_calendar"
    assert connection["invalid"] is False
    by_id = {c["externalId"]: c for c in connection["calendars"]}
    assert set(by_id) == {work, home}
    first = connection["primary"]
    assert first["primary"] is True and first["isSelected"] is True and first["readOnly"] is False
    other = by_id[home if first["externalId"] == work else work]
    assert other["isSelected"] is False and other["primary"] is False
    assert {by_id[work]["name"], by_id[home]["name"]} == {"Work", "Home"}
    destination = listed["destinationCalendar"]
    assert destination["externalId"] == first["externalId"]
    assert destination["integration"] == "caldav_calendar"
    assert destination["credentialId"] == connection["credentialId"]


async def test_the_password_is_stored_encrypted_and_never_answered(client, app, alice, radicale):
    await radicale.reset("alice", "Work")
    assert (await connect(client, alice, radicale)).status_code == 201
    [credential] = await rows(app, CalendarCredential)
    assert CALDAV_USERS["alice"] not in credential.secret
    assert credential.username == "alice"
    answer = (await client.get("/v2/calendars", headers=alice.headers)).text
    assert CALDAV_USERS["alice"] not in answer and credential.secret not in answer


async def test_refused_or_empty_credentials_are_not_stored(client, app, alice, radicale):
    await radicale.reset("alice", "Work")
    refused = await connect(client, alice, radicale, password="wrong")
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["message"].startswith("Could not add this caldav calendar account:")
    empty = await client.post(
        "/v2/calendars/caldav/credentials",
        json={"url": radicale.url("alice"), "username": "alice", "password": ""},
        headers=alice.headers,
    )
    assert empty.status_code == 400
    assert empty.json()["error"]["message"] == "Username or password cannot be empty"
    assert await rows(app, CalendarCredential) == []


async def test_the_same_username_again_updates_the_password(client, app, alice, radicale):
    await radicale.reset("alice", "Work")
    assert (await connect(client, alice, radicale)).status_code == 201
    [before] = await rows(app, CalendarCredential)
    assert (await connect(client, alice, radicale)).status_code == 201
    [after] = await rows(app, CalendarCredential)
    assert after.id == before.id and after.secret != before.secret  # a new token for the same password
    assert len(await rows(app, SelectedCalendar)) == 1  # the selection is not made twice


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if "apple" in request.node.name:
        radicale = request.getfixturevalue("radicale")
        return {"apple_caldav_url": radicale.url("alice")}
    return {}


async def test_apple_credentials_go_to_the_configured_caldav_url(client, app, alice, radicale):
    await radicale.reset("alice", "Calendar")
    response = await client.post(
        "/v2/calendars/apple/credentials",
        json={"username": "alice", "password": CALDAV_USERS["alice"]},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    [credential] = await rows(app, CalendarCredential)
    assert credential.type == "apple_calendar" and credential.url == radicale.url("alice")
    assert (await client.get("/v2/calendars/apple/check", headers=alice.headers)).json() == {"status": "success"}


async def test_check_answers_for_each_kind(client, alice, radicale):
    missing = await client.get("/v2/calendars/caldav/check", headers=alice.headers)
    assert missing.status_code == 401
    assert missing.json()["error"]["message"] == "Caldav calendar not connected."
    feed = await client.get("/v2/calendars/ics-feed/check", headers=alice.headers)
    assert feed.status_code == 401 and feed.json()["error"]["message"] == "Ics Feed not connected."
    unknown = await client.get("/v2/calendars/google/check", headers=alice.headers)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"].startswith("Invalid calendar type, available calendars are:")
    await radicale.reset("alice", "Work")
    assert (await connect(client, alice, radicale)).status_code == 201
    assert (await client.get("/v2/calendars/caldav/check", headers=alice.headers)).json() == {"status": "success"}


async def test_feeds_are_saved_selected_and_their_urls_kept_secret(client, app, alice, feed_server):
    feed_server.feeds["/private/abc123.ics"] = vcalendar(
        vevent("x", "DTSTART:20270301T090000Z", "DTEND:20270301T100000Z"), extra="X-WR-CALNAME:Holidays\r\n"
    ).encode()
    url = feed_server.url("/private/abc123.ics")
    response = await client.post(
        "/v2/calendars/ics-feed/save", json={"urls": [url], "readOnly": True}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data == {
        "id": data["id"],
        "type": "ics-feed_calendar",
        "userId": alice.id,
        "teamId": None,
        "appId": "ics-feed",
        "invalid": False,
    }
    [credential] = await rows(app, CalendarCredential)
    assert "abc123" not in credential.secret
    listed = (await client.get("/v2/calendars", headers=alice.headers)).text
    assert "abc123" not in listed and "Holidays" in listed
    [calendar] = await rows(app, ExternalCalendar)
    assert calendar.read_only is True and calendar.name == "Holidays"
    assert len(await rows(app, SelectedCalendar)) == 1
    assert (await client.get("/v2/calendars/ics-feed/check", headers=alice.headers)).json() == {"status": "success"}


async def test_a_feed_that_does_not_parse_is_refused(client, app, alice, feed_server):
    feed_server.feeds["/page"] = b"<html>hello</html>"
    for url in (feed_server.url("/page"), feed_server.url("/missing")):
        response = await client.post("/v2/calendars/ics-feed/save", json={"urls": [url]}, headers=alice.headers)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "Could not add ICS feeds, try using private ics feed."
    assert await rows(app, CalendarCredential) == []


async def test_disconnect_removes_the_connection_and_its_busy_times(client, app, alice, bob, radicale, job_loop):
    [work] = await radicale.reset("alice", "Work")
    await radicale.put(
        "alice", work, "e.ics", vcalendar(vevent("e", "DTSTART:20500905T100000Z", "DTEND:20500905T110000Z"))
    )
    assert (await connect(client, alice, radicale)).status_code == 201
    [credential] = await rows(app, CalendarCredential)

    async def cached() -> bool:
        return any(row.fetched_at for row in await rows(app, CalendarBusy))

    await until(cached, what="the first refresh")
    foreign = await client.post("/v2/calendars/caldav/disconnect", json={"id": credential.id}, headers=bob.headers)
    assert foreign.status_code == 404
    response = await client.post("/v2/calendars/caldav/disconnect", json={"id": credential.id}, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["id"] == credential.id
    for model in (CalendarCredential, ExternalCalendar, CalendarBusy, SelectedCalendar):
        assert await rows(app, model) == []
    async with app.state.sessionmaker() as session:
        from datetime import datetime, timedelta

        start = datetime.fromisoformat("2050-09-05T00:00:00+00:00")
        found = await busy_for_hosts(session, [alice.id], start, start + timedelta(days=1), now=utcnow(), ttl=60)
        assert found.busy == {} and found.stale == []
        assert await session.scalar(select(func.count()).select_from(CalendarCredential)) == 0
    assert (await client.get("/v2/calendars", headers=alice.headers)).json()["data"]["connectedCalendars"] == []
