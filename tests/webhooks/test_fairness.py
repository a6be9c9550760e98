"""Fairness: a slow subscriber with a backlog must not hold up another subscriber's deliveries."""

from __future__ import annotations

import time

from calapi.jobs.outbox import record_event
from tests.webhooks.conftest import subscribe


async def test_a_slow_subscriber_does_not_hold_up_the_others(app, client, alice, bob, receiver, job_loop):
    limit = app.state.settings.webhook_max_in_flight_per_subscriber
    slow_backlog = 3 * limit  # three rounds of the slow subscriber's in-flight limit

    def respond(request):
        if request.path == "/slow":
            time.sleep(1.0)
        return 200, {}, b"ok"

    receiver.respond = respond
    await subscribe(client, alice, receiver.url + "/slow", ["BOOKING_CREATED"])
    await subscribe(client, bob, receiver.url + "/fast", ["BOOKING_CREATED"])
    async with app.state.sessionmaker() as session:
        # the slow subscriber's backlog is first in the queue
        for n in range(slow_backlog):
            await record_event(session, "BOOKING_CREATED", {"uid": f"slow-{n}"}, owner_user_id=alice.id)
        await session.commit()
    async with app.state.sessionmaker() as session:
        for n in range(10):
            await record_event(session, "BOOKING_CREATED", {"uid": f"fast-{n}"}, owner_user_id=bob.id)
        await session.commit()
    started = time.monotonic()
    fast = await receiver.wait_for(10, path="/fast", timeout=10)
    fast_took = time.monotonic() - started
    slow_done = len(receiver.by_path("/slow"))
    assert len(fast) == 10
    # the fast subscriber is served while the slow one is still working through its backlog
    assert fast_took < 1.5, fast_took
    assert slow_done < slow_backlog
    slow = await receiver.wait_for(slow_backlog, path="/slow", timeout=15)
    assert len(slow) == slow_backlog  # and the slow one gets everything, at its own pace
