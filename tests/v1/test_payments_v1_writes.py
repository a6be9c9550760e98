"""API v1 payments are read-only: the key is required and writes are not served (405). What the
routes answer is tested against localstripe in tests/payments."""

from __future__ import annotations


async def test_the_api_key_is_required_and_writes_are_not_served(client, alice):
    response = await client.get("/v1/payments")
    assert response.status_code == 401 and response.json() == {"message": "No apiKey provided"}
    write = await client.post("/v1/payments", params={"apiKey": alice.key}, json={"bookingId": 1, "amount": 1})
    assert write.status_code == 405, write.text
