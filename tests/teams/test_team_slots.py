"""GET /v2/slots for team event types: collective (everyone free), round-robin (anyone free, mandatory
hosts all free, hostSubsetIds), and a statement count that does not grow with the number of hosts.

Hosts: alice in London (Mon–Fri 09–17 = 08:00–16:00 UTC in September), bob in New York
(09–17 = 13:00–21:00 UTC). Monday 2050-09-05 … Wednesday 2050-09-07.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from tests.conftest import BOTH_DATABASES
from tests.core.test_query_counts import count_statements
from tests.slots.seed import add_bookings, give_schedule
from tests.support.factories import make_user
from tests.teams.conftest import add_member, make_team

V = {"cal-api-version": "2024-09-04"}


def utc_starts(day: int, first_hour: int, last_start: tuple[int, int]) -> list[str]:
    out = []
    hour, minute = first_hour, 0
    while (hour, minute) <= last_start:
        out.append(f"2050-09-{day:02d}T{hour:02d}:{minute:02d}:00.000Z")
        hour, minute = (hour, 30) if minute == 0 else (hour + 1, 0)
    return out


async def team_with_hosts(app, client, alice, bob) -> int:
    team = await make_team(client, alice)
    await add_member(client, team["id"], alice, bob)
    await give_schedule(app, alice.id, time_zone="Europe/London")
    # bob: Tuesday off by override, everything else the working week, in New York.
    await give_schedule(app, bob.id, time_zone="America/New_York", overrides=[(date(2050, 9, 6), time(0), time(0))])
    # alice: Wednesday fully booked.
    await add_bookings(
        app, alice.id, None, [(datetime(2050, 9, 7, 8, tzinfo=UTC), datetime(2050, 9, 7, 16, tzinfo=UTC))]
    )
    return team["id"]


async def create_event(client, owner, team_id: int, slug: str, scheduling: str, hosts: list[dict]) -> int:
    body = {
        "title": slug,
        "slug": slug,
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        "schedulingType": scheduling,
        "hosts": hosts,
    }
    response = await client.post(f"/v2/teams/{team_id}/event-types", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def starts_by_day(client, **params) -> dict[str, list[str]]:
    response = await client.get("/v2/slots", params={"start": "2050-09-05", "end": "2050-09-07", **params}, headers=V)
    assert response.status_code == 200, response.text
    return {day: [s["start"] for s in slots] for day, slots in response.json()["data"].items()}


@BOTH_DATABASES
async def test_collective_lists_a_slot_only_when_every_host_is_free(app, client, alice, bob, clock, database_url):
    team_id = await team_with_hosts(app, client, alice, bob)
    event_id = await create_event(
        client, alice, team_id, "panel", "collective", [{"userId": alice.id}, {"userId": bob.id}]
    )
    by_slug = await starts_by_day(client, teamSlug="sales", eventTypeSlug="panel")
    # Monday: the overlap of London and New York hours. Tuesday: bob is off. Wednesday: alice is booked.
    assert by_slug == {"2050-09-05": utc_starts(5, 13, (15, 30))}
    assert await starts_by_day(client, eventTypeId=event_id) == by_slug


@BOTH_DATABASES
async def test_round_robin_lists_a_slot_when_any_host_is_free(app, client, alice, bob, clock, database_url):
    team_id = await team_with_hosts(app, client, alice, bob)
    await create_event(client, alice, team_id, "demo", "roundRobin", [{"userId": alice.id}, {"userId": bob.id}])
    assert await starts_by_day(client, teamSlug="sales", eventTypeSlug="demo") == {
        "2050-09-05": utc_starts(5, 8, (20, 30)),  # alice 08–16 or bob 13–21
        "2050-09-06": utc_starts(6, 8, (15, 30)),  # only alice
        "2050-09-07": utc_starts(7, 13, (20, 30)),  # only bob
    }
    # hostSubsetIds keeps only the named round-robin hosts.
    assert await starts_by_day(client, teamSlug="sales", eventTypeSlug="demo", hostSubsetIds=str(bob.id)) == {
        "2050-09-05": utc_starts(5, 13, (20, 30)),
        "2050-09-07": utc_starts(7, 13, (20, 30)),
    }
    response = await client.get(
        "/v2/slots",
        params={
            "teamSlug": "sales",
            "eventTypeSlug": "demo",
            "start": "2050-09-05",
            "end": "2050-09-05",
            "hostSubsetIds": "999",
        },
        headers=V,
    )
    assert response.status_code == 400


async def test_round_robin_mandatory_hosts_must_all_be_free(app, client, alice, bob, clock):
    team_id = await team_with_hosts(app, client, alice, bob)
    carol = await make_user(app, "carol")
    await add_member(client, team_id, alice, carol)
    await give_schedule(app, carol.id, time_zone="Asia/Tokyo")  # 09–17 Tokyo = 00:00–08:00 UTC
    hosts = [{"userId": alice.id, "mandatory": True}, {"userId": bob.id}, {"userId": carol.id}]
    await create_event(client, alice, team_id, "demo", "roundRobin", hosts)
    # alice must be free, and one of bob / carol: only alice ∩ bob on Monday (carol's hours end at 08:00 UTC).
    assert await starts_by_day(client, teamSlug="sales", eventTypeSlug="demo") == {
        "2050-09-05": utc_starts(5, 13, (15, 30))
    }
    # A subset never drops a mandatory host.
    assert await starts_by_day(client, teamSlug="sales", eventTypeSlug="demo", hostSubsetIds=str(carol.id)) == {}


async def test_unknown_team_or_event_slug_is_404(app, client, alice, clock):
    await make_team(client, alice)
    response = await client.get(
        "/v2/slots",
        params={"teamSlug": "nope", "eventTypeSlug": "x", "start": "2050-09-05", "end": "2050-09-05"},
        headers=V,
    )
    assert response.status_code == 404 and response.json()["error"]["message"] == "Team with slug nope not found"
    response = await client.get(
        "/v2/slots",
        params={"teamSlug": "sales", "eventTypeSlug": "x", "start": "2050-09-05", "end": "2050-09-05"},
        headers=V,
    )
    assert response.status_code == 404 and response.json()["error"]["message"] == "Event Type not found"


@BOTH_DATABASES
async def test_team_slot_statements_do_not_grow_with_hosts(app, client, alice, clock, database_url):
    team = await make_team(client, alice)
    await make_team(client, alice, "Support")
    users = [await make_user(app, f"host{i}") for i in range(12)]
    for index, user in enumerate(users):
        await add_member(client, team["id"], alice, user)
        await give_schedule(app, user.id, time_zone=("Europe/London", "America/New_York", "Asia/Tokyo")[index % 3])
        await add_bookings(
            app, user.id, None, [(datetime(2050, 9, 5, 13, tzinfo=UTC), datetime(2050, 9, 5, 14, tzinfo=UTC))]
        )
    await create_event(client, alice, team["id"], "two", "roundRobin", [{"userId": u.id} for u in users[:2]])
    await create_event(
        client,
        alice,
        team["id"],
        "twelve",
        "roundRobin",
        [{"userId": u.id, "mandatory": i == 0} for i, u in enumerate(users)],
    )

    async def statements(slug: str) -> list[str]:
        params = {"teamSlug": "sales", "eventTypeSlug": slug, "start": "2050-09-01", "end": "2050-10-31"}
        with count_statements(app) as recorded:
            response = await client.get("/v2/slots", params=params, headers=V)
        assert response.status_code == 200 and response.json()["data"], response.text
        return recorded

    two, twelve = await statements("two"), await statements("twelve")
    assert len(two) == len(twelve)
    # team + event type, hosts, schedules and rows, bookings (their event types' buffers joined in) and
    # holds in one statement, and which hosts have a selected calendar: one statement for all of them
    # of the availability cache's setup (SQLite), or rows of the busy statement (PostgreSQL without
    # Redis: no cache)
    selects = 5 if database_url.startswith("sqlite") else 4
    assert len([s for s in twelve if s.lstrip().upper().startswith("SELECT")]) == selects
