"""A schedule's rows are bounded whichever API version writes them, and so is a free/busy answer.

Every availability answer and slot listing lays out each weekly row on every day asked: a schedule
of 719 one-minute rows (which the legacy update once stored) made ``/v1/availability`` over a year
answer 36 MB in 9 s. The caps are the schedules service's (``MAX_WEEKLY_RANGES``,
``MAX_DATE_OVERRIDES``); a free/busy answer is bounded like a slot listing, by
``CALAPI_SLOTS_MAX_PER_ANSWER``.
"""

from __future__ import annotations

from datetime import time

import pytest

from calapi.schedules.service import MAX_WEEKLY_RANGES
from tests.slots.seed import give_schedule
from tests.v1.conftest import V1, v1_error

EVERY_DAY = list(range(7))


def _minute(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def _legacy_day(count: int) -> list[dict[str, str]]:
    """``count`` one-minute ranges, two minutes apart, as the legacy update writes a day."""
    return [
        {"start": f"2050-01-03T{_minute(2 * i)}:00.000Z", "end": f"2050-01-03T{_minute(2 * i + 1)}:00.000Z"}
        for i in range(count)
    ]


def _weekly_rows(count: int) -> list[tuple[list[int], time, time]]:
    return [(EVERY_DAY, time(*divmod(2 * i, 60)), time(*divmod(2 * i + 1, 60))) for i in range(count)]


async def test_the_legacy_update_cannot_store_more_weekly_rows_than_the_cap(app, client, alice):
    schedule_id = await give_schedule(app, alice.id, time_zone="UTC")
    too_many = await client.patch(
        f"/v2/schedules/{schedule_id}",
        headers=alice.headers,
        json={"schedule": [_legacy_day(MAX_WEEKLY_RANGES + 1)] * 7},
    )
    assert too_many.status_code == 400, too_many.text
    assert f"at most {MAX_WEEKLY_RANGES} weekly availability ranges" in too_many.json()["error"]["message"]
    at_cap = await client.patch(
        f"/v2/schedules/{schedule_id}", headers=alice.headers, json={"schedule": [_legacy_day(MAX_WEEKLY_RANGES)] * 7}
    )
    assert at_cap.status_code == 200, at_cap.text


async def test_v1_rows_added_one_at_a_time_stop_at_the_caps(app, client, alice):
    api = V1(client)
    schedule_id = await give_schedule(app, alice.id, time_zone="UTC", weekly=_weekly_rows(MAX_WEEKLY_RANGES))
    row = {
        "scheduleId": schedule_id,
        "days": [1],
        "startTime": "1970-01-01T22:00:00.000Z",
        "endTime": "1970-01-01T23:00:00.000Z",
    }
    response = await api.post(alice, "/availabilities", json=row)
    assert f"at most {MAX_WEEKLY_RANGES} weekly" in v1_error(response, 400)["message"]

    # an override turned into a weekly row counts against the weekly cap too
    override = {
        "scheduleId": schedule_id,
        "date": "2050-01-03",
        "startTime": "1970-01-01T22:00:00.000Z",
        "endTime": "1970-01-01T23:00:00.000Z",
    }
    created = await api.post(alice, "/availabilities", json=override)
    assert created.status_code == 200, created.text
    row_id = created.json()["availability"]["id"]
    response = await api.patch(alice, f"/availabilities/{row_id}", json={"days": [1]})
    assert f"at most {MAX_WEEKLY_RANGES} weekly" in v1_error(response, 400)["message"]


@pytest.mark.parametrize("settings_overrides", [{"slots_max_per_answer": 500}])
async def test_a_free_busy_answer_is_bounded_like_a_slot_listing(app, client, alice):
    # 2 rows a day: January and February (59 days) hold 118 ranges, a year 730
    await give_schedule(app, alice.id, time_zone="UTC", weekly=_weekly_rows(2))
    api = V1(client)
    params = {"userId": alice.id, "dateFrom": "2050-01-01", "dateTo": "2050-12-31"}
    for path in ("/availability", f"/users/{alice.id}/availability"):
        message = v1_error(await api.get(alice, path, params=params), 400)["message"]
        assert "available ranges" in message and "CALAPI_SLOTS_MAX_PER_ANSWER" in message, message
    shorter = await api.get(alice, "/availability", params={**params, "dateTo": "2050-03-01"})
    assert shorter.status_code == 200, shorter.text
    assert len(shorter.json()["dateRanges"]) == 118
