"""How much one slots request may ask, the same in every API version: the longest range
(``CALAPI_SLOTS_MAX_RANGE_DAYS``) and the most slots in one answer (``CALAPI_SLOTS_MAX_PER_ANSWER``);
and the engine runs off the event loop.

Alice: Monday–Friday 09:00–17:00 London (16 half-hour slots a day), or around the clock in UTC.
The clock is frozen at 2050-09-01 (a Thursday); 2050-09-05 is a Monday.
"""

from __future__ import annotations

import re
import threading
from datetime import time
from typing import Any

import httpx
import pytest

from calapi.config import SettingsError, load_settings
from calapi.slots import listing as slots_listing
from calapi.slots import v2 as slots_v2
from calapi.slots import wire as slots_wire
from tests.slots.seed import give_schedule, make_event_type
from tests.support.refusals import v2_refusal
from tests.v1.conftest import V1, v1_error

V = {"cal-api-version": "2024-09-04"}
EVERY_DAY = ((range(7), time(0), time(23, 59)),)
MONDAY = "2050-09-05"
RANGE_SETTING = "CALAPI_SLOTS_MAX_RANGE_DAYS"
ANSWER_SETTING = "CALAPI_SLOTS_MAX_PER_ANSWER"


def v1_refusal(response: httpx.Response, *needles: str) -> str:
    message = v1_error(response, 400)["message"]
    for needle in needles:
        assert needle in message, message
    return message


async def v2_slots(client: httpx.AsyncClient, event_id: int, start: str, end: str) -> httpx.Response:
    return await client.get("/v2/slots", params={"eventTypeId": event_id, "start": start, "end": end}, headers=V)


async def legacy_slots(client: httpx.AsyncClient, event_id: int, start: str, end: str) -> httpx.Response:
    # No cal-api-version: the legacy family.
    return await client.get("/v2/slots/available", params={"eventTypeId": event_id, "startTime": start, "endTime": end})


async def v1_slots(client: httpx.AsyncClient, user: Any, event_id: int, start: str, end: str) -> httpx.Response:
    return await V1(client).get(user, "/slots", params={"eventTypeId": event_id, "startTime": start, "endTime": end})


def slot_count(days: dict[str, list]) -> int:
    return sum(len(day) for day in days.values())


# ---------------------------------------------------------------- range


async def test_a_range_longer_than_a_year_is_refused_in_every_version(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    # 2050-09-05 to the end of 2051-09-06: 367 days.
    v2_refusal(await v2_slots(client, event_id, MONDAY, "2051-09-06"), RANGE_SETTING, "366 days")
    v2_refusal(await legacy_slots(client, event_id, MONDAY, "2051-09-07T00:00:00Z"), RANGE_SETTING, "366 days")
    v1_refusal(await v1_slots(client, alice, event_id, MONDAY, "2051-09-07"), RANGE_SETTING, "366 days")
    api = V1(client)
    availability = await api.get(
        alice, "/availability", params={"userId": alice.id, "dateFrom": MONDAY, "dateTo": "2051-09-07"}
    )
    v1_refusal(availability, RANGE_SETTING)
    by_path = await api.get(
        alice, f"/users/{alice.id}/availability", params={"dateFrom": MONDAY, "dateTo": "2051-09-07"}
    )
    v1_refusal(by_path, RANGE_SETTING)


async def test_a_whole_year_of_office_hours_is_answered(app, client, alice, clock):
    """The default range cap holds a year by dates (a midnight end is that whole day), and a year of
    half-hour slots in weekday office hours (4,000-odd) is under the default answer cap."""
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    response = await v2_slots(client, event_id, MONDAY, "2051-09-05")
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert "2051-09-05" in data and len(data["2051-09-05"]) == 16
    assert 4000 < slot_count(data) < 4300
    v1 = await v1_slots(client, alice, event_id, MONDAY, "2051-09-05T23:59:59Z")
    assert v1.status_code == 200 and slot_count(v1.json()["slots"]) == slot_count(data)


@pytest.mark.parametrize("settings_overrides", [{"slots_max_range_days": 7}])
async def test_the_range_cap_is_the_setting(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    week = await v2_slots(client, event_id, MONDAY, "2050-09-11")  # to the end of Sunday: 7 days
    assert week.status_code == 200 and len(week.json()["data"]) == 5
    message = v2_refusal(await v2_slots(client, event_id, MONDAY, "2050-09-12"), RANGE_SETTING, "7 days")
    assert "shorter range" in message
    v2_refusal(await legacy_slots(client, event_id, MONDAY, "2050-09-12T00:00:01Z"), RANGE_SETTING)
    v1_refusal(await v1_slots(client, alice, event_id, MONDAY, "2050-09-12T00:00:01Z"), RANGE_SETTING)
    teamless = await V1(client).get(
        alice, "/availability", params={"userId": alice.id, "dateFrom": MONDAY, "dateTo": "2050-09-13"}
    )
    v1_refusal(teamless, RANGE_SETTING)


async def test_a_year_asked_of_a_booking_window_lists_the_window(app, client, alice, clock):
    """As Cal.com: a range beyond the event's booking window is no error, the window just has the
    slots (the engine lays out time only up to the window's end)."""
    await give_schedule(app, alice.id)
    window = {"type": "calendarDays", "value": 7, "rolling": False}
    event_id = await make_event_type(app, alice.id, booking_window=window)
    year = await v2_slots(client, event_id, "2050-09-01", "2051-08-31")
    assert year.status_code == 200, year.text
    # Today 2050-09-01 + 7 days: up to the end of Thursday 2050-09-08.
    assert list(year.json()["data"]) == [
        "2050-09-01",
        "2050-09-02",
        "2050-09-05",
        "2050-09-06",
        "2050-09-07",
        "2050-09-08",
    ]
    week = await v2_slots(client, event_id, "2050-09-01", "2050-09-08")
    assert year.json()["data"] == week.json()["data"]


# ---------------------------------------------------------------- slots per answer


async def test_a_year_of_minutes_is_refused_in_every_version(app, client, alice, clock):
    """The request that built 527,000 slots: now a 400 naming the cap, before the slots are built."""
    await give_schedule(app, alice.id, time_zone="UTC", weekly=EVERY_DAY)
    event_id = await make_event_type(app, alice.id, length=15, slot_interval=1)
    message = v2_refusal(
        await v2_slots(client, event_id, MONDAY, "2051-09-03"), ANSWER_SETTING, "10000", "shorter range"
    )
    counted = re.search(r"holds (\d+) slots", message)
    assert counted and int(counted.group(1)) > 500_000, message  # 364 days of 1,440 minutes
    v2_refusal(await legacy_slots(client, event_id, MONDAY, "2051-09-04T00:00:00Z"), ANSWER_SETTING)
    v1_refusal(await v1_slots(client, alice, event_id, MONDAY, "2051-09-04"), ANSWER_SETTING, "10000")


@pytest.mark.parametrize("settings_overrides", [{"slots_max_per_answer": 20}])
async def test_the_answer_cap_is_the_setting(app, client, alice, clock):
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    monday = await v2_slots(client, event_id, MONDAY, MONDAY)
    assert monday.status_code == 200 and slot_count(monday.json()["data"]) == 16
    # Monday and Tuesday: 32 slots.
    v2_refusal(await v2_slots(client, event_id, MONDAY, "2050-09-06"), ANSWER_SETTING, "32 slots", "20")
    v2_refusal(await legacy_slots(client, event_id, MONDAY, "2050-09-07T00:00:00Z"), ANSWER_SETTING, "32 slots")
    v1_refusal(await v1_slots(client, alice, event_id, MONDAY, "2050-09-07"), ANSWER_SETTING, "32 slots")
    legacy_monday = await legacy_slots(client, event_id, MONDAY, "2050-09-06T00:00:00Z")
    assert legacy_monday.status_code == 200 and slot_count(legacy_monday.json()["data"]["slots"]) == 16


@pytest.mark.parametrize("settings_overrides", [{"slots_max_per_answer": 5}])
async def test_only_the_first_slot_of_a_day_counts_once(app, client, alice, clock):
    """An event listing one slot a date counts what it lists, not the starts it chose among."""
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id, only_show_first_available_slot=True)
    week = await v2_slots(client, event_id, MONDAY, "2050-09-09")
    assert week.status_code == 200, week.text
    assert [len(day) for day in week.json()["data"].values()] == [1] * 5
    v2_refusal(await v2_slots(client, event_id, MONDAY, "2050-09-12"), ANSWER_SETTING, "6 slots")


def test_the_limits_are_validated_settings():
    assert (load_settings().slots_max_range_days, load_settings().slots_max_per_answer) == (366, 10_000)
    for field, name in (("slots_max_range_days", RANGE_SETTING), ("slots_max_per_answer", ANSWER_SETTING)):
        with pytest.raises(SettingsError, match=name):
            load_settings(**{field: 0})


# ---------------------------------------------------------------- off the event loop


def record_threads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The threads the engine (every version) and the v2 answer's encoding ran in, request by request."""
    seen: dict[str, list[int]] = {"engine": [], "encoding": []}
    real_list_slots, real_output = slots_listing.list_slots, slots_v2.slots_output

    def engine(query):
        seen["engine"].append(threading.get_ident())
        return real_list_slots(query)

    def encoding(*args):
        seen["encoding"].append(threading.get_ident())
        return real_output(*args)

    monkeypatch.setattr(slots_listing, "list_slots", engine)
    monkeypatch.setattr(slots_v2, "slots_output", encoding)
    return seen


async def test_the_engine_runs_in_a_worker_thread(app, client, alice, clock, monkeypatch):
    """A large listing (one host over 100 days, ~1,150 slots: more host-days and more slots than
    is worth computing inline) is computed and encoded off the event loop's thread, so other
    requests go on meanwhile."""
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    seen = record_threads(monkeypatch)
    loop_thread = threading.get_ident()
    large = await v2_slots(client, event_id, MONDAY, "2050-12-13")
    assert large.status_code == 200 and slot_count(large.json()["data"]) > slots_wire.INLINE_MAX_ITEMS
    assert (await legacy_slots(client, event_id, MONDAY, "2050-12-14T00:00:00Z")).status_code == 200
    assert (await v1_slots(client, alice, event_id, MONDAY, "2050-12-14")).status_code == 200
    assert len(seen["engine"]) == 3 and loop_thread not in seen["engine"]
    assert len(seen["encoding"]) == 1 and loop_thread not in seen["encoding"]


async def test_a_small_listing_runs_on_the_event_loop(app, client, alice, clock, monkeypatch):
    """One host over one day (16 slots) costs less than a hand-off to a worker thread: computed and
    encoded in place, in every version."""
    await give_schedule(app, alice.id)
    event_id = await make_event_type(app, alice.id)
    seen = record_threads(monkeypatch)
    loop_thread = threading.get_ident()
    small = await v2_slots(client, event_id, MONDAY, MONDAY)
    assert small.status_code == 200 and slot_count(small.json()["data"]) == 16
    assert (await legacy_slots(client, event_id, MONDAY, "2050-09-06T00:00:00Z")).status_code == 200
    assert (await v1_slots(client, alice, event_id, MONDAY, "2050-09-06")).status_code == 200
    assert seen == {"engine": [loop_thread] * 3, "encoding": [loop_thread]}
