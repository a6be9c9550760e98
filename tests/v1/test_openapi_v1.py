"""Two OpenAPI documents: v1 at /v1/openapi.json (+ /v1/docs), v2 and system routes at /openapi.json."""

from __future__ import annotations


async def test_v1_and_v2_documents_are_separate(client):
    v2_doc = (await client.get("/openapi.json")).json()
    v1_doc = (await client.get("/v1/openapi.json")).json()
    assert v2_doc["paths"] and v1_doc["paths"]
    assert not [p for p in v2_doc["paths"] if p.startswith("/v1")]
    assert all(p.startswith("/v1/") for p in v1_doc["paths"])
    assert {
        "/v1/me",
        "/v1/users",
        "/v1/schedules",
        "/v1/event-types/{id}",
        "/v1/availabilities",
        "/v1/bookings/{id}/cancel",
        "/v1/attendees",
        "/v1/webhooks/{id}",
        "/v1/api-keys",
        "/v1/teams/{teamId}",
        "/v1/memberships/{id}",
        "/v1/slots",
        "/v1/availability",
    } <= set(v1_doc["paths"])
    assert "/v2/schedules" in v2_doc["paths"] and "/health" in v2_doc["paths"]
    assert "/v1/openapi.json" not in v1_doc["paths"] and "/v1/docs" not in v1_doc["paths"]


async def test_v1_docs_page_needs_no_key(client):
    page = await client.get("/v1/docs", headers={"accept": "text/html"})
    assert page.status_code == 200 and "/v1/openapi.json" in page.text
    assert (await client.get("/v1/docs")).json()["paths"]  # API clients get the document itself


async def test_every_v1_route_needs_an_api_key_and_counts_against_the_rate_limit(client, alice):
    """Auth and rate limiting apply to every route in the v1 document (the middleware sees /v1 as before)."""
    v1_doc = (await client.get("/v1/openapi.json")).json()
    for path, operations in v1_doc["paths"].items():
        concrete = path.replace("{id}", "1").replace("{teamId}", "1").replace("{userId}", "1")
        for method in operations:
            response = await client.request(method.upper(), concrete)
            assert response.status_code == 401, (method, path, response.text)
            assert response.json() == {"message": "No apiKey provided"}, (method, path)
    answered = await client.get("/v1/schedules", params={"apiKey": alice.key})
    assert answered.status_code == 200
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(answered.headers)
