"""Bad input answers 4xx in the envelope of the version asked for — never a 5xx."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "needle"),
    [
        (
            "PATCH",
            "/v2/me",
            {"content": b'{"name": ', "headers": {"content-type": "application/json"}},
            400,
            "Malformed JSON",
        ),
        ("PATCH", "/v2/me", {"json": {"timeFormat": "twelve"}}, 400, "timeFormat"),
        ("PATCH", "/v2/me", {"json": {"timeZone": "Mars/Olympus_Mons"}}, 400, "IANA time zone"),
        ("PATCH", "/v2/me", {"json": {"timeZone": 42}}, 400, "timeZone"),
        ("PATCH", "/v2/me", {"json": {"weekStart": "Funday"}}, 400, "weekStart"),
        ("PATCH", "/v2/me", {"json": {"email": "not-an-email"}}, 400, "email"),
        (
            "PATCH",
            "/v2/me",
            {"content": b"x" * (2 * 1024 * 1024), "headers": {"content-type": "application/json"}},
            413,
            "larger than",
        ),
        ("GET", "/v2/no-such-thing", {}, 404, "Cannot GET /v2/no-such-thing"),
        ("DELETE", "/v2/me", {}, 404, "Cannot DELETE /v2/me"),
        ("POST", "/v2/timezones", {"json": {}}, 404, "Cannot POST /v2/timezones"),
    ],
)
async def test_v2_bad_input(client, alice, method, path, kwargs, status, needle):
    headers = {**alice.headers, **kwargs.pop("headers", {})}
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert needle in body["error"]["message"]
    assert "Traceback" not in response.text


async def test_chunked_body_over_the_cap_is_refused(client, alice):
    async def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = await client.patch(
        "/v2/me", headers={**alice.headers, "content-type": "application/json"}, content=chunks()
    )
    assert response.status_code == 413


async def test_v1_wrong_method_answers_405_with_allow(client, alice):
    response = await client.post("/v1/me", params={"apiKey": alice.key})
    assert response.status_code == 405
    assert response.json() == {"message": "Method Not Allowed (Allow: GET)"}


async def test_v1_unknown_path(client, alice):
    response = await client.get("/v1/nothing-here", params={"apiKey": alice.key})
    assert response.status_code == 404
    assert response.json()["data"] is None


async def test_an_unexpected_error_is_an_enveloped_500_without_a_trace(app, client, alice):
    async def explode():
        raise RuntimeError("secret internals")

    app.add_api_route("/v2/test-explode", explode, methods=["GET"])
    response = await client.get("/v2/test-explode", headers=alice.headers)
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "error" and "secret internals" not in response.text
    assert response.headers["x-request-id"] in body["error"]["message"]
