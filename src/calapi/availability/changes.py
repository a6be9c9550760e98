"""Which hosts' busy time a transaction changed, published when it commits.

Every write that can change a host's busy time — a booking made, cancelled, moved or handed to
another host, a co-host or seat added or removed, a hold made or dropped, an event type's buffers
or seating changed — is noted on the session while the transaction runs, from the session's own
events, so no domain has to remember to say so. So is any write to what a listing resolves before
it reads busy time (event types, their hosts, schedules and their rows, users, teams,
memberships): a "setup" change, which listings kept by request see. The session events:

- ``after_flush``: the ORM rows the flush wrote (new, changed in a column that matters, deleted);
- ``do_orm_execute``: UPDATE / DELETE / INSERT statements run through ``session.execute`` on those
  tables (the rows they will touch are read first with the statement's own WHERE clause, unless the
  caller noted its hosts itself and ran the statement with ``NOTED``).

Hosts' calendar busy times (``calendar_busy``, rewritten by the calendars' refresh job) are noted
the same way, apart: a refresh changes what a host's calendars block, not the bookings a listing
keeps, so it is published as a calendar change of the calendar owner's (``calendars``).

When the transaction commits, the hosts are published to a change log; a rollback forgets them.
A change the tracker cannot attribute to hosts (a user or team deleted with all it owns, an event
type's buffers changed) is published as a change of every host. Statements run on a connection
directly (``session.connection().execute``) and raw SQL are not seen: whoever writes busy time
that way notes the hosts with ``note_hosts``.

The change logs: ``LocalChangeLog`` in process (one API process: the embedded SQLite set-up), and
``RedisChangeLog`` shared by every process when ``CALAPI_REDIS_URL`` is set. Both count changes
with one sequence number: a reader takes the current number before it reads the database, and
keeps what it read under that number; an entry is stale once one of its hosts has a change
numbered after it. A change is published after its commit, so a number taken before a read can
only be ahead of that read's database snapshot, never behind it: a stale entry is never kept as
fresh (see ``cache.py`` for the snapshot rule on SQLite).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Delete, Insert, Update, event, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, attributes
from sqlalchemy.util import await_only

from calapi.availability.models import SlotReservation
from calapi.bookings.models import Booking, BookingHost, BookingSeat
from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
from calapi.event_types.models import EventType
from calapi.event_types.models import Host as EventHost
from calapi.schedules.models import Availability as ScheduleRow
from calapi.schedules.models import Schedule
from calapi.teams.models import Membership, Team
from calapi.users.models import User

log = logging.getLogger("calapi.availability")

# Execution option of a statement whose caller noted the hosts it changes (``note_hosts``).
NOTED = {"calapi_availability_noted": True}
CHANGED = "calapi.availability.changed"  # on a session: what its transaction changed so far
# On a SQLite session: the change-log number taken before its transaction's first read (cache.py).
SNAPSHOT_SEQ = "calapi.availability.snapshot_seq"

# Columns whose change changes a host's busy time.
_BOOKING_COLUMNS = ("user_id", "start_time", "end_time", "status", "event_type_id", "uid")
_EVENT_TYPE_COLUMNS = ("before_event_buffer", "after_event_buffer", "seats_per_time_slot")
# Tables by name: a statement built from a mapped class names an annotated copy of the table.
_BOOKINGS, _SEATS, _EVENT_TYPES = Booking.__tablename__, BookingSeat.__tablename__, EventType.__tablename__
_HOST_TABLES = {SlotReservation.__tablename__, BookingHost.__tablename__}  # rows carry the host (user_id)
_EVERYTHING_ON_DELETE = {User.__tablename__, Team.__tablename__, EventType.__tablename__}
# What a listing resolves before busy time: event type, hosts, schedules, users, teams, and which
# hosts have a selected calendar (whose busy times a listing then reads every time).
_SETUP_CLASSES = (EventType, EventHost, Schedule, ScheduleRow, User, Team, Membership, SelectedCalendar)
_SETUP_TABLES = {cls.__tablename__ for cls in _SETUP_CLASSES}
_CALENDAR_BUSY = CalendarBusy.__tablename__


@dataclass
class Changed:
    """What one transaction changed so far: hosts' busy time, every host's, the listings' setup,
    hosts' calendar busy times."""

    hosts: set[int] = field(default_factory=set)
    everything: bool = False
    setup: bool = False
    calendars: set[int] = field(default_factory=set)

    def anything(self) -> bool:
        return bool(self.hosts or self.everything or self.setup or self.calendars)


@dataclass(frozen=True, slots=True)
class Reading:
    """The change log's current number, the last setup change, and each host's last change (of
    busy time, and of calendar busy times)."""

    seq: int
    setup: int
    hosts: Sequence[int]  # as asked
    changed: Sequence[int]  # in the same order
    calendars: Sequence[int]  # in the same order


class ChangeLog(Protocol):
    async def read(self, host_ids: Sequence[int]) -> Reading | None:
        """The current number and the last changes; None when the log cannot be read."""

    def publish(
        self, hosts: Iterable[int], *, everything: bool = False, setup: bool = False, calendars: Iterable[int] = ()
    ) -> None:
        """Record a committed change (called from ``after_commit``, inside the session's greenlet)."""

    async def close(self) -> None: ...


class LocalChangeLog:
    """The change log of one process (no other process writes the database)."""

    def __init__(self) -> None:
        self.seq = 0
        self._last: dict[int, int] = {}
        self._calendars: dict[int, int] = {}
        self._everything = 0
        self._setup = 0

    async def read(self, host_ids: Sequence[int]) -> Reading:
        last, calendars, everything = self._last, self._calendars, self._everything
        return Reading(
            self.seq,
            self._setup,
            host_ids,
            [max(last.get(h, 0), everything) for h in host_ids],
            [max(calendars.get(h, 0), everything) for h in host_ids],
        )

    def publish(
        self, hosts: Iterable[int], *, everything: bool = False, setup: bool = False, calendars: Iterable[int] = ()
    ) -> None:
        self.seq += 1
        if setup:
            self._setup = self.seq
        if everything:
            self._everything = self.seq
            self._last.clear()
            self._calendars.clear()
            return
        for host in hosts:
            self._last[host] = self.seq
        for host in calendars:
            self._calendars[host] = self.seq

    async def close(self) -> None:
        return None


# One number for the log, then the keys to stamp with it: "everything", "setup", hosts.
_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], seq) end
return seq
"""


class RedisChangeLog:
    """The change log shared by every API process through Redis (``CALAPI_REDIS_URL``).

    A read is one ``MGET``; a publish one script call (the number and the hosts' keys together).
    If Redis cannot be reached, readers answer from the database (``read`` gives None) and a
    publish is logged and dropped: the cache's entries also expire after ``MAX_AGE`` seconds, so a
    change lost that way is seen within that time at the latest.
    """

    def __init__(self, url: str, *, database_url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        # Keys per database: deployments sharing one Redis do not see each other's changes.
        prefix = f"calapi:availability:{hashlib.sha256(database_url.encode()).hexdigest()[:12]}:"
        self._publish = self._redis.register_script(_PUBLISH)
        self._seq = prefix + "seq"
        self._everything = prefix + "all"
        self._setup = prefix + "setup"
        self._host = prefix + "host:"
        self._calendar = prefix + "calendar:"

    async def read(self, host_ids: Sequence[int]) -> Reading | None:
        keys = [self._seq, self._everything, self._setup, *(f"{self._host}{h}" for h in host_ids)]
        keys += [f"{self._calendar}{h}" for h in host_ids]
        try:
            values = await self._redis.mget(keys)
        except Exception as exc:  # a cache that cannot check its entries answers from the database
            log.warning("availability change log unavailable (%s); reading the database", exc.__class__.__name__)
            return None
        seq, everything, setup, *changed = (int(v or 0) for v in values)
        hosts, calendars = changed[: len(host_ids)], changed[len(host_ids) :]
        return Reading(
            seq, setup, host_ids, [max(h, everything) for h in hosts], [max(c, everything) for c in calendars]
        )

    def publish(
        self, hosts: Iterable[int], *, everything: bool = False, setup: bool = False, calendars: Iterable[int] = ()
    ) -> None:
        keys = [self._seq, *([self._setup] if setup else ())]
        if everything:
            keys.append(self._everything)
        else:
            keys += [f"{self._host}{h}" for h in hosts]
            keys += [f"{self._calendar}{h}" for h in calendars]
        try:
            # after_commit is a plain function, but it runs inside the greenlet of the awaited
            # commit: awaiting here holds the response until every process can see the change.
            await_only(self._publish(keys=keys))
        except Exception as exc:
            log.warning("availability change not published (%s); caches catch up within their max age", exc)

    async def close(self) -> None:
        await self._redis.aclose()


# ---------------------------------------------------------------- noting changes on the session


def _changed(session: Session) -> Changed:
    found = session.info.get(CHANGED)
    if found is None:
        found = session.info[CHANGED] = Changed()
    assert isinstance(found, Changed)
    return found


def note_hosts(session: Any, host_ids: Iterable[int]) -> None:
    """Note hosts whose busy time this transaction changed (for writes the tracker cannot see).

    ``session``: an ``AsyncSession`` or its ``Session``.
    """
    sync = getattr(session, "sync_session", session)
    _changed(sync).hosts.update(host_ids)


def _old_and_new(obj: object, column: str) -> list[Any]:
    history = attributes.get_history(obj, column)
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def _booking_hosts(session: Session, booking_ids: set[int]) -> set[int]:
    """The organizers and co-hosts of these bookings (one statement)."""
    ids = sorted(booking_ids)
    organizers = select(Booking.user_id).where(Booking.id.in_(ids))
    co_hosts = select(BookingHost.user_id).where(BookingHost.booking_id.in_(ids))
    return set(session.execute(organizers.union(co_hosts)).scalars())


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changed: Changed | None = None
    bookings: set[int] = set()

    def note() -> Changed:
        nonlocal changed
        changed = changed or _changed(session)
        return changed

    if any(
        isinstance(obj, _SETUP_CLASSES) for objects in (session.new, session.dirty, session.deleted) for obj in objects
    ):
        note().setup = True
    for obj in session.new:
        if isinstance(obj, Booking | SlotReservation | BookingHost):
            note().hosts.add(obj.user_id)
        elif isinstance(obj, BookingSeat):
            bookings.add(obj.booking_id)
    for obj in session.dirty:
        if isinstance(obj, Booking):
            if any(attributes.get_history(obj, c).has_changes() for c in _BOOKING_COLUMNS):
                note().hosts.update(_old_and_new(obj, "user_id"))
                bookings.add(obj.id)  # its co-hosts too
        elif isinstance(obj, SlotReservation | BookingHost):
            note().hosts.update(_old_and_new(obj, "user_id"))
        elif isinstance(obj, BookingSeat):
            bookings.update(_old_and_new(obj, "booking_id"))
        elif isinstance(obj, EventType) and any(
            attributes.get_history(obj, c).has_changes() for c in _EVENT_TYPE_COLUMNS
        ):
            note().everything = True
    for obj in session.deleted:
        if isinstance(obj, SlotReservation | BookingHost):
            note().hosts.add(obj.user_id)
        elif isinstance(obj, BookingSeat):
            bookings.add(obj.booking_id)
        elif isinstance(obj, Booking | EventType | User | Team):
            note().everything = True  # with what the database deletes or resets along with it
    if bookings:
        note().hosts.update(_booking_hosts(session, bookings))
    calendars = {
        obj.calendar_id
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
        if isinstance(obj, CalendarBusy)
    }
    if calendars:
        note().calendars.update(_calendar_owners(session, calendars))


def _calendar_owners(session: Session, calendar_ids: set[int]) -> set[int]:
    """The users whose connections these calendars are (one statement)."""
    owners = (
        select(CalendarCredential.user_id)
        .join(ExternalCalendar, ExternalCalendar.credential_id == CalendarCredential.id)
        .where(ExternalCalendar.id.in_(sorted(calendar_ids)))
    )
    return set(session.execute(owners).scalars())


def _note_calendar_busy(state: ORMExecuteState, statement: Insert | Update | Delete) -> None:
    """A write to ``calendar_busy``: its calendars' owners' calendar busy times changed."""
    session = state.session
    if isinstance(statement, Insert):
        given = _parameter_rows(state)
        if not given or any(row.get("calendar_id") is None for row in given):
            _changed(session).everything = True  # inline values: not read here
            return
        calendars = {int(row["calendar_id"]) for row in given}
    else:
        touched = select(CalendarBusy.calendar_id)
        if statement.whereclause is not None:
            touched = touched.where(statement.whereclause)
        calendars = set(session.execute(touched).scalars())
    if calendars:
        _changed(session).calendars.update(_calendar_owners(session, calendars))


def _parameter_rows(state: ORMExecuteState) -> list[dict[str, Any]]:
    parameters = state.parameters
    if parameters is None:
        return []
    if isinstance(parameters, Mapping):
        return [dict(parameters)]
    return [dict(row) for row in parameters]


def _assigned(statement: Update, column: str) -> set[int] | None:
    """The value an UPDATE sets ``column`` to (empty: not set); None when it cannot be read here."""
    values = getattr(statement, "_values", None) or {}
    for target, value in values.items():
        if getattr(target, "key", target) == column:
            literal = getattr(value, "value", None)  # a bound parameter
            return {int(literal)} if isinstance(literal, int) else None
    if getattr(statement, "_ordered_values", None) or getattr(statement, "_multi_values", None):
        return None
    return set()


def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete) or state.execution_options.get("calapi_availability_noted"):
        return
    table = statement.table
    name = getattr(table, "name", None)
    session = state.session
    if name in _SETUP_TABLES:
        _changed(session).setup = True
    if name == _CALENDAR_BUSY:
        _note_calendar_busy(state, statement)
        return
    if name == _EVENT_TYPES:
        if not isinstance(statement, Insert):
            _changed(session).everything = True  # buffers, seating or the event type itself
        return
    if name in _EVERYTHING_ON_DELETE:
        if isinstance(statement, Delete):
            _changed(session).everything = True
        return
    by_booking = name == _SEATS
    if not (by_booking or name == _BOOKINGS or name in _HOST_TABLES):
        return
    column = "booking_id" if by_booking else "user_id"
    if isinstance(statement, Insert):
        given = _parameter_rows(state)
        if not given or any(row.get(column) is None for row in given):
            _changed(session).everything = True  # inline values: not read here
            return
        found = {int(row[column]) for row in given}
        bookings = found if by_booking else set()
    else:
        # The rows the statement is about to change, found with its own WHERE clause.
        key = "id" if name == _BOOKINGS else column
        touched = select(table.c[column], table.c[key])
        if statement.whereclause is not None:
            touched = touched.where(statement.whereclause)
        rows = session.execute(touched).all()
        found = set() if by_booking else {row[0] for row in rows}
        bookings = {row[1] for row in rows} if name == _BOOKINGS or by_booking else set()
        if isinstance(statement, Update):
            assigned = _assigned(statement, column)  # the rows' new host or booking
            if assigned is None:
                _changed(session).everything = True
                return
            (bookings if by_booking else found).update(assigned)
    if bookings:
        found |= _booking_hosts(session, bookings)  # organizers and co-hosts
    _changed(session).hosts.update(found)


def track_changes(sessionmaker: async_sessionmaker[Any], change_log: ChangeLog) -> None:
    """Note busy-time changes on the sessions of ``sessionmaker`` and publish them on commit.

    The sessions get a class of their own, so the listeners see only this app's sessions.
    """
    session_class = type("AvailabilityTrackingSession", (sessionmaker.kw.get("sync_session_class") or Session,), {})
    sessionmaker.configure(sync_session_class=session_class)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _on_execute)

    @event.listens_for(session_class, "after_commit")
    def _publish(session: Session) -> None:
        changed: Changed | None = session.info.pop(CHANGED, None)
        if changed is not None and changed.anything():
            change_log.publish(
                changed.hosts, everything=changed.everything, setup=changed.setup, calendars=changed.calendars
            )

    @event.listens_for(session_class, "after_transaction_end")
    def _forget(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop(CHANGED, None)  # rolled back (a commit has published already)
            session.info.pop(SNAPSHOT_SEQ, None)
