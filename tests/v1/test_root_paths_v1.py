"""API v1 where clients look for it besides ``/v1``: ``/hooks`` for the webhooks (n8n's Cal.com
Trigger, node 1) and the server's root (n8n's credential pointed at the root, as n8n documents it)."""

from __future__ import annotations

from tests.bookings.conftest import event_types, host_schedule  # noqa: F401 - fixtures
from tests.v1.conftest import v1_error
from tests.webhooks.conftest import receiver, settings_overrides  # noqa: F401 - fixtures


async def test_v1_hooks_is_v1_webhooks_as_n8n_calls_it(api, alice, bob, receiver):
    """n8n's trigger: GET /hooks to find its subscription, POST /hooks, DELETE /hooks/{id}."""
    assert (await api.get(alice, "/hooks")).json() == {"webhooks": []}
    body = {
        "subscriberUrl": receiver.url + "/n8n",
        "eventTriggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"],
        "active": True,
    }
    created = await api.post(alice, "/hooks", json=body)
    assert created.status_code == 200, created.text
    hook = created.json()["webhook"]
    assert hook["subscriberUrl"] == body["subscriberUrl"] and hook["eventTriggers"] == body["eventTriggers"]
    assert (await api.get(alice, "/hooks")).json() == {"webhooks": [hook]}
    assert (await api.get(alice, "/webhooks")).json() == {"webhooks": [hook]}  # one subscription, two names
    assert (await api.get(alice, f"/hooks/{hook['id']}")).json() == {"webhook": hook}
    v1_error(await api.delete(bob, f"/hooks/{hook['id']}"), 404, f"Webhook with id: {hook['id']} not found")
    deleted = await api.delete(alice, f"/hooks/{hook['id']}")
    assert deleted.json() == {"message": f"Webhook with id: {hook['id']} deleted successfully"}
    assert (await api.get(alice, "/webhooks")).json() == {"webhooks": []}
    v1_error(await api.get(alice, "/hooksx"), 404)  # a whole path segment only


async def test_v1_routes_answer_at_the_root(client, alice, receiver, event_types):
    key = {"apiKey": alice.key}
    me = await client.get("/me", params=key)
    assert me.status_code == 200, me.text
    assert me.json() == (await client.get("/v1/me", params=key)).json()
    listed = await client.get("/event-types", params=key)
    assert listed.status_code == 200
    assert listed.json() == (await client.get("/v1/event-types", params=key)).json()
    assert event_types.regular in [e["id"] for e in listed.json()["event_types"]]
    body = {"subscriberUrl": receiver.url + "/root", "eventTriggers": ["BOOKING_CREATED"], "active": True}
    hook = (await client.post("/webhooks", params=key, json=body)).json()["webhook"]
    assert (await client.get("/hooks", params=key)).json() == {"webhooks": [hook]}
    assert (await client.delete(f"/hooks/{hook['id']}", params=key)).status_code == 200
    assert (await client.get("/bookings", params=key)).json() == {"bookings": []}
    # v1's auth and error bodies: the root path is a v1 request.
    no_key = await client.get("/event-types")
    assert (no_key.status_code, no_key.json()) == (401, {"message": "No apiKey provided"})


async def test_root_paths_other_routes_claim_are_left_alone(client, alice):
    health = await client.get("/health")
    assert (health.status_code, health.text) == (200, "OK")
    # /v1/openapi.json exists too, but the root's /openapi.json is claimed by the main document.
    assert "/v2/bookings" in (await client.get("/openapi.json")).json()["paths"]
    # A path that is neither a v2 nor a v1 route stays a v2-style 404.
    missing = await client.get("/no-such-thing", params={"apiKey": alice.key})
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    # The documents do not list the aliases: each operation is declared once.
    v1_paths = (await client.get("/v1/openapi.json")).json()["paths"]
    assert "/v1/webhooks" in v1_paths and not any(
        p.startswith("/v1/hooks") or not p.startswith("/v1") for p in v1_paths
    )
