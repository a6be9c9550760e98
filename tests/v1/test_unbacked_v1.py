"""API v1 resources calapi stores nothing for: empty lists with 200, 404 for every id, the
admin-only ``userId`` filter refused with the contract's status, writes not served (405)."""

from __future__ import annotations

import pytest

from tests.v1.conftest import v1_error

# Calendars and booking references are served by the calendars room (tests/calendars).
LISTS = [
    ("/custom-inputs", "event_type_custom_inputs"),
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
        ("/custom-inputs/3", "EventTypeCustomInput with id: 3 not found"),
    ],
)
async def test_every_id_is_not_found_for_users_and_admins(api, alice, admin, path, message):
    v1_error(await api.get(alice, path), 404, message)
    v1_error(await api.get(admin, path), 404, message)


async def test_the_api_key_is_required_and_writes_are_not_served(client, alice):
    response = await client.get("/v1/custom-inputs")
    assert response.status_code == 401 and response.json() == {"message": "No apiKey provided"}
    write = await client.post("/v1/custom-inputs", params={"apiKey": alice.key}, json={"eventTypeId": 1})
    assert write.status_code == 405, write.text
