"""On PostgreSQL a `calapi worker` process is woken by NOTIFY when a booking commits: its webhook goes
out at once, not at the worker's next poll (60 s away here)."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from tests.bookings.conftest import MONDAY, at, book
from tests.support.servers import CALAPI, REPO_ROOT, calapi_env
from tests.webhooks.conftest import SECRET, subscribe
from tests.webhooks.receiver import verify_cal


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CALAPI, "worker", "--poll-interval", "60"],
        env=calapi_env(database_url=database_url, log_level="warning"),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_worker_process_delivers_right_after_the_booking_commits(
    app, client, alice, event_types, receiver, database_url
):
    await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
    worker = start_worker(database_url)
    try:
        # The first booking may be found by the worker's start-up claim; after it, and a pause that
        # leaves its start-up behind, only a NOTIFY can wake it before the 60 s poll.
        first = await book(client, event_types.regular, at(MONDAY, "09:00"))
        assert first.status_code == 201, first.text
        await receiver.wait_for(1, timeout=30)
        await asyncio.sleep(1.5)
        for n, start in enumerate(["10:00", "11:00"], start=2):
            booking = await book(client, event_types.regular, at(MONDAY, start))
            assert booking.status_code == 201, booking.text
            committed = time.monotonic()
            received = await receiver.wait_for(n, timeout=5)
            assert time.monotonic() - committed < 5
            assert received[-1].json()["payload"]["uid"] == booking.json()["data"]["uid"]
            assert verify_cal(SECRET, received[-1])
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
