"""Odd input answers 400 in the envelope of the version asked, never 500: numbers past a column's
width, dates at the ends of the calendar, non-finite and over-long JSON numbers, deep nesting."""

from __future__ import annotations

import json

import pytest

from calapi.config import SettingsError, load_settings
from tests.conftest import BOTH_DATABASES
from tests.slots.seed import give_schedule, make_event_type

HUGE = 2**63  # past every column on every backend
WIDE = 2**31  # past INTEGER (32-bit) columns: PostgreSQL refused it in the driver, SQLite stored it


def v2_error(response, status: int, needle: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and needle in body["error"]["message"], body
    return body


def v1_error(response, status: int, needle: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert needle in body["message"], body
    return body


@BOTH_DATABASES
@pytest.mark.parametrize("number", [HUGE, WIDE, -HUGE])
@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("/v2/teams/{n}", None),
        ("/v2/teams/{n}/memberships", None),
        ("/v2/teams/{n}/event-types", None),
        ("/v2/schedules/{n}", "2024-06-11"),
        ("/v2/event-types/{n}", "2024-06-14"),
        ("/v2/event-types/{n}/webhooks", None),
    ],
)
async def test_v2_path_ids_past_the_column_width(client, alice, path, version, number):
    headers = {**alice.headers, **({"cal-api-version": version} if version else {})}
    response = await client.get(path.format(n=number), headers=headers)
    if response.status_code == 404 and "Cannot GET" in response.text:
        pytest.fail(f"{path} is not served: {response.text}")
    v2_error(response, 400, f"The number {number} is out of range")


@BOTH_DATABASES
@pytest.mark.parametrize("path", ["/v1/event-types/{n}", "/v1/bookings/{n}", "/v1/teams/{n}", "/v1/schedules/{n}"])
async def test_v1_path_ids_past_the_column_width(client, alice, path):
    response = await client.get(path.format(n=HUGE), params={"apiKey": alice.key})
    v1_error(response, 400, "2147483647")


@BOTH_DATABASES
async def test_query_and_body_numbers_past_the_column_width(client, alice):
    response = await client.get(
        "/v2/slots/available", params={"eventTypeId": WIDE, "startTime": "2050-01-01", "endTime": "2050-01-02"}
    )
    v2_error(response, 400, f"The number {WIDE} is out of range")
    response = await client.patch("/v2/me", headers=alice.headers, json={"defaultScheduleId": HUGE})
    v2_error(response, 400, "from -2147483648 to 2147483647")
    response = await client.get("/v1/bookings", params={"apiKey": alice.key, "take": WIDE})
    assert response.status_code in (200, 400), response.text


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31", "9999-12-31"),
        ("9999-12-30", "9999-12-31"),
        ("9999-12-30T23:00:00Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01", "0001-01-02"),
    ],
)
async def test_dates_at_the_ends_of_the_calendar(app, client, alice, start, end):
    await give_schedule(app, alice.id, time_zone="Pacific/Kiritimati")
    event_id = await make_event_type(app, alice.id)
    queries = [
        (
            "/v2/slots",
            {"eventTypeId": event_id, "start": start, "end": end, "timeZone": "Pacific/Kiritimati"},
            {"cal-api-version": "2024-09-04"},
        ),
        (
            "/v2/slots",
            {"eventTypeId": event_id, "start": start, "end": end, "timeZone": "Pacific/Pago_Pago"},
            {"cal-api-version": "2024-09-04"},
        ),
        (
            "/v2/slots/available",
            {"eventTypeId": event_id, "startTime": start, "endTime": end, "timeZone": "Pacific/Kiritimati"},
            {},
        ),
        (
            "/v1/slots",
            {
                "apiKey": alice.key,
                "eventTypeId": event_id,
                "startTime": start,
                "endTime": end,
                "timeZone": "Pacific/Kiritimati",
            },
            {},
        ),
        # free/busy lays out the schedule's days over the range too
        ("/v1/availability", {"apiKey": alice.key, "userId": alice.id, "dateFrom": start, "dateTo": end}, {}),
        (f"/v1/users/{alice.id}/availability", {"apiKey": alice.key, "dateFrom": start, "dateTo": end}, {}),
    ]
    for path, params, headers in queries:
        response = await client.get(path, params=params, headers=headers)
        # the start of the calendar is an empty past; its end cannot be reached across zones
        assert response.status_code in (200, 400), f"{path}: {response.text}"


NON_FINITE = [b'{"name": NaN}', b'{"name": Infinity}', b'{"name": -Infinity}', b'{"name": 1e999}', b'{"name": -1e400}']


@pytest.mark.parametrize("body", NON_FINITE)
async def test_non_finite_numbers_are_malformed_json(client, alice, body):
    headers = {**alice.headers, "content-type": "application/json"}
    response = await client.patch("/v2/me", headers=headers, content=body)
    error = v2_error(response, 400, "Malformed JSON body")
    assert error["error"]["details"]["errors"][0]["property"] == "body"
    response = await client.post("/v1/webhooks", params={"apiKey": alice.key}, headers=headers, content=body)
    v1_error(response, 400, "invalid_json in 'body'")


async def test_nan_beside_a_webhook_secret_answers_400_without_echoing_it(client, alice):
    body = b'{"subscriberUrl": "https://hooks.example.com/x", "triggers": ["BOOKING_CREATED"], "active": NaN, "secret": "whsec-do-not-echo"}'
    response = await client.post(
        "/v2/webhooks", headers={**alice.headers, "content-type": "application/json"}, content=body
    )
    v2_error(response, 400, "NaN is not a JSON number")
    assert "whsec-do-not-echo" not in response.text


async def test_integers_longer_than_python_converts(client, alice):
    body = b'{"defaultScheduleId": ' + b"9" * 5000 + b"}"
    response = await client.patch("/v2/me", headers={**alice.headers, "content-type": "application/json"}, content=body)
    v2_error(response, 400, "Malformed JSON body")


@pytest.mark.parametrize("depth", [1000, 100_000])
async def test_deep_nesting_names_the_limit(client, alice, depth):
    body = b'{"name": ' + b"[" * depth + b"]" * depth + b"}"
    response = await client.patch("/v2/me", headers={**alice.headers, "content-type": "application/json"}, content=body)
    v2_error(response, 400, "nested deeper than 32 levels, the limit set by CALAPI_MAX_JSON_DEPTH")
    response = await client.post(
        "/v1/webhooks", params={"apiKey": alice.key}, content=body
    )  # no content type: read as JSON
    v1_error(response, 400, "CALAPI_MAX_JSON_DEPTH")


@pytest.mark.parametrize("settings_overrides", [{"max_json_depth": 3}])
async def test_the_depth_limit_is_a_setting(client, alice, settings_overrides):
    headers = {**alice.headers, "content-type": "application/json"}
    inside = {"metadata": {"a": [1]}}  # three levels
    response = await client.patch("/v2/me", headers=headers, content=json.dumps(inside))
    assert "CALAPI_MAX_JSON_DEPTH" not in response.text, response.text
    response = await client.patch("/v2/me", headers=headers, content=json.dumps({"metadata": {"a": [[1]]}}))
    v2_error(response, 400, "nested deeper than 3 levels")


@pytest.mark.parametrize("value", ["0", "-1", "201", "deep"])
def test_the_depth_setting_is_validated(value):
    with pytest.raises(SettingsError, match="CALAPI_MAX_JSON_DEPTH"):
        load_settings(max_json_depth=value)


async def test_a_path_with_control_characters_gets_an_answer(client, alice):
    # The legacy routes echo the path in a Link header; it goes out percent-encoded.
    path = "/v2/bookings/%F2%A9%8B%A6%C2%93%16%0A%0D"
    response = await client.get(path, headers=alice.headers)
    assert response.status_code == 404, response.text
    link = response.headers["link"]
    assert link.startswith(f"<{path}>") and all(32 <= ord(c) < 127 for c in link), link
