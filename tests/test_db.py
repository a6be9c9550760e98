"""The database layer's own promises: UTC round trips, and SQLite writers that wait their turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from calapi.db import make_engine
from calapi.users.models import User
from tests.conftest import BOTH_DATABASES


@BOTH_DATABASES
async def test_instants_come_back_aware_and_in_utc(app):
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    async with app.state.sessionmaker() as session:
        user = User(email="t@example.com", username="t", created_at=moment)
        session.add(user)
        await session.commit()
        user_id = user.id
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(User.created_at).where(User.id == user_id))
    assert stored == moment and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


async def test_naive_instants_are_refused(app):
    async with app.state.sessionmaker() as session:
        session.add(User(email="n@example.com", username="n", created_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_a_read_then_write_transaction_waits_for_another_writer_instead_of_failing(app):
    """In WAL mode a deferred transaction that read before another connection committed cannot
    upgrade to a writer ("database is locked" at once, busy_timeout ignored); calapi's SQLite
    transactions take the write lock at BEGIN, so the second writer waits its turn instead."""
    async with app.state.sessionmaker() as session:
        session.add(User(email="seed@example.com", username="seed"))
        await session.commit()

    async def other_writer() -> None:
        async with app.state.sessionmaker() as other:
            other.add(User(email="other@example.com", username="other"))
            await other.commit()

    async with app.state.sessionmaker() as first:
        assert await first.scalar(select(User.id).where(User.username == "seed")) is not None  # a read first
        racing = asyncio.create_task(other_writer())
        await asyncio.sleep(0.2)  # the other writer commits now (deferred) or waits for us (immediate)
        first.add(User(email="first@example.com", username="first", created_at=datetime.now(UTC)))
        await first.commit()
    await racing
    async with app.state.sessionmaker() as session:
        names = set((await session.scalars(select(User.username))).all())
    assert {"seed", "other", "first"} <= names


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_pooled_connection_the_server_ended_is_replaced_before_a_request_uses_it(app, client, alice):
    """The server ends every session of the app's pool (as a restart does); the next requests get
    new connections and their answers, not a server error. The pool checks each connection as it
    hands it out, without a round trip (``db._replace_closed_connections``)."""
    for _ in range(3):
        assert (await client.get("/v2/bookings", headers=alice.headers)).status_code == 200
    admin = make_engine(app.state.settings.database_url)
    async with admin.connect() as conn:
        ended = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await admin.dispose()
    assert ended >= 1
    await asyncio.sleep(0.5)  # the ended sessions' sockets close
    for _ in range(3):
        assert (await client.get("/v2/bookings", headers=alice.headers)).status_code == 200
