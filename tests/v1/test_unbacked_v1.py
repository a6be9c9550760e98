"""API v1 resources calapi stores nothing for: empty lists with 200, 404 for every id, the
admin-only ``userId`` filter refused with the contract's status, writes not served (405)."""

from __future__ import annotations

import pytest

from tests.v1.conftest import v1_error

LISTS = [
    ("/payments", "payments"),
    ("/booking-references", "booking_references"),
    ("/custom-inputs", "event_type_custom_inputs"),
    ("/destination-calendars", "destinationCalendars"),
    ("/selected-calendars", "selected_calendars"),
]


@pytest.mark.parametrize(("path", "key"), LISTS)
async def test_lists_are_empty_with_200(api, alice, admin, path, key):
    for user in (alice, admin):
        response = await api.get(user, path)
        assert response.status_code == 200, response.text
        assert response.json() == {key: []}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/payments/1", "Payment with id: 1 not found"),
        ("/booking-references/7", "Booking reference with id: 7 not found"),
        ("/custom-inputs/3", "EventTypeCustomInput with id: 3 not found"),
        ("/destination-calendars/2", "Destination calendar with id: 2 not found"),
        (
            "/selected-calendars/5_google_calendar_me@example.com",
            "Selected calendar with id: 5_google_calendar_me@example.com not found",
        ),
    ],
)
async def test_every_id_is_not_found_for_users_and_admins(api, alice, admin, path, message):
    v1_error(await api.get(alice, path), 404, message)
    v1_error(await api.get(admin, path), 404, message)


async def test_selected_calendar_ids_are_parsed_as_the_contract_does(api, alice):
    v1_error(await api.get(alice, "/selected-calendars/me_google_calendar_x"), 400, "userId is not a number")
    v1_error(await api.get(alice, "/selected-calendars/5_"), 400, "Missing integration")
    v1_error(await api.get(alice, "/selected-calendars/5_google"), 400, "Missing externalId")


async def test_connected_calendars_is_a_bare_empty_array(api, alice, admin, bob):
    assert (await api.get(alice, "/connected-calendars")).json() == []
    assert (await api.get(admin, "/connected-calendars", params={"userId": bob.id})).json() == []
    v1_error(await api.get(alice, "/connected-calendars", params={"userId": bob.id}), 403, "ADMIN required")


async def test_destination_calendars_user_filter_is_admin_only(api, alice, admin, bob):
    v1_error(await api.get(alice, "/destination-calendars", params={"userId": bob.id}), 401, "ADMIN required")
    assert (await api.get(admin, "/destination-calendars", params={"userId": bob.id})).json() == {
        "destinationCalendars": []
    }


async def test_the_api_key_is_required_and_writes_are_not_served(client, alice):
    response = await client.get("/v1/payments")
    assert response.status_code == 401 and response.json() == {"message": "No apiKey provided"}
    write = await client.post(
        "/v1/booking-references", params={"apiKey": alice.key}, json={"bookingId": 1, "type": "x", "uid": "y"}
    )
    assert write.status_code == 405, write.text
