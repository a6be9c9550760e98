"""``/settings/developer/webhooks`` over HTTP: create and edit through the API's service (what the
API then lists), the template preview and its refusals, ping, the delivery log and redelivery to
a real receiver, and the security rules: CSRF on every POST, another user's or a team member's
ids answer 404 and change nothing, and whatever a person typed is shown as text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.bookings.conftest import MONDAY, at, book, event_types, host_schedule  # noqa: F401  (fixtures)
from tests.teams.conftest import add_member, make_team
from tests.web.support import csrf_of, set_password, sign_in
from tests.webhooks.conftest import SECRET, job_loop, receiver, settings_overrides, settle, subscribe  # noqa: F401

PAGE = "/settings/developer/webhooks"


@asynccontextmanager
async def browser_like(app: Any, user: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that keeps cookies, signed in as ``user`` through the sign-in form."""
    await set_password(app, user.id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await sign_in(http, user.email)
        yield http


@pytest.fixture
async def alice_web(app: Any, alice: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_like(app, alice) as http:
        yield http


async def _api_webhooks(client: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
    listed = await client.get("/v2/webhooks", headers=user.headers)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["data"])


def _form(page: httpx.Response, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": csrf_of(page), **fields}


def _error_of(page: httpx.Response, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page.text, re.S)
    assert found, f"no error next to {field}"
    return found.group(1)


async def test_signed_out_visitors_are_sent_to_sign_in(app: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        for path in (PAGE, PAGE + "/new", PAGE + "/deliveries"):
            answer = await http.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")
        refused = await http.post(PAGE + "/new", data={"subscriber_url": "http://127.0.0.1:9/x"})
        assert refused.status_code in (303, 403)


async def test_create_edit_and_the_api_sees_the_same_webhook(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    page = await alice_web.get(PAGE + "/new")
    assert page.status_code == 200 and 'name="triggers" value="CALENDAR_ENTRY_REJECTED"' in page.text
    assert page.text.count('name="triggers"') == 28  # a checkbox per trigger
    created = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            subscriber_url=receiver.url,
            triggers=["BOOKING_CREATED", "BOOKING_CANCELLED"],
            secret=SECRET,
            active="on",
            payload_template="",
            preview_trigger="BOOKING_CREATED",
            action="save",
        ),
    )
    assert created.status_code == 303, created.text
    [hook] = await _api_webhooks(client, alice)
    assert hook["subscriberUrl"] == receiver.url and hook["triggers"] == ["BOOKING_CREATED", "BOOKING_CANCELLED"]
    assert hook["active"] is True and hook["secret"] == SECRET
    listed = await alice_web.get(PAGE + "?done=created")
    assert receiver.url in listed.text and "The webhook is created." in listed.text

    edit = await alice_web.get(f"{PAGE}/{hook['id']}")
    assert edit.status_code == 200 and SECRET not in edit.text  # the secret is never shown again
    saved = await alice_web.post(
        f"{PAGE}/{hook['id']}",
        data=_form(
            edit,
            subscriber_url=receiver.url + "/moved",
            triggers=["BOOKING_RESCHEDULED"],
            secret="",
            payload_template='{"who": "{{attendees.0.name}}"}',
            preview_trigger="BOOKING_RESCHEDULED",
            action="save",
        ),
    )
    assert saved.status_code == 303, saved.text
    [after] = await _api_webhooks(client, alice)
    assert after["subscriberUrl"] == receiver.url + "/moved" and after["triggers"] == ["BOOKING_RESCHEDULED"]
    assert after["active"] is False and after["secret"] == SECRET  # unticked; an empty secret keeps the old one
    assert after["payloadTemplate"] == '{"who": "{{attendees.0.name}}"}'

    # a new secret replaces the old one; "remove" leaves deliveries unsigned
    edit = await alice_web.get(f"{PAGE}/{hook['id']}")
    fields = {"subscriber_url": receiver.url, "triggers": "BOOKING_CREATED", "active": "on", "action": "save"}
    assert (
        await alice_web.post(f"{PAGE}/{hook['id']}", data=_form(edit, secret="a-new-secret", **fields))
    ).status_code == 303
    assert (await _api_webhooks(client, alice))[0]["secret"] == "a-new-secret"
    assert (
        await alice_web.post(f"{PAGE}/{hook['id']}", data=_form(edit, remove_secret="on", **fields))
    ).status_code == 303
    [unsigned] = await _api_webhooks(client, alice)
    assert unsigned["secret"] is None and unsigned["active"] is True and unsigned["payloadTemplate"] is None


async def test_the_preview_renders_on_the_server_and_saves_nothing(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    page = await alice_web.get(PAGE + "/new")
    preview = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            subscriber_url=receiver.url,
            triggers=["BOOKING_CREATED"],
            payload_template='{"guest": "{{attendees.0.name}}", "x": "{{not.there}}"}',
            preview_trigger="BOOKING_CANCELLED",
            action="preview",
        ),
    )
    assert preview.status_code == 200
    assert (
        "&#34;guest&#34;: &#34;Jordan Guest&#34;" in preview.text
        or "&quot;guest&quot;: &quot;Jordan Guest&quot;" in preview.text
    )
    assert "<code>not.there</code>" in preview.text  # a variable the sample lacks is named
    assert await _api_webhooks(client, alice) == []


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_template_that_would_not_render_shows_the_reason_and_saves_nothing(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    page = await alice_web.get(PAGE + "/new")
    bad = '{"length": {{length}}}'
    refused = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            subscriber_url=receiver.url,
            triggers=["BOOKING_CREATED"],
            active="on",
            payload_template=bad,
            action="save",
        ),
    )
    assert refused.status_code == 400
    reason = _error_of(refused, "payload_template")
    assert "not valid JSON" in reason and "must be inside a string" in reason
    assert 'aria-invalid="true"' in refused.text and receiver.url in refused.text  # what was typed stays
    assert await _api_webhooks(client, alice) == []

    # on edit too: the stored template stays as it was
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"], payloadTemplate='{"ok": "{{uid}}"}')
    edit = await alice_web.get(f"{PAGE}/{hook['id']}")
    refused = await alice_web.post(
        f"{PAGE}/{hook['id']}",
        data=_form(
            edit, subscriber_url=receiver.url + "/new", triggers=["BOOKING_PAID"], payload_template=bad, action="save"
        ),
    )
    assert refused.status_code == 400 and "not valid JSON" in _error_of(refused, "payload_template")
    [kept] = await _api_webhooks(client, alice)
    assert kept["payloadTemplate"] == '{"ok": "{{uid}}"}' and kept["subscriberUrl"] == receiver.url
    assert kept["triggers"] == ["BOOKING_CREATED"] and kept["active"] is True


async def test_a_refused_url_is_shown_next_to_its_field(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient
) -> None:
    app.state.settings.webhook_allow_private_networks = False
    page = await alice_web.get(PAGE + "/new")
    refused = await alice_web.post(
        PAGE + "/new",
        data=_form(page, subscriber_url="http://127.0.0.1:9/hook", triggers=["BOOKING_CREATED"], action="save"),
    )
    assert refused.status_code == 400 and "Webhook URL is not allowed" in _error_of(refused, "subscriber_url")
    empty = await alice_web.post(PAGE + "/new", data=_form(page, subscriber_url="", action="save"))
    assert empty.status_code == 400
    assert "Enter the URL" in _error_of(empty, "subscriber_url") and "at least one trigger" in _error_of(
        empty, "triggers"
    )
    assert await _api_webhooks(client, alice) == []


async def test_a_post_without_or_with_a_wrong_csrf_token_changes_nothing(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    fields = {"subscriber_url": receiver.url + "/evil", "triggers": "BOOKING_CREATED", "action": "save"}
    for token in (None, "0" * 64, "not-a-token"):
        data = dict(fields) if token is None else {**fields, "csrf_token": token}
        for path in (PAGE + "/new", f"{PAGE}/{hook['id']}", f"{PAGE}/{hook['id']}/ping"):
            answer = await alice_web.post(path, data=data)
            assert answer.status_code == 403, (path, answer.status_code)
            assert "expired or was not sent from this site" in answer.text
    [unchanged] = await _api_webhooks(client, alice)
    assert unchanged["subscriberUrl"] == receiver.url
    assert receiver.requests == []  # no ping went out


async def test_one_user_never_sees_or_changes_another_users_webhooks(
    app: Any,
    client: httpx.AsyncClient,
    alice: Any,
    bob: Any,
    alice_web: httpx.AsyncClient,
    receiver: Any,
    job_loop: Any,
) -> None:
    theirs = await subscribe(client, bob, receiver.url + "/bob", ["BOOKING_CREATED"])
    ping = await client.post(f"/v2/webhooks/{theirs['id']}/ping", headers=bob.headers)
    assert ping.status_code == 200, ping.text
    [delivery] = (await client.get(f"/v2/webhooks/{theirs['id']}/deliveries", headers=bob.headers)).json()["data"]
    listed = await alice_web.get(PAGE)
    assert receiver.url + "/bob" not in listed.text
    log = await alice_web.get(PAGE + "/deliveries")
    assert delivery["webhookId"] not in log.text and receiver.url + "/bob" not in log.text

    own = await alice_web.get(PAGE)  # a page of hers, for a valid token
    assert (await alice_web.get(f"{PAGE}/{theirs['id']}")).status_code == 404
    assert (await alice_web.get(f"{PAGE}/{theirs['id']}/deliveries/{delivery['id']}")).status_code == 404
    filtered = await alice_web.get(PAGE + f"/deliveries?webhook={theirs['id']}")
    assert filtered.status_code == 400 and delivery["webhookId"] not in filtered.text
    changed = await alice_web.post(
        f"{PAGE}/{theirs['id']}",
        data=_form(own, subscriber_url=receiver.url + "/stolen", triggers="BOOKING_CREATED", action="save"),
    )
    assert changed.status_code == 404
    assert (await alice_web.post(f"{PAGE}/{theirs['id']}/ping", data=_form(own))).status_code == 404
    assert (await alice_web.get(f"{PAGE}/{theirs['id']}/delete")).status_code == 404
    assert (await alice_web.post(f"{PAGE}/{theirs['id']}/rotate-secret", data=_form(own))).status_code == 404
    assert (await alice_web.post(f"{PAGE}/{theirs['id']}/delete", data=_form(own))).status_code == 404
    redelivered = await alice_web.post(f"{PAGE}/{theirs['id']}/deliveries/{delivery['id']}/redeliver", data=_form(own))
    assert redelivered.status_code == 404
    [still] = await _api_webhooks(client, bob)
    assert still["subscriberUrl"] == receiver.url + "/bob"
    assert len(receiver.requests) == 1  # Bob's own ping only


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_team_member_who_is_not_admin_cannot_manage_the_team_webhooks(
    app: Any, client: httpx.AsyncClient, alice: Any, bob: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    team = await make_team(client, bob, "Support")
    membership = await add_member(client, team["id"], bob, alice, "MEMBER")
    created = await client.post(
        f"/v2/teams/{team['id']}/webhooks",
        json={"subscriberUrl": receiver.url + "/team", "active": True, "triggers": ["BOOKING_CREATED"]},
        headers=bob.headers,
    )
    assert created.status_code == 201, created.text
    hook = created.json()["data"]["id"]

    page = await alice_web.get(PAGE + "/new")
    assert f'value="team:{team["id"]}"' not in page.text  # not a team she may add webhooks to
    assert receiver.url + "/team" not in (await alice_web.get(PAGE)).text
    assert (await alice_web.get(f"{PAGE}/{hook}")).status_code == 404
    changed = await alice_web.post(
        f"{PAGE}/{hook}",
        data=_form(page, subscriber_url=receiver.url + "/x", triggers="BOOKING_CREATED", action="save"),
    )
    assert changed.status_code == 404
    as_team = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            owner=f"team:{team['id']}",
            subscriber_url=receiver.url + "/mine",
            triggers="BOOKING_CREATED",
            action="save",
        ),
    )
    assert as_team.status_code == 404
    team_hooks = (await client.get(f"/v2/teams/{team['id']}/webhooks", headers=bob.headers)).json()["data"]
    assert [h["subscriberUrl"] for h in team_hooks] == [receiver.url + "/team"]

    # made an admin, she manages them
    promoted = await client.patch(
        f"/v2/teams/{team['id']}/memberships/{membership['id']}", json={"role": "ADMIN"}, headers=bob.headers
    )
    assert promoted.status_code == 200, promoted.text
    assert (await alice_web.get(f"{PAGE}/{hook}")).status_code == 200
    page = await alice_web.get(PAGE + "/new")
    assert f'value="team:{team["id"]}"' in page.text
    made = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            owner=f"team:{team['id']}",
            subscriber_url=receiver.url + "/mine",
            triggers="BOOKING_CREATED",
            action="save",
        ),
    )
    assert made.status_code == 303, made.text
    team_hooks = (await client.get(f"/v2/teams/{team['id']}/webhooks", headers=bob.headers)).json()["data"]
    assert {h["subscriberUrl"] for h in team_hooks} == {receiver.url + "/team", receiver.url + "/mine"}


async def test_what_a_person_typed_is_shown_as_text(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    url = receiver.url + "/<script>alert(1)</script>"
    await subscribe(client, alice, url, ["BOOKING_CREATED"])
    listed = await alice_web.get(PAGE)
    assert "<script>alert(1)</script>" not in listed.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed.text
    page = await alice_web.get(PAGE + "/new")
    echoed = await alice_web.post(
        PAGE + "/new",
        data=_form(
            page,
            subscriber_url=url,
            triggers="BOOKING_CREATED",
            payload_template="<script>x</script>",
            action="preview",
        ),
    )
    assert "<script>alert(1)</script>" not in echoed.text and "<script>x</script>" not in echoed.text


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_log_shows_each_delivery_and_redelivers_it_with_the_same_webhook_id(
    app: Any,
    client: httpx.AsyncClient,
    alice: Any,
    alice_web: httpx.AsyncClient,
    event_types: Any,
    receiver: Any,
    job_loop: Any,
) -> None:
    receiver.respond = lambda request: (200, {}, b"received <b>ok</b>")
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    booked = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert booked.status_code == 201, booked.text
    [first] = await receiver.wait_for(1)
    await settle(app)

    log = await alice_web.get(PAGE + "/deliveries")
    assert log.status_code == 200 and "BOOKING_CREATED" in log.text and "succeeded" in log.text
    [delivery_id] = re.findall(rf'{PAGE}/{hook["id"]}/deliveries/([0-9a-f-]{{36}})"', log.text)
    assert (await alice_web.get(PAGE + "/deliveries?code=500")).text.count("/deliveries/" + delivery_id) == 0
    assert delivery_id in (await alice_web.get(PAGE + "/deliveries?code=200&trigger=BOOKING_CREATED")).text
    assert delivery_id not in (await alice_web.get(PAGE + "/deliveries?trigger=BOOKING_CANCELLED")).text
    assert delivery_id not in (await alice_web.get(PAGE + "/deliveries?since=2999-01-01")).text
    assert (await alice_web.get(PAGE + "/deliveries?code=abc")).status_code == 400

    detail = await alice_web.get(f"{PAGE}/{hook['id']}/deliveries/{delivery_id}")
    assert detail.status_code == 200
    assert first.webhook_id in detail.text  # the request: its webhook-id, headers and body
    assert "X-Cal-Signature-256" in detail.text and SECRET not in detail.text
    assert (
        "&#34;triggerEvent&#34;: &#34;BOOKING_CREATED&#34;" in detail.text or "&quot;triggerEvent&quot;" in detail.text
    )
    assert "received &lt;b&gt;ok&lt;/b&gt;" in detail.text  # the answer, as text

    forged = await alice_web.post(
        f"{PAGE}/{hook['id']}/deliveries/{delivery_id}/redeliver", data={"csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    await settle(app)
    assert len(receiver.requests) == 1  # the forged form queued nothing

    redelivered = await alice_web.post(
        f"{PAGE}/{hook['id']}/deliveries/{delivery_id}/redeliver", data={"csrf_token": csrf_of(detail)}
    )
    assert redelivered.status_code == 303
    second = (await receiver.wait_for(2))[1]
    await settle(app)
    assert second.webhook_id == first.webhook_id and second.body == first.body
    after = await alice_web.get(f"{PAGE}/{hook['id']}/deliveries/{delivery_id}")
    assert "Attempt 2: answered 200" in after.text


async def test_ping_shows_the_answer(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    receiver.respond = lambda request: (418, {}, b"short and stout")
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    page = await alice_web.get(f"{PAGE}/{hook['id']}")
    answer = await alice_web.post(f"{PAGE}/{hook['id']}/ping", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 200
    assert "answered <strong>418</strong>" in answer.text and "short and stout" in answer.text
    [ping] = receiver.requests
    assert ping.json()["triggerEvent"] == "PING" and ping.webhook_id in answer.text


async def test_delete_asks_first_then_removes_the_webhook(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    kept = await subscribe(client, alice, receiver.url + "/kept", ["BOOKING_CREATED"])
    gone = await subscribe(client, alice, receiver.url + "/gone", ["BOOKING_CREATED"])
    edit = await alice_web.get(f"{PAGE}/{gone['id']}")
    assert f'href="{PAGE}/{gone["id"]}/delete"' in edit.text
    confirm = await alice_web.get(f"{PAGE}/{gone['id']}/delete")
    assert confirm.status_code == 200 and receiver.url + "/gone" in confirm.text
    assert [h["id"] for h in await _api_webhooks(client, alice)] == [kept["id"], gone["id"]]  # asking deletes nothing

    unchecked = await alice_web.post(f"{PAGE}/{gone['id']}/delete", data={"csrf_token": "wrong"})
    assert unchecked.status_code == 403
    deleted = await alice_web.post(f"{PAGE}/{gone['id']}/delete", data=_form(confirm))
    assert deleted.status_code == 303 and deleted.headers["location"] == PAGE + "?done=deleted"
    assert [h["id"] for h in await _api_webhooks(client, alice)] == [kept["id"]]
    listed = await alice_web.get(deleted.headers["location"])
    assert "The webhook is deleted." in listed.text and receiver.url + "/gone" not in listed.text
    assert (await alice_web.get(f"{PAGE}/{gone['id']}")).status_code == 404


async def test_rotating_the_secret_shows_the_new_one_once_and_the_old_one_keeps_signing(
    app: Any, client: httpx.AsyncClient, alice: Any, alice_web: httpx.AsyncClient, receiver: Any
) -> None:
    hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    edit = await alice_web.get(f"{PAGE}/{hook['id']}")
    assert f'action="{PAGE}/{hook["id"]}/rotate-secret"' in edit.text
    refused = await alice_web.post(f"{PAGE}/{hook['id']}/rotate-secret", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert (await _api_webhooks(client, alice))[0]["secret"] == SECRET

    rotated = await alice_web.post(f"{PAGE}/{hook['id']}/rotate-secret", data=_form(edit))
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    [after] = await _api_webhooks(client, alice)
    assert after["secret"] not in (None, SECRET)
    assert f'value="{after["secret"]}"' in rotated.text  # shown this once
    assert SECRET not in rotated.text
    assert f'value="{after["secret"]}"' not in (await alice_web.get(f"{PAGE}/{hook['id']}")).text

    ping = await client.post(f"/v2/webhooks/{hook['id']}/ping", headers=alice.headers)
    assert ping.status_code == 200, ping.text
    signatures = receiver.requests[-1].headers["webhook-signature"].split()
    assert len(signatures) == 2  # the new secret's and, during the overlap, the old one's
