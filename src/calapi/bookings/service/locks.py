"""Locks that make "check the slot engine, then insert" safe against concurrent bookers.

PostgreSQL: transaction-scoped advisory locks (``pg_advisory_xact_lock(namespace, key)``), released
by COMMIT or ROLLBACK. The two-int form keeps our keys in namespaces of their own, so they cannot
collide with advisory locks taken by anything else on the same database. Hosts are locked in
ascending id order, so two transactions locking overlapping host sets can never deadlock.

SQLite: there is one writer at a time for the whole database. The caller must have started its
transaction with ``begin_write(session)`` (BEGIN IMMEDIATE) *before its first statement*; that
write lock already serialises every booking transaction, so these functions do nothing there.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from calapi.db import core_connection

# Advisory-lock namespaces (the first int of the two-int form). Arbitrary but fixed: "ca" "lh"/"ls".
HOST_NAMESPACE = 0x63616C68  # a host's bookings
SEAT_SLOT_NAMESPACE = 0x63616C73  # the seats of one (event type, start)

_INT32 = 2**31
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :key)")


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _int4(value: int) -> int:
    """Fold any int into PostgreSQL's signed int4 range (the two-int form takes int4 keys)."""
    return (value + _INT32) % (2 * _INT32) - _INT32


def host_lock(host_id: ColumnElement[int | None] | InstrumentedAttribute[int | None]) -> ColumnElement[Any]:
    """``lock_hosts`` for one host as a column of a statement (PostgreSQL): the lock is taken while
    the statement reads its row, with no round trip of its own. (Ids are int4 columns: no fold.)"""
    return func.pg_advisory_xact_lock(literal(_int4(HOST_NAMESPACE)), host_id)


async def lock_hosts(session: AsyncSession, host_ids: Iterable[int]) -> None:
    """Serialise booking transactions per host until this transaction ends.

    Call after ``begin_write(session)`` and before loading the hosts' busy time.
    """
    if not is_postgres(session):
        return
    connection = await core_connection(session)  # Core: the ORM's execute path costs more than the lock
    for host_id in sorted(set(host_ids)):
        await connection.execute(_LOCK, {"namespace": _int4(HOST_NAMESPACE), "key": _int4(host_id)})


def seat_slot_key(event_type_id: int, start: datetime) -> int:
    """A stable int4 key for one seated slot (CRC32 of event type and UTC start)."""
    text_key = f"{event_type_id}:{start.astimezone(UTC).isoformat()}"
    return _int4(zlib.crc32(text_key.encode()))


async def lock_seat_slot(session: AsyncSession, event_type_id: int, start: datetime) -> None:
    """Serialise seat allocation for one (event type, start) until this transaction ends.

    A CRC collision between two slots only makes them wait for each other; it never lets two
    bookers into one slot unserialised. SQLite: nothing beyond ``begin_write``.
    """
    if not is_postgres(session):
        return
    connection = await session.connection()
    await connection.execute(
        _LOCK, {"namespace": _int4(SEAT_SLOT_NAMESPACE), "key": seat_slot_key(event_type_id, start)}
    )
