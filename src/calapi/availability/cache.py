"""Hosts' busy time (bookings and holds) kept between slot listings, invalidated on commit.

A slot listing reads each host's bookings and holds over its data window. Most listings repeat
what the last one read: the cache keeps, per host, the columns read (``BusyTimes``) and the
holds, with the span they cover and the change-log number taken before they were read
(``changes.py``). A listing whose hosts have no change after that number, inside that span, reads
nothing from the database for busy time; the engine keeps its merged busy list on the same
``BusyTimes`` object, so it does not lay it out again either. What a listing resolves before
busy time (its event type, hosts and their schedules: its "setup") is kept the same way, by
request, until any setup change (``setup``): a repeated listing reads nothing at all.

Hosts' calendar busy times (``calendars/busy.py``: the refresh job's ``calendar_busy`` rows,
decoded) are kept per host the same way (``calendar_busy``): the refresh job's writes are
published on the change log as calendar changes of their hosts, and an entry is also read again
after ``CALAPI_CALENDAR_CACHE_TTL`` (a write the log did not carry — a worker process without
Redis — is seen within that bound). Which calendars are stale is worked out at each listing from
the kept ``fetched_at``, as from the database.

The cache never decides a booking: the booking transaction reads busy time from the database
inside its lock (``hosts.complete_hosts`` without a cache), as before.

Snapshot rule: what is kept is kept under a change-log number taken before the database snapshot
it was read from (``_reader``). PostgreSQL (READ COMMITTED) takes a snapshot per statement. A
SQLite read transaction keeps the snapshot of its first read: the number taken before that read is
noted on the session, or, when the session has read before any number was taken, the rows are read
in a transaction of their own.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from calapi.availability.busy import load_busy_and_holds, with_calendar_busy
from calapi.availability.changes import (
    CHANGED,
    SNAPSHOT_SEQ,
    ChangeLog,
    LocalChangeLog,
    Reading,
    RedisChangeLog,
    track_changes,
)
from calapi.calendars.busy import KeptCalendar, busy_inside, read_calendars
from calapi.calendars.results import HostsBusy
from calapi.config import AvailabilityCacheMode, Settings, parse_duration
from calapi.scheduling import BusyTimes, Reservation, tz

DAY = 86_400
# An entry is read again after this many seconds whatever the change log says: a bound on how
# long a change that could not be published (Redis away) or was written around the tracker
# (raw SQL, another tool) stays unseen.
MAX_AGE = 300.0
# Rows kept in all (bookings; holds are few): about 80 bytes a row.
MAX_ROWS = 2_000_000
# A span grows to cover what listings ask (so alternating windows do not evict each other), up to this.
MAX_SPAN = 800 * DAY
# Listing setups kept (one per event type or team event listed).
MAX_SETUPS = 10_000
# Kept calendars are read again after this many seconds (``for_app``: CALAPI_CALENDAR_CACHE_TTL).
CALENDAR_MAX_AGE = 60.0
# Hosts whose calendars are kept (most have none: an empty entry).
MAX_CALENDAR_HOSTS = 100_000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HostBusy:
    """A host's bookings and unexpired holds over a span, as the engine reads them."""

    busy: BusyTimes
    holds: tuple[Reservation, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    lo: int  # the span covered, epoch seconds
    hi: int
    seq: int  # change-log number taken before the rows were read
    loaded_at: float  # time.monotonic()
    host: HostBusy

    @property
    def rows(self) -> int:
        return len(self.host.busy) + len(self.host.holds)


@dataclass(frozen=True, slots=True)
class _CalendarsEntry:
    seq: int  # change-log number taken before the calendars were read
    loaded_at: float  # time.monotonic()
    calendars: tuple[KeptCalendar, ...]


@dataclass(frozen=True, slots=True)
class _Setup:
    seq: int
    loaded_at: float
    value: Any
    host_ids: tuple[int, ...]


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


@asynccontextmanager
async def _reader(session: AsyncSession, reading: Reading) -> AsyncIterator[tuple[AsyncSession, int]]:
    """A session to read with, and the change-log number its reads see every change up to.

    PostgreSQL: the request's session (READ COMMITTED: a snapshot per statement, taken after
    ``reading``). SQLite: the request's session too when its transaction has not read yet (its
    first read, after ``reading``, takes the snapshot; the number is noted on the session for the
    rest of its transaction), else a read transaction of its own, begun now. A session that has
    written in its transaction would show its own uncommitted rows: a transaction of its own too.
    """
    bind = session.bind
    sqlite = isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite"
    if not session.info.get(CHANGED):
        if not sqlite:
            yield session, reading.seq
            return
        if not session.in_transaction():
            session.info[SNAPSHOT_SEQ] = reading.seq
        seq = session.info.get(SNAPSHOT_SEQ)
        if seq is not None:
            yield session, seq
            return
    assert isinstance(bind, AsyncEngine)
    async with bind.connect() as connection:
        own = await connection.execution_options(sqlite_read_only=True) if sqlite else connection
        async with AsyncSession(bind=own) as reader:
            yield reader, reading.seq


class AvailabilityCache:
    """Busy time per host, checked against a change log before every use."""

    def __init__(
        self,
        change_log: ChangeLog,
        *,
        max_rows: int = MAX_ROWS,
        max_age: float = MAX_AGE,
        calendar_max_age: float = CALENDAR_MAX_AGE,
    ) -> None:
        self.change_log = change_log
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._setups: OrderedDict[Hashable, _Setup] = OrderedDict()
        self._calendars: OrderedDict[int, _CalendarsEntry] = OrderedDict()
        self._rows = 0
        # Per host: the kept bookings, the calendar intervals merged into them (as given and as a
        # tuple), and the merge.
        self._with_calendars: dict[
            int, tuple[BusyTimes, Sequence[tuple[int, int]], tuple[tuple[int, int], ...], BusyTimes]
        ] = {}
        self._max_rows = max_rows
        self._max_age = max_age
        self._calendar_max_age = min(max_age, calendar_max_age)

    async def setup(
        self,
        session: AsyncSession,
        key: Hashable,
        resolve: Callable[[AsyncSession], Awaitable[T]],
        host_ids: Callable[[T], Sequence[int]],
    ) -> tuple[T, Reading | None]:
        """``resolve(session)``'s answer for a listing ``key``, kept until a setup change.

        Also answers the change log's reading of the setup's hosts when it had to read it anyway,
        so that ``hosts_busy`` need not read it again. An exception from ``resolve`` (an unknown
        event type) is raised, and nothing is kept.
        """
        kept = self._setups.get(key)
        reading = await self.change_log.read(kept.host_ids if kept is not None else ())
        if reading is None:
            return await resolve(session), None
        if kept is not None and reading.setup <= kept.seq and kept.loaded_at >= time.monotonic() - self._max_age:
            self._setups.move_to_end(key)
            return kept.value, reading
        async with _reader(session, reading) as (reader, seq):
            value = await resolve(reader)
        ids = tuple(host_ids(value))
        self._setups[key] = _Setup(seq, time.monotonic(), value, ids)
        self._setups.move_to_end(key)
        if len(self._setups) > MAX_SETUPS:
            self._setups.popitem(last=False)
        return value, reading if kept is not None and ids == kept.host_ids else None

    async def hosts_busy(
        self,
        session: AsyncSession,
        host_ids: Sequence[int],
        start: datetime,
        end: datetime,
        now: datetime,
        reading: Reading | None = None,
    ) -> dict[int, HostBusy]:
        """Each host's bookings and holds covering [start, end): kept ones where still fresh, the
        others read in one pass (two statements whatever the number of hosts).

        ``reading``: the change log, read moments ago (``setup``); read again unless it has these hosts.
        """
        ids = list(dict.fromkeys(host_ids))
        if reading is None or list(reading.hosts) != ids:
            reading = await self.change_log.read(ids)
        lo, hi = _epoch(start), _epoch(end)
        if reading is None:  # the change log is away: read everything, keep nothing
            return await _read(session, ids, lo, hi, now)
        found: dict[int, HostBusy] = {}
        missing: list[int] = []
        # Whole UTC days (nearby windows share entries), inside the calendar.
        span_lo, span_hi = max(lo - lo % DAY, tz.FIRST_EPOCH), min(hi + (-hi) % DAY, tz.LAST_EPOCH)
        expired = time.monotonic() - self._max_age
        entries = self._entries
        for host_id, last_change in zip(ids, reading.changed, strict=True):
            entry = entries.get(host_id)
            if entry is None or last_change > entry.seq or entry.loaded_at < expired:
                missing.append(host_id)
            elif entry.lo <= lo and hi <= entry.hi:
                found[host_id] = entry.host
                entries.move_to_end(host_id)
            else:
                # Fresh but too short: read the union, so listings of other windows keep sharing it.
                if max(hi, entry.hi) - min(lo, entry.lo) <= MAX_SPAN:
                    span_lo, span_hi = min(span_lo, entry.lo), max(span_hi, entry.hi)
                missing.append(host_id)
        if missing:
            async with _reader(session, reading) as (reader, seq):
                read = await _read(reader, missing, span_lo, span_hi, now)
            loaded_at = time.monotonic()
            for host_id, host in read.items():
                self._keep(host_id, _Entry(span_lo, span_hi, seq, loaded_at, host))
            found.update(read)
        return found

    async def reading(self, host_ids: Sequence[int], reading: Reading | None = None) -> Reading | None:
        """The change log's reading for these hosts: ``reading`` when it is of them, else read now."""
        ids = list(dict.fromkeys(host_ids))
        if reading is not None and list(reading.hosts) == ids:
            return reading
        return await self.change_log.read(ids)

    async def calendar_busy(
        self,
        session: AsyncSession,
        host_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        now: datetime,
        ttl: float,
        reading: Reading | None,
    ) -> HostsBusy:
        """``calendars.busy.busy_for_hosts`` from kept calendars where no calendar or setup change of
        the host is numbered after them and they are younger than the calendars' staleness bound
        (``CALAPI_CALENDAR_CACHE_TTL``); the others read in
        one statement. ``reading``: the change log for these hosts (``reading``); None reads everything.
        ``ttl``: the staleness bound the stale calendars are named by."""
        ids = list(dict.fromkeys(host_ids))
        if reading is None or list(reading.hosts) != ids:
            return busy_inside(await read_calendars(session, ids), start, end, now=now, ttl=ttl)
        found: dict[int, tuple[KeptCalendar, ...]] = {}
        missing: list[int] = []
        expired = time.monotonic() - self._calendar_max_age
        entries = self._calendars
        for host_id, last_change in zip(ids, reading.calendars, strict=True):
            entry = entries.get(host_id)
            if entry is None or last_change > entry.seq or reading.setup > entry.seq or entry.loaded_at < expired:
                missing.append(host_id)
            else:
                found[host_id] = entry.calendars
                entries.move_to_end(host_id)
        if missing:
            async with _reader(session, reading) as (reader, seq):
                read = await read_calendars(reader, missing)
            loaded_at = time.monotonic()
            for host_id, calendars in read.items():
                entries[host_id] = _CalendarsEntry(seq, loaded_at, calendars)
                entries.move_to_end(host_id)
            while len(entries) > MAX_CALENDAR_HOSTS:
                entries.popitem(last=False)
            found.update(read)
        return busy_inside(found, start, end, now=now, ttl=ttl)

    def with_calendar_busy(self, host_id: int, bookings: BusyTimes, intervals: Sequence[tuple[int, int]]) -> BusyTimes:
        """``busy.with_calendar_busy``, the same object again while neither the kept bookings nor
        the calendar intervals changed: the engine keeps its merged busy list on that object, so a
        repeated listing lays it out once. The intervals come from ``calendars.busy``, which hands
        the same list again (never changed in place) while the stored calendar and the window are
        unchanged: then not even compared."""
        kept = self._with_calendars.get(host_id)
        if kept is not None and kept[0] is bookings and (kept[1] is intervals or kept[2] == tuple(intervals)):
            return kept[3]
        key = tuple(intervals)
        merged = with_calendar_busy(bookings, key)
        # Entries go with their hosts' cache entries; hosts with a calendar are few beside MAX_ROWS.
        self._with_calendars[host_id] = (bookings, intervals, key, merged)
        return merged

    def _keep(self, host_id: int, entry: _Entry) -> None:
        old = self._entries.pop(host_id, None)
        self._with_calendars.pop(host_id, None)
        if old is not None:
            self._rows -= old.rows
        self._entries[host_id] = entry
        self._rows += entry.rows
        while self._rows > self._max_rows and len(self._entries) > 1:
            dropped_id, dropped = self._entries.popitem(last=False)
            self._with_calendars.pop(dropped_id, None)
            self._rows -= dropped.rows

    def clear(self) -> None:
        self._entries.clear()
        self._with_calendars.clear()
        self._setups.clear()
        self._calendars.clear()
        self._rows = 0

    async def close(self) -> None:
        await self.change_log.close()


async def _read(session: AsyncSession, ids: list[int], lo: int, hi: int, now: datetime) -> dict[int, HostBusy]:
    start, end = datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)
    return await _read_on(await session.connection(), ids, start, end, now)


async def _read_on(
    connection: AsyncConnection, ids: list[int], start: datetime, end: datetime, now: datetime
) -> dict[int, HostBusy]:
    busy, holds, _ = await load_busy_and_holds(connection, ids, start, end, now)
    return {host_id: HostBusy(busy[host_id], tuple(holds.get(host_id, ()))) for host_id in ids}


def _change_log(settings: Settings) -> ChangeLog | None:
    """The change log ``settings.availability_cache`` asks for; None when off."""
    mode = settings.availability_cache
    if mode is AvailabilityCacheMode.off:
        return None
    if mode is AvailabilityCacheMode.auto and settings.redis_url:
        return RedisChangeLog(settings.redis_url, database_url=settings.database_url)
    if mode is AvailabilityCacheMode.process or (
        # A process started by a multiprocessing parent (uvicorn's --workers) may have siblings
        # writing the same database; their changes would not reach this process's log.
        settings.is_sqlite and multiprocessing.parent_process() is None
    ):
        return LocalChangeLog()
    return None


def for_app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> AvailabilityCache | None:
    """The cache ``settings.availability_cache`` asks for, its change tracking installed on the
    app's sessions; None when off."""
    change_log = _change_log(settings)
    if change_log is None:
        return None
    track_changes(sessionmaker, change_log)
    return AvailabilityCache(change_log, calendar_max_age=parse_duration(settings.calendar_cache_ttl))


def for_worker(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> ChangeLog | None:
    """The change tracking of a job worker in a process of its own (``calapi worker``): what its
    jobs write (calendars' busy times, bookings) is published on the servers' shared change log.
    Only a shared one (Redis) can reach them; without it the servers' kept calendars follow the
    worker's writes within ``CALAPI_CALENDAR_CACHE_TTL``. None when nothing is installed."""
    change_log = _change_log(settings)
    if not isinstance(change_log, RedisChangeLog):
        return None
    track_changes(sessionmaker, change_log)
    return change_log
