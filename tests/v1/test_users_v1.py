"""API v1 /users (always paginated, admin-only create) and /api-keys."""

from __future__ import annotations

from tests.v1.conftest import v1_error


async def test_users_list_is_paginated_with_total(api, alice, bob, admin):
    mine = await api.get(alice, "/users")
    assert mine.status_code == 200
    assert mine.json()["total"] == 1 and [u["id"] for u in mine.json()["users"]] == [alice.id]
    everyone = (await api.get(admin, "/users")).json()
    assert everyone["total"] == 3 and {u["id"] for u in everyone["users"]} == {alice.id, bob.id, admin.id}
    page = (await api.get(admin, "/users", params={"take": 2, "page": 2})).json()
    assert page["total"] == 3 and len(page["users"]) == 1
    by_email = (await api.get(admin, "/users", params={"email": [bob.email]})).json()
    assert by_email == {"users": [by_email["users"][0]], "total": 1} and by_email["users"][0]["id"] == bob.id
    bad = await api.get(admin, "/users", params={"take": "x"})
    assert bad.status_code == 400 and set(bad.json()) == {"message", "error"}


async def test_only_admins_create_users(api, alice, admin):
    body = {
        "email": "New@Example.com",
        "username": "newbie",
        "timeZone": "Europe/Paris",
        "weekStart": "Monday",
        "timeFormat": 24,
    }
    v1_error(await api.post(alice, "/users", json=body), 401, "You are not authorized")
    made = await api.post(admin, "/users", json=body)
    assert made.status_code == 200, made.text
    user = made.json()["user"]
    assert (user["email"], user["username"], user["timeZone"], user["weekStart"], user["timeFormat"]) == (
        "new@example.com",
        "newbie",
        "Europe/Paris",
        "Monday",
        24,
    )
    v1_error(await api.post(admin, "/users", json={**body, "weekStart": "MONDAY"}), 400)
    v1_error(
        await api.post(admin, "/users", json={**body, "theme": "LIGHT"}), 400, "Unrecognized key(s) in object: 'theme'"
    )


async def test_get_patch_delete_user(api, alice, bob, admin):
    assert (await api.get(alice, f"/users/{alice.id}")).json()["user"]["id"] == alice.id
    v1_error(await api.get(alice, f"/users/{bob.id}"), 403, "Forbidden")
    v1_error(await api.get(alice, "/users/999999"), 403, "Forbidden")
    v1_error(await api.patch(alice, f"/users/{bob.id}", json={"name": "Hacked"}), 403, "Forbidden")
    v1_error(await api.delete(alice, f"/users/{bob.id}"), 403, "Forbidden")
    patched = await api.patch(alice, f"/users/{alice.id}", json={"name": "Alice B", "role": "ADMIN"})
    assert patched.status_code == 200
    assert (patched.json()["user"]["name"], patched.json()["user"]["role"]) == ("Alice B", "USER")  # role ignored
    assert (await api.patch(admin, f"/users/{bob.id}", json={"bio": "set by admin"})).json()["user"][
        "bio"
    ] == "set by admin"
    v1_error(await api.get(admin, "/users/999999"), 404, "User not found")
    deleted = await api.delete(admin, f"/users/{bob.id}")
    assert deleted.json() == {"message": f"User with id: {bob.id} deleted successfully"}
    assert (await api.get(admin, "/users")).json()["total"] == 2


async def test_api_keys(api, client, alice, bob, admin):
    made = await api.post(alice, "/api-keys", json={"note": "zapier", "expiresAt": "2099-01-01"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["message"] == "API key created successfully. Save the `key` value as it won't be displayed again."
    key = body["api_key"]
    assert key["key"].startswith("cal_") and key["note"] == "zapier" and key["expiresAt"] == "2099-01-01T00:00:00.000Z"
    # The new key works on v1.
    assert (await client.get("/v1/me", params={"apiKey": key["key"]})).json()["user"]["id"] == alice.id
    listed = (await api.get(alice, "/api-keys")).json()["api_keys"]
    assert key["id"] in {k["id"] for k in listed} and all("key" not in k and "hashedKey" not in k for k in listed)
    assert (await api.patch(alice, f"/api-keys/{key['id']}", json={"note": "renamed"})).json()["api_key"][
        "note"
    ] == "renamed"
    for response in (
        await api.get(bob, f"/api-keys/{key['id']}"),
        await api.patch(bob, f"/api-keys/{key['id']}", json={"note": "x"}),
        await api.delete(bob, f"/api-keys/{key['id']}"),
    ):
        v1_error(response, 404)
    v1_error(await api.get(bob, "/api-keys", params={"userId": alice.id}), 403, "ADMIN required")
    v1_error(await api.post(bob, "/api-keys", json={"userId": alice.id}), 403, "ADMIN required for userId")
    for_bob = await api.post(admin, "/api-keys", json={"userId": bob.id, "neverExpires": True})
    assert for_bob.json()["api_key"]["userId"] == bob.id and for_bob.json()["api_key"]["expiresAt"] is None
    deleted = await api.delete(alice, f"/api-keys/{key['id']}")
    assert deleted.json() == {"message": f"API key with id: {key['id']} deleted successfully"}
    assert (await client.get("/v1/me", params={"apiKey": key["key"]})).status_code == 401
