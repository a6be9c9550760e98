"""``/settings/security`` over HTTP: a user's own keys only, made and revoked through the API's key service."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from calapi.db import utcnow
from tests.conftest import BOTH_DATABASES
from tests.web.support import csrf_of, set_password, sign_in

KEY = re.compile(r'id="new-key-value" class="key" type="text" value="(cal_[0-9a-f]{32})"')


async def signed_in_page(app, client, user) -> httpx.Response:
    await set_password(app, user.id)
    await sign_in(client, user.email)
    page = await client.get("/settings/security")
    assert page.status_code == 200
    return page


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/settings/security", "/settings/security/keys/x/revoke"):
        answer = await client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in?next=" + path


@BOTH_DATABASES
async def test_one_user_never_sees_or_revokes_another_users_keys(app, client, alice, bob):
    # bob's key gets a note to look for
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as bobs:
        page = await signed_in_page(app, bobs, bob)
        made = await bobs.post(
            "/settings/security/keys", data={"csrf_token": csrf_of(page), "note": "bob-secret-note", "expiry": "never"}
        )
        assert made.status_code == 201
        bobs_key = KEY.search(made.text).group(1)

    page = await signed_in_page(app, client, alice)
    assert "bob-secret-note" not in page.text and bob.key_id not in page.text
    assert alice.key_id in page.text
    # by id in the URL: as if it did not exist
    confirm = await client.get(f"/settings/security/keys/{bob.key_id}/revoke")
    assert confirm.status_code == 404 and "bob-secret-note" not in confirm.text
    revoke = await client.post(f"/settings/security/keys/{bob.key_id}/revoke", data={"csrf_token": csrf_of(page)})
    assert revoke.status_code == 404
    unknown = await client.post("/settings/security/keys/no-such-key/revoke", data={"csrf_token": csrf_of(page)})
    assert unknown.status_code == 404
    for key in (bob.key, bobs_key):
        assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_a_key_is_made_shown_once_works_and_once_revoked_is_refused(app, client, alice):
    page = await signed_in_page(app, client, alice)
    made = await client.post(
        "/settings/security/keys", data={"csrf_token": csrf_of(page), "note": "n8n", "expiry": "never"}
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    key = KEY.search(made.text).group(1)
    assert key[-4:] in made.text
    me = await client.get("/v2/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200 and me.json()["data"]["id"] == alice.id
    listed = await client.get("/settings/security")
    assert key not in listed.text and "…" + key[-4:] in listed.text  # never shown again, only its end
    key_id = re.search(
        r'href="/settings/security/keys/([0-9a-f-]{36})/revoke" aria-label="Revoke the key n8n', listed.text
    )
    assert key_id
    confirm = await client.get(f"/settings/security/keys/{key_id.group(1)}/revoke")
    assert confirm.status_code == 200 and "Revoke this API key?" in confirm.text
    # the confirmation page revokes nothing by itself
    assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    gone = await client.post(f"/settings/security/keys/{key_id.group(1)}/revoke", data={"csrf_token": csrf_of(confirm)})
    assert gone.status_code == 303 and gone.headers["location"] == "/settings/security?done=revoked"
    assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {key}"})).status_code == 401


async def test_a_key_expires_at_the_end_of_the_chosen_day_and_a_bad_date_is_shown_next_to_its_field(app, client, alice):
    page = await signed_in_page(app, client, alice)
    token = csrf_of(page)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    for expires_on, reason in (
        ("", "Choose a date"),
        ("31/12/2030", "Choose a date"),
        (yesterday, "Choose today or a later"),
    ):
        refused = await client.post(
            "/settings/security/keys",
            data={"csrf_token": token, "note": "dated", "expiry": "date", "expires_on": expires_on},
        )
        assert refused.status_code == 400
        assert re.search(r'id="expires_on-error">' + reason, refused.text), refused.text
        assert 'aria-invalid="true"' in refused.text and 'value="dated"' in refused.text  # what was typed stays
    long_note = await client.post(
        "/settings/security/keys", data={"csrf_token": token, "note": "n" * 256, "expiry": "never"}
    )
    assert long_note.status_code == 400 and 'id="note-error"' in long_note.text
    assert "dated" not in (await client.get("/settings/security")).text.split("<tbody>")[-1].split("</tbody>")[0]

    day = (utcnow() + timedelta(days=3)).date()
    made = await client.post(
        "/settings/security/keys",
        data={"csrf_token": token, "note": "dated", "expiry": "date", "expires_on": day.isoformat()},
    )
    assert made.status_code == 201
    key = KEY.search(made.text).group(1)
    row = re.search(r"<td data-label=\"Note\">dated</td>.*?<td data-label=\"Expires\">([^<]+)</td>", made.text, re.S)
    assert row and row.group(1) == day.isoformat()
    assert (await client.get("/v2/me", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_a_note_holding_markup_is_shown_as_text(app, client, alice):
    page = await signed_in_page(app, client, alice)
    note = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    made = await client.post(
        "/settings/security/keys", data={"csrf_token": csrf_of(page), "note": note, "expiry": "never"}
    )
    assert made.status_code == 201
    for answer in (made, await client.get("/settings/security")):
        assert note not in answer.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in answer.text
        assert "<img" not in answer.text


async def test_the_home_page_says_what_the_server_is_and_links_sign_in_and_the_docs(client):
    from calapi import __version__

    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for link in ('href="/sign-in"', 'href="/v2/docs"', 'href="/v1/docs"'):
        assert link in page.text
    assert __version__ in page.text and "Cal.com" in page.text
    assert (await client.get("/static/web/site.css")).status_code == 200
