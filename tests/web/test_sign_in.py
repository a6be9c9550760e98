"""Signing in to the settings pages over HTTP: sessions, cookies, CSRF, throttling, one-time links."""

from __future__ import annotations

import asyncio
import re
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import func, select

from calapi.accounts.models import WebSession
from calapi.api_keys import service as api_keys_service
from calapi.users.models import User
from tests.conftest import BOTH_DATABASES
from tests.web.support import PASSWORD, csrf_of, set_password, sign_in, sign_in_link
from tests.workflows.servers import running_smtp


def set_cookie(answer: httpx.Response, name: str) -> SimpleCookie:
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            cookie = SimpleCookie()
            cookie.load(header)
            return cookie
    raise AssertionError(f"no {name} cookie set: {answer.headers.get_list('set-cookie')}")


async def sessions_of(app, user_id: int) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(WebSession.user_id == user_id)) or 0)


@BOTH_DATABASES
async def test_signing_in_starts_a_new_session_with_a_new_id_and_signing_out_ends_it(app, client, alice):
    await set_password(app, alice.id)
    first = await sign_in(client, alice.email)
    first_id = client.cookies["calapi_session"]
    assert first.headers["location"] == "/settings/security"
    assert (await client.get("/settings/security")).status_code == 200

    # Signing in again (a fixed or leaked cookie): a new id, and the old one opens nothing.
    await sign_in(client, alice.email)
    second_id = client.cookies["calapi_session"]
    assert second_id != first_id
    assert await sessions_of(app, alice.id) == 1
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as other:
        other.cookies.set("calapi_session", first_id)
        answer = await other.get("/settings/security")
        assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/settings/security"

    page = await client.get("/settings/security")
    out = await client.post("/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.status_code == 303
    assert await sessions_of(app, alice.id) == 0
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as replay:
        replay.cookies.set("calapi_session", second_id)
        assert (await replay.get("/settings/security")).status_code == 303


async def test_the_session_cookie_is_http_only_and_same_site_lax_and_not_secure_in_development(app, client, alice):
    await set_password(app, alice.id)
    cookie = set_cookie(await sign_in(client, alice.email), "calapi_session")["calapi_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]
    assert cookie["path"] == "/"
    page = await client.get("/")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "secret_key": "a-long-random-production-secret"}])
async def test_in_production_the_cookies_are_secure(app, alice):
    await set_password(app, alice.id)
    # (a browser sends a Secure cookie back over HTTPS only)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        form_cookie = set_cookie(await client.get("/sign-in"), "calapi_form")["calapi_form"]
        assert form_cookie["secure"] is True and form_cookie["httponly"] is True
        cookie = set_cookie(await sign_in(client, alice.email), "calapi_session")["calapi_session"]
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"].lower() == "lax"


async def test_a_wrong_password_or_unknown_address_is_refused_next_to_the_field(app, client, alice):
    await set_password(app, alice.id)
    for email, password in ((alice.email, "not the password"), ("nobody@example.com", PASSWORD)):
        page = await client.get("/sign-in")
        answer = await client.post("/sign-in", data={"csrf_token": csrf_of(page), "email": email, "password": password})
        assert answer.status_code == 400
        assert re.search(r'id="password-error">That email address and password do not match', answer.text)
        assert "calapi_session" not in client.cookies
    assert await sessions_of(app, alice.id) == 0


async def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(app, client, alice):
    await set_password(app, alice.id)
    await sign_in(client, alice.email)
    good = csrf_of(await client.get("/settings/security"))
    for token in (None, "", "0" * 64, good[:-1] + ("0" if good[-1] != "0" else "1")):
        data = {"note": "forged", "expiry": "never"}
        if token is not None:
            data["csrf_token"] = token
        answer = await client.post("/settings/security/keys", data=data)
        assert answer.status_code == 403, answer.text
        assert "not sent from this site" in answer.text
        change = {"current_password": PASSWORD, "new_password": "x" * 12, "new_password_again": "x" * 12}
        if token is not None:
            change["csrf_token"] = token
        assert (await client.post("/settings/security/password", data=change)).status_code == 403
    async with app.state.sessionmaker() as session:
        assert [key.id for key in await api_keys_service.list_for_user(session, alice.id)] == [alice.key_id]
    page = await client.get("/settings/security")
    assert "forged" not in page.text
    # the password did not change: the session still stands, and the password still signs in
    assert page.status_code == 200
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as again:
        await sign_in(again, alice.email)
    # a token from another session does not pass either
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as other:
        other_token = csrf_of(await other.get("/sign-in"))
        answer = await client.post(
            "/settings/security/keys", data={"csrf_token": other_token, "note": "forged", "expiry": "never"}
        )
        assert answer.status_code == 403
    # a sign-in form posted without the page's cookie (another site's form) is refused too
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as stranger:
        answer = await stranger.post("/sign-in", data={"csrf_token": good, "email": alice.email, "password": PASSWORD})
        assert answer.status_code == 403 and "calapi_session" not in stranger.cookies


async def test_a_signed_in_browser_cookie_is_never_api_authentication(app, client, alice):
    await set_password(app, alice.id)
    await sign_in(client, alice.email)
    assert (await client.get("/settings/security")).status_code == 200
    for path in ("/v2/me", "/v1/me", "/me", "/v2/webhooks", "/v1/api-keys"):
        answer = await client.get(path)
        assert answer.status_code == 401, (path, answer.status_code, answer.text)
    assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"sign_in_rate_limit": "3/6 seconds"}])
async def test_sign_in_is_throttled_per_account_and_per_address_and_never_locks_the_account(app, client, alice, bob):
    await set_password(app, alice.id)
    await set_password(app, bob.id)
    token = csrf_of(await client.get("/sign-in"))

    async def attempt(email: str, password: str, address: str = "testclient") -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=client.cookies) as c:
            return await c.post("/sign-in", data={"csrf_token": token, "email": email, "password": password})

    # Per account: from three addresses, the fourth attempt on alice's account waits.
    for number in range(3):
        assert (await attempt(alice.email, "wrong password", f"10.0.0.{number}")).status_code == 400
    throttled = await attempt(alice.email, PASSWORD, "10.0.0.9")
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.text and "retry-after" in throttled.headers
    # Per address: one address trying several accounts waits too.
    for email in ("x@example.com", "y@example.com", "z@example.com"):
        assert (await attempt(email, "wrong password", "10.0.1.1")).status_code == 400
    assert (await attempt(bob.email, PASSWORD, "10.0.1.1")).status_code == 429
    # Not a lock: when the window ends, the right password works.
    await asyncio.sleep(6.2)
    assert (await attempt(alice.email, PASSWORD, "10.0.0.9")).status_code == 303


async def test_a_one_time_link_sets_the_password_signs_in_and_works_once(app, client, alice):
    link = await sign_in_link(app, alice.id)
    page = await client.get(link)
    assert page.status_code == 200 and alice.email in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    mismatch = await client.post(
        link, data={"csrf_token": csrf_of(page), "password": PASSWORD, "password_again": PASSWORD + "x"}
    )
    assert mismatch.status_code == 400 and 'id="password_again-error"' in mismatch.text
    done = await client.post(link, data={"csrf_token": csrf_of(page), "password": PASSWORD, "password_again": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/settings/security"
    assert (await client.get("/settings/security")).status_code == 200
    assert (await client.get(link)).status_code == 404
    again = await client.post(
        link,
        data={
            "csrf_token": csrf_of(await client.get("/sign-in")),
            "password": "other password 1",
            "password_again": "other password 1",
        },
    )
    assert again.status_code == 404
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == alice.id))
    assert stored and stored.startswith("$argon2") and PASSWORD not in stored
    # the hash never leaves the server through the API
    for path, params in (
        ("/v2/me", None),
        ("/v1/me", {"apiKey": alice.key}),
        (f"/v1/users/{alice.id}", {"apiKey": alice.key}),
    ):
        answer = await client.get(path, params=params, headers=alice.headers if params is None else None)
        assert answer.status_code == 200 and "argon2" not in answer.text and "password" not in answer.text.lower()


async def test_changing_the_password_ends_every_other_session(app, client, alice):
    await set_password(app, alice.id)
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as laptop:
        await sign_in(laptop, alice.email)
        await sign_in(client, alice.email)
        page = await client.get("/settings/security")
        wrong = await client.post(
            "/settings/security/password",
            data={
                "csrf_token": csrf_of(page),
                "current_password": "not it at all",
                "new_password": "a new password 1",
                "new_password_again": "a new password 1",
            },
        )
        assert wrong.status_code == 400 and 'id="current_password-error"' in wrong.text
        changed = await client.post(
            "/settings/security/password",
            data={
                "csrf_token": csrf_of(page),
                "current_password": PASSWORD,
                "new_password": "a new password 1",
                "new_password_again": "a new password 1",
            },
        )
        assert changed.status_code == 303
        assert (await client.get("/settings/security")).status_code == 200  # this browser got a new session
        assert (await laptop.get("/settings/security")).status_code == 303  # the other one is signed out
        assert await sessions_of(app, alice.id) == 1
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as fresh:
        page = await fresh.get("/sign-in")
        old = await fresh.post(
            "/sign-in", data={"csrf_token": csrf_of(page), "email": alice.email, "password": PASSWORD}
        )
        assert old.status_code == 400
        await sign_in(fresh, alice.email, "a new password 1")


@pytest.fixture
def smtp():
    with running_smtp() as server:
        yield server


@pytest.fixture
def settings_overrides(request):
    if "smtp" in request.fixturenames:
        server = request.getfixturevalue("smtp")
        return {
            "smtp_url": server.url,
            "email_from": "calapi <no-reply@example.com>",
            "public_url": "https://cal.example.com",
        }
    return {}


async def test_forgot_password_emails_a_one_time_link_to_the_account_only(app, client, alice, smtp):
    page = await client.get("/forgot-password")
    sent = await client.post("/forgot-password", data={"csrf_token": csrf_of(page), "email": alice.email.upper()})
    assert sent.status_code == 200 and "is on its way" in sent.text
    unknown = await client.post("/forgot-password", data={"csrf_token": csrf_of(page), "email": "nobody@example.com"})
    assert unknown.status_code == 200 and "is on its way" in unknown.text  # the same answer
    messages = await smtp.wait_for(1)
    await asyncio.sleep(0.3)
    assert len(smtp.messages()) == 1 and messages[0].to == alice.email
    link = re.search(r"https://cal\.example\.com(/sign-in/link/[A-Za-z0-9_-]+)", messages[0].part("text/plain"))
    assert link, messages[0].part("text/plain")
    form = await client.get(link.group(1))
    assert form.status_code == 200
    done = await client.post(
        link.group(1), data={"csrf_token": csrf_of(form), "password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.status_code == 303
    assert (await client.get(link.group(1))).status_code == 404


async def test_without_email_the_forgot_password_page_says_how_to_get_a_link(client):
    page = await client.get("/forgot-password")
    assert page.status_code == 200 and "calapi users sign-in-link" in page.text
    assert '<form method="post" action="/forgot-password"' not in page.text
    sign_in_page = await client.get("/sign-in")
    assert "calapi users sign-in-link" in sign_in_page.text and "/forgot-password" not in sign_in_page.text
