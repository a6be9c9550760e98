"""What the settings pages manage: the webhooks a user may manage (their own, their event types',
their teams' where they are an admin or owner), a sample payload for every trigger with a template
preview, and the delivery log over all of them with redelivery and ping. Data is made through the
API; the services are the ones the pages call."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from calapi.core.auth import Principal
from calapi.core.errors import BadRequest, NotFound
from calapi.db import utcnow
from calapi.webhooks import samples
from calapi.webhooks import service as webhooks_service
from calapi.webhooks.commands import DeliveryFilters, ManagedWebhooks, NewWebhook, UserWebhooks
from calapi.webhooks.triggers import ALL_TRIGGERS, PING
from tests.bookings.conftest import MONDAY, at, book
from tests.core.test_query_counts import count_statements
from tests.support import factories
from tests.teams.conftest import add_member, make_team
from tests.webhooks.conftest import SECRET, settle, subscribe


def principal(user: factories.TestUser) -> Principal:
    return Principal(user_id=user.id, role="USER", api_key_id=user.key_id, hashed_key="")


async def _team_hook(client: Any, team_id: int, by: factories.TestUser, url: str) -> str:
    created = await client.post(
        f"/v2/teams/{team_id}/webhooks",
        json={"subscriberUrl": url, "active": True, "triggers": ["BOOKING_CREATED"]},
        headers=by.headers,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["data"]["id"])


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_user_manages_their_own_their_event_types_and_the_teams_they_run(
    app, client, alice, bob, event_types, receiver
):
    own = (await subscribe(client, alice, receiver.url + "/own", ["BOOKING_CREATED"]))["id"]
    on_event = (
        await subscribe(client, alice, receiver.url + "/event", ["BOOKING_CREATED"], event_type_id=event_types.regular)
    )["id"]
    run = await make_team(client, alice, "Run by Alice")
    team_hook = await _team_hook(client, run["id"], alice, receiver.url + "/team")
    # a team where Alice is only a member: its webhooks are not hers to manage
    member_of = await make_team(client, bob, "Bob's")
    await add_member(client, member_of["id"], bob, alice, "MEMBER")
    not_hers = await _team_hook(client, member_of["id"], bob, receiver.url + "/bobs-team")
    bobs_own = (await subscribe(client, bob, receiver.url + "/bob", ["BOOKING_CREATED"]))["id"]
    # an admin of Bob's second team manages it
    admin_of = await make_team(client, bob, "Admins welcome")
    await add_member(client, admin_of["id"], bob, alice, "ADMIN")
    admin_hook = await _team_hook(client, admin_of["id"], bob, receiver.url + "/admin")

    async with app.state.sessionmaker() as session:
        listed = await webhooks_service.list_managed(session, principal(alice))
        owners = {item.webhook.id: (item.owner.kind, item.owner.name) for item in listed.webhooks}
        assert owners == {
            own: ("user", ""),
            on_event: ("event_type", "Regular"),
            team_hook: ("team", "Run by Alice"),
            admin_hook: ("team", "Admins welcome"),
        }
        assert [(t.id, t.name) for t in listed.teams] == [
            (run["id"], "Run by Alice"),
            (admin_of["id"], "Admins welcome"),
        ]
        scope = ManagedWebhooks(principal(alice))
        for webhook_id in owners:
            assert (await webhooks_service.get(session, scope, webhook_id)).id == webhook_id
        for webhook_id in (not_hers, bobs_own, "no-such-webhook"):
            with pytest.raises(NotFound):
                await webhooks_service.get(session, scope, webhook_id)
            with pytest.raises(NotFound):
                await webhooks_service.managed_deliveries(
                    session, principal(alice), DeliveryFilters(), webhook_id=webhook_id
                )
        # where a new webhook may go: her own, or a team she runs
        settings = app.state.settings
        mine = await webhooks_service.create_managed(
            session, principal(alice), None, NewWebhook(receiver.url + "/new-own", ("BOOKING_CREATED",)), settings
        )
        for_team = await webhooks_service.create_managed(
            session, principal(alice), run["id"], NewWebhook(receiver.url + "/new-team", ("BOOKING_CREATED",)), settings
        )
        assert (mine.user_id, mine.team_id) == (alice.id, None) and (for_team.user_id, for_team.team_id) == (
            None,
            run["id"],
        )
        with pytest.raises(NotFound):
            await webhooks_service.create_managed(
                session,
                principal(alice),
                member_of["id"],
                NewWebhook(receiver.url + "/x", ("BOOKING_CREATED",)),
                settings,
            )
        await session.rollback()

        # Bob sees his own and his teams', never Alice's
        bobs = {item.webhook.id for item in (await webhooks_service.list_managed(session, principal(bob))).webhooks}
        assert bobs == {bobs_own, not_hers, admin_hook}


async def test_a_demoted_admin_no_longer_manages_the_team_webhooks(app, client, alice, bob, receiver):
    team = await make_team(client, bob, "Ops")
    membership = await add_member(client, team["id"], bob, alice, "ADMIN")
    hook = await _team_hook(client, team["id"], bob, receiver.url)
    async with app.state.sessionmaker() as session:
        assert (await webhooks_service.get(session, ManagedWebhooks(principal(alice)), hook)).id == hook
    demoted = await client.patch(
        f"/v2/teams/{team['id']}/memberships/{membership['id']}", json={"role": "MEMBER"}, headers=bob.headers
    )
    assert demoted.status_code == 200, demoted.text
    async with app.state.sessionmaker() as session:
        with pytest.raises(NotFound):
            await webhooks_service.get(session, ManagedWebhooks(principal(alice)), hook)
        assert (await webhooks_service.list_managed(session, principal(alice))).webhooks == ()


def test_every_trigger_has_a_sample_payload():
    now = utcnow()
    for trigger in (*ALL_TRIGGERS, PING):
        sample = samples.sample_payload(trigger, now)
        assert sample.trigger == trigger and sample.payload, trigger
        json.dumps(sample.payload)  # plain data, as a delivery's body is made of
    assert samples.sample_payload("BOOKING_CREATED", now).sent_here is True
    assert samples.sample_payload("OOO_CREATED", now).sent_here is False
    with pytest.raises(ValueError):
        samples.sample_payload("NOT_A_TRIGGER", now)


async def test_a_booking_sample_has_the_shape_of_a_real_delivery(app, client, alice, event_types, receiver, job_loop):
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED"])
    booked = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    moved = await client.post(
        f"/v2/bookings/{uid}/reschedule",
        json={"start": at(MONDAY, "11:00"), "reschedulingReason": "clash"},
        headers={"cal-api-version": "2024-08-13", **alice.headers},
    )
    assert moved.status_code == 201, moved.text
    new_uid = moved.json()["data"]["uid"]
    cancelled = await client.post(
        f"/v2/bookings/{new_uid}/cancel",
        json={"cancellationReason": "no longer needed"},
        headers={"cal-api-version": "2024-08-13", **alice.headers},
    )
    assert cancelled.status_code == 200, cancelled.text
    got = await receiver.wait_for(3)
    await settle(app)
    now = utcnow()
    for request in got:
        real = request.json()
        sample = samples.sample_payload(real["triggerEvent"], now).payload
        assert set(sample) == set(real["payload"]), real["triggerEvent"]
        assert set(sample["organizer"]) == set(real["payload"]["organizer"])
        assert set(sample["attendees"][0]) == set(real["payload"]["attendees"][0])


async def test_a_template_preview_renders_the_sample_and_names_unknown_variables(app):
    settings = app.state.settings
    template = '{"who": "{{attendees.0.name}}", "event": "{{triggerEvent}}", "odd": "{{nope.here}}", "tz": "{{organizer.timezone}}"}'
    preview = webhooks_service.preview_template(template, "BOOKING_CANCELLED", settings)
    body = json.loads(preview.body)
    assert body == {"who": "Jordan Guest", "event": "BOOKING_CANCELLED", "odd": "", "tz": "Europe/London"}
    assert preview.content_type == "application/json" and preview.unknown_variables == ("nope.here",)
    assert preview.sent_here

    # no template: the standard body of that trigger
    plain = webhooks_service.preview_template(None, "MEETING_ENDED", settings)
    assert json.loads(plain.body)["triggerEvent"] == "MEETING_ENDED" and "payload" not in json.loads(plain.body)
    form = webhooks_service.preview_template("name={{attendees.0.name}}&x={{title}}", "BOOKING_CREATED", settings)
    assert form.content_type == "application/x-www-form-urlencoded" and form.body.startswith("name=Jordan+Guest&x=")


async def test_a_template_that_would_not_render_is_refused_with_the_reason(app):
    settings = app.state.settings
    with pytest.raises(BadRequest, match=r"not valid JSON.*line 1 column 8.*inside a string"):
        webhooks_service.preview_template('{"a": {{length}}}', "BOOKING_CREATED", settings)
    with pytest.raises(BadRequest, match="Unknown trigger"):
        webhooks_service.preview_template("{}", "BOOKING_EXPLODED", settings)
    too_long = "x" * (settings.webhook_max_template_bytes + 1)
    with pytest.raises(BadRequest, match="CALAPI_WEBHOOK_MAX_TEMPLATE_BYTES"):
        webhooks_service.preview_template(too_long, "BOOKING_CREATED", settings)


async def test_a_refused_template_saves_nothing(app, alice, receiver):
    settings = app.state.settings
    scope = UserWebhooks(principal(alice))
    async with app.state.sessionmaker() as session:
        with pytest.raises(BadRequest, match="not valid JSON"):
            await webhooks_service.create(
                session,
                scope,
                NewWebhook(receiver.url, ("BOOKING_CREATED",), payload_template='{"a": {{x}}}'),
                settings,
            )
        await session.rollback()
        assert (await webhooks_service.list_managed(session, principal(alice))).webhooks == ()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_log_of_every_managed_webhook_with_filters_redelivery_and_ping(
    app, client, alice, bob, event_types, receiver, job_loop
):
    answers = iter([500, 200])  # the first webhook's first attempt fails, the retry succeeds
    receiver.respond = lambda r: (next(answers, 200) if r.path == "/one" else 200, {}, b"thanks")
    first = (await subscribe(client, alice, receiver.url + "/one", ["BOOKING_CREATED", "BOOKING_CANCELLED"]))["id"]
    second = (await subscribe(client, alice, receiver.url + "/two", ["BOOKING_CREATED"]))["id"]
    bobs = (await subscribe(client, bob, receiver.url + "/bob", ["BOOKING_CREATED"]))["id"]
    booked = await book(client, event_types.regular, at(MONDAY, "10:00"))
    assert booked.status_code == 201, booked.text
    await receiver.wait_for(3)  # one failure retried, one straight success
    await settle(app)
    me = principal(alice)

    async with app.state.sessionmaker() as session:
        log = await webhooks_service.managed_deliveries(session, me, DeliveryFilters())
        assert {view.delivery.webhook_id for view in log} == {first, second}  # never Bob's
        assert all(view.delivery.trigger == "BOOKING_CREATED" for view in log)
        retried = [view for view in log if view.delivery.attempts == 2]
        assert len(retried) == 1
        [answered_500] = await webhooks_service.managed_deliveries(session, me, DeliveryFilters(response_status=500))
        assert answered_500.delivery.id == retried[0].delivery.id
        assert [a.response_status for a in answered_500.attempts] == [500, 200]
        assert len(await webhooks_service.managed_deliveries(session, me, DeliveryFilters(response_status=200))) == 2
        assert (
            await webhooks_service.managed_deliveries(session, me, DeliveryFilters(trigger="BOOKING_CANCELLED")) == []
        )
        assert await webhooks_service.managed_deliveries(session, me, DeliveryFilters(status="failed")) == []
        later = utcnow() + timedelta(minutes=1)
        assert await webhooks_service.managed_deliveries(session, me, DeliveryFilters(since=later)) == []
        assert len(await webhooks_service.managed_deliveries(session, me, DeliveryFilters(until=later))) == 2
        [only_second] = await webhooks_service.managed_deliveries(session, me, DeliveryFilters(), webhook_id=second)
        assert only_second.delivery.webhook_id == second

        # one delivery: the request (headers as sent, signatures cut short; the body) and each answer
        view = await webhooks_service.get_delivery(session, ManagedWebhooks(me), second, only_second.delivery.id)
        [attempt] = view.attempts
        assert attempt.request_headers["webhook-id"] == view.delivery.message_id
        assert attempt.request_headers["X-Cal-Signature-256"].endswith("…") and SECRET not in str(
            attempt.request_headers
        )
        assert json.loads(view.delivery.body)["triggerEvent"] == "BOOKING_CREATED"
        assert attempt.response_status == 200 and attempt.response_body == "thanks"
        with pytest.raises(NotFound):
            await webhooks_service.get_delivery(session, ManagedWebhooks(me), first, only_second.delivery.id)
        with pytest.raises(NotFound):
            await webhooks_service.get_delivery(
                session, ManagedWebhooks(principal(bob)), second, only_second.delivery.id
            )
        assert bobs not in {v.delivery.webhook_id for v in log}

    # redelivery through the pages' scope: the receiver gets the same webhook-id again
    async with app.state.sessionmaker() as session:
        await webhooks_service.redeliver(session, ManagedWebhooks(me), second, only_second.delivery.id)
        await session.commit()
    before = [r for r in receiver.requests if r.path == "/two"]
    await receiver.wait_for(4)
    await settle(app)
    again = [r for r in receiver.requests if r.path == "/two"]
    assert len(again) == 2 and again[0].webhook_id == again[1].webhook_id == before[0].webhook_id
    assert again[0].body == again[1].body

    # ping: sent now, the answer handed back, logged as a test
    async with app.state.sessionmaker() as session:
        pinged = await webhooks_service.ping(session, ManagedWebhooks(me), first, app.state.settings)
        await session.commit()
    assert pinged.outcome.status == 200 and pinged.outcome.response_body == "thanks"
    assert receiver.requests[-1].json()["triggerEvent"] == "PING"
    async with app.state.sessionmaker() as session:
        with pytest.raises(NotFound):
            await webhooks_service.ping(session, ManagedWebhooks(me), bobs, app.state.settings)


async def test_the_api_log_filters_by_answer_code(app, client, alice, event_types, receiver, job_loop):
    answers = iter([503, 200])
    receiver.respond = lambda r: (next(answers, 200), {}, b"")
    hook = (await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"]))["id"]
    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await book(client, event_types.regular, at(MONDAY, "11:00"))
    await receiver.wait_for(3)
    await settle(app)
    path = f"/v2/webhooks/{hook}/deliveries"
    assert len((await client.get(f"{path}?responseStatus=503", headers=alice.headers)).json()["data"]) == 1
    assert len((await client.get(f"{path}?responseStatus=200", headers=alice.headers)).json()["data"]) == 2
    assert (await client.get(f"{path}?responseStatus=404", headers=alice.headers)).json()["data"] == []
    refused = await client.get(f"{path}?responseStatus=abc", headers=alice.headers)
    assert refused.status_code == 400 and "responseStatus must be an HTTP status code" in refused.text


async def test_the_managed_list_and_log_take_the_same_statements_whatever_their_length(
    app, client, alice, event_types, receiver, job_loop
):
    team = await make_team(client, alice, "Counted")
    await _team_hook(client, team["id"], alice, receiver.url + "/team")
    for n in range(2):
        await subscribe(client, alice, receiver.url + f"/{n}", ["BOOKING_CREATED"])
    me = principal(alice)

    def ours(statements: list[str]) -> list[str]:
        """Without the job loop's polls (it shares the engine) and transaction control."""
        return [
            s for s in statements if "jobs" not in s and s.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")
        ]

    async def statements_of_a_look() -> tuple[int, int, int]:
        async with app.state.sessionmaker() as session:
            with count_statements(app) as listing:
                listed = await webhooks_service.list_managed(session, me)
            with count_statements(app) as log:
                views = await webhooks_service.managed_deliveries(session, me, DeliveryFilters())
        assert len(listed.webhooks) == 3
        return len(ours(listing)), len(ours(log)), len(views)

    await book(client, event_types.regular, at(MONDAY, "10:00"))
    await receiver.wait_for(2)
    await settle(app)
    few = await statements_of_a_look()
    for clock in ("11:00", "12:00", "13:00"):
        await book(client, event_types.regular, at(MONDAY, clock))
    await receiver.wait_for(8)
    await settle(app)
    many = await statements_of_a_look()
    assert (few[2], many[2]) == (2, 8)
    assert few[:2] == many[:2] == (2, 3)  # teams and webhooks; teams, deliveries and their attempts
