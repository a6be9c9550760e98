"""The SQL of insights: every count, sum and rank computed by the database, in a fixed number of
statements whatever the number of bookings, hosts or days.

The rows counted are those ``GET /v2/bookings`` would list for the same caller and filters (the
bookings table, read through its model; bookings a caller only attends as a guest excepted:
insights count what one hosts). Local days and hours are integer arithmetic on the instant plus
the zone's offset at that instant, the offset picked by a CASE over the zone's changes
(``localtime.utc_offsets``): no time-zone function is needed, so SQLite and PostgreSQL agree.

Revenue per currency is one more statement over the same ``booking_conditions``: the matching
bookings joined to their payment (``payments/models.py``, one per booking, found by its unique
``booking_id`` index), summed by currency.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from calapi.bookings.models import Attendee, Booking, BookingHost, BookingStatus
from calapi.event_types.models import EventType
from calapi.insights.localtime import Offsets
from calapi.insights.query import Audience, BookingFilters, DateColumn, TextMatch, TextOperator, TimeRange
from calapi.insights.results import ExportRow, Member, Revenue, Tally, TimeStatus
from calapi.payments.models import Payment
from calapi.teams.models import Membership
from calapi.users.models import User

CANCELLED = (BookingStatus.cancelled.value, BookingStatus.rejected.value)
DAY = 86_400
# Added before dividing by a day so that instants back to 1893 stay positive (integer division
# truncates toward zero); a whole number of weeks, so weekdays stay where they are.
_SHIFT_DAYS = 7 * 4_000
_SHIFT = literal_column(str(_SHIFT_DAYS * DAY), BigInteger)
_EPOCH_WEEKDAY = 4  # 1970-01-01 was a Thursday (Sunday = 0)

# An instant column: a mapped attribute (``Booking.created_at``) or an expression over one.
Instant = ColumnElement[datetime] | InstrumentedAttribute[datetime]

INSTANTS = {DateColumn.start_time: Booking.start_time, DateColumn.created_at: Booking.created_at}


# ---------------------------------------------------------------- SQL pieces both databases lack alike


class EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of an instant column."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


# ``unixepoch`` is SQLite 3.38+; older libraries parse the text with ``strftime`` (slower, same value).
_SQLITE_EPOCH = "unixepoch({})" if sqlite3.sqlite_version_info >= (3, 38) else "CAST(strftime('%s', {}) AS INTEGER)"


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return _SQLITE_EPOCH.format(compiler.process(element.clauses, **kw))


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # date_part is double precision; EXTRACT is numeric since PostgreSQL 14, several times slower
    return f"CAST(FLOOR(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


JOINED_BY = "; "


class JoinedText(FunctionElement[str]):
    """The values of a column over a group, joined with ``JOINED_BY``."""

    type = Attendee.name.type
    inherit_cache = True
    name = "joined_text"


@compiles(JoinedText, "sqlite")
def _joined_sqlite(element: JoinedText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, '{JOINED_BY}')"


@compiles(JoinedText, "postgresql")
def _joined_postgresql(element: JoinedText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, '{JOINED_BY}')"


def _offset(column: Instant, offsets: Offsets) -> ColumnElement[int]:
    """The offset in force at ``column``: a balanced CASE over the zone's changes (log₂ n comparisons)."""

    def pick(low: int, high: int) -> ColumnElement[int]:
        if low == high:
            return literal(offsets[low][1], Integer)
        middle = (low + high + 1) // 2
        change = offsets[middle][0]
        assert change is not None
        return case((column < change, pick(low, middle - 1)), else_=pick(middle, high))

    return pick(0, len(offsets) - 1)


def local_seconds(column: Instant, offsets: Offsets) -> ColumnElement[int]:
    """Seconds since 1970-01-01 on the local clock, shifted by ``_SHIFT`` (always positive)."""
    return EpochSeconds(column) + _offset(column, offsets) + _SHIFT


def local_day(column: Instant, offsets: Offsets) -> ColumnElement[int]:
    """The local day of ``column`` as a day number (``localtime.day_number``)."""
    return local_seconds(column, offsets) // DAY - _SHIFT_DAYS


# ---------------------------------------------------------------- which bookings


def hosted_by(user_id: int) -> ColumnElement[bool]:
    """Bookings the user organises or co-hosts (the co-host rows of ``booking_hosts``).

    One id list from two indexes: written as ``user_id = ? OR id IN (…)``, PostgreSQL scans the
    whole table instead (measured: 26 ms against 5 ms over 100,000 bookings).
    """
    organised = select(Booking.id).where(Booking.user_id == user_id)
    co_hosted = select(BookingHost.booking_id).where(BookingHost.user_id == user_id)
    return Booking.id.in_(union_all(organised, co_hosted))


def _attendee_has(column: InstrumentedAttribute[str], match: TextMatch) -> ColumnElement[bool]:
    operator = match.operator
    if operator in (TextOperator.equals, TextOperator.not_equals):
        return column == match.operand  # exact, as the bookings list's attendeeEmail/attendeeName
    if operator in (TextOperator.contains, TextOperator.not_contains):
        return column.icontains(match.operand, autoescape=True)
    if operator is TextOperator.starts_with:
        return column.istartswith(match.operand, autoescape=True)
    if operator is TextOperator.ends_with:
        return column.iendswith(match.operand, autoescape=True)
    return column != ""  # isEmpty / isNotEmpty: whether some attendee has a value


def _attendee_condition(column: InstrumentedAttribute[str], match: TextMatch) -> ColumnElement[bool]:
    matching = Booking.id.in_(select(Attendee.booking_id).where(_attendee_has(column, match)))
    return ~matching if match.operator.negated else matching


def range_conditions(ranges: Sequence[TimeRange]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for time_range in ranges:
        column = INSTANTS[time_range.column]
        if time_range.start is not None:
            where.append(column >= time_range.start)
        if time_range.end is not None:
            where.append(column <= time_range.end)
    return where


def booking_conditions(audience: Audience, filters: BookingFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause of every insights statement: who may be counted, then the filters."""
    where: list[ColumnElement[bool]] = []
    if audience.team_id is not None:
        where.append(Booking.event_type_id.in_(audience.event_type_ids))
    if audience.host_id is not None:
        where.append(hosted_by(audience.host_id))
    if filters.event_type_ids:
        children = select(EventType.id).where(EventType.parent_id.in_(filters.event_type_ids))
        where.append(or_(Booking.event_type_id.in_(filters.event_type_ids), Booking.event_type_id.in_(children)))
    if filters.statuses:
        where.append(Booking.status.in_(filters.statuses))
    if filters.attendee_email is not None:
        where.append(_attendee_condition(Attendee.email, filters.attendee_email))
    if filters.attendee_name is not None:
        where.append(_attendee_condition(Attendee.name, filters.attendee_name))
    return where + range_conditions(filters.ranges)


def time_status(now: datetime) -> ColumnElement[int]:
    """``TimeStatus`` of a booking row."""
    return case(
        (Booking.rescheduled.is_(True), TimeStatus.rescheduled.value),
        (Booking.status.in_(CANCELLED), TimeStatus.cancelled.value),
        (Booking.end_time < now, TimeStatus.completed.value),
        else_=TimeStatus.scheduled.value,
    )


def _taking_place() -> ColumnElement[bool]:
    """Bookings that happen (or happened): neither cancelled, rejected nor replaced."""
    return and_(Booking.status.not_in(CANCELLED), Booking.rescheduled.is_not(True))


# ---------------------------------------------------------------- tallies


_KEY: ColumnElement[Any] = literal_column("insights_key")
_STATUS: ColumnElement[Any] = literal_column("insights_status")


def _absent_guests() -> Subquery:
    """Absent attendees per booking (from the partial index on absent attendees), to be joined.

    The count is cast to INTEGER: summed as PostgreSQL's BIGINT its aggregate state is a numeric,
    which PostgreSQL sizes so large that it sorts the rows to group them instead of hashing
    (measured on event-trends over a team's year: a 35,000-row sort)."""
    return (
        select(Attendee.booking_id, cast(func.count(), Integer).label("absent"))
        .where(Attendee.absent.is_(True))
        .group_by(Attendee.booking_id)
        .subquery("absent_guests")
    )


Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def _tally_aggregates(absent_host: Column, rating: Column) -> list[ColumnElement[Any]]:
    """What a ``Tally`` counts over a group of rows, after its key and time status."""
    return [
        func.count(),
        func.count(case((absent_host.is_(True), 1))),
        func.coalesce(func.sum(rating), 0),
        func.count(rating),
        func.count(case((rating > 3, 1))),
    ]


def _collect(rows: Sequence[Any]) -> dict[Any, Tally]:
    """Rows of (key, time status, ``_tally_aggregates``…[, no-show guests]) as a ``Tally`` per key."""
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for value, state, number, no_show, rating_sum, rating_count, above_3, *guests in rows:
        entry = counts[value]
        entry[TimeStatus(state).name] += number
        entry["no_show_host"] += no_show
        entry["rating_sum"] += rating_sum
        entry["rating_count"] += rating_count
        entry["ratings_above_3"] += above_3
        if guests:
            entry["no_show_guests"] += int(guests[0])
    return {value: Tally(**entry) for value, entry in counts.items()}


async def tallies(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], key: ColumnElement[Any], now: datetime
) -> dict[Any, Tally]:
    """``Tally`` per value of ``key``: one statement grouping bookings by (key, time status), the
    no-show guests counted in the same pass, their per-booking counts joined to the rows. A second
    statement joining attendees to the bookings read the period's rows twice (PostgreSQL, a team's
    two years: 44 ms of server CPU for the two, 36 for the one)."""
    absent = _absent_guests()
    statement = (
        select(
            key.label("insights_key"),
            time_status(now).label("insights_status"),
            *_tally_aggregates(Booking.absent_host, Booking.rating),
            func.coalesce(func.sum(absent.c.absent), 0),
        )
        .select_from(Booking)
        .outerjoin(absent, absent.c.booking_id == Booking.id)
        .where(*where)
        # Grouped by the output names: PostgreSQL would see the same expression, bound twice, as two.
        .group_by(_KEY, _STATUS)
    )
    return _collect((await session.execute(statement)).all())


def _on_sqlite(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "sqlite"


def _span_counts(now: datetime) -> list[ColumnElement[Any]]:
    """A ``Tally``'s counts over one span's rows, each time status a conditional count: (all,
    rescheduled, cancelled, completed, ``_tally_aggregates``[1:]…, 0 guests). Built once per
    statement and shared by its spans: building them anew for each span cost more than its SQL."""
    replaced = Booking.rescheduled.is_(True)
    kept = Booking.rescheduled.is_not(True)
    return [
        func.count(),
        func.count(case((replaced, 1))),
        func.count(case((and_(kept, Booking.status.in_(CANCELLED)), 1))),
        func.count(case((and_(kept, Booking.status.not_in(CANCELLED), Booking.end_time < now), 1))),
        *_tally_aggregates(Booking.absent_host, Booking.rating)[1:],
        literal(0, Integer),
    ]


# A part of the counted range: (key, first instant, last instant), both inclusive as ``TimeRange``.
Span = tuple[int, datetime, datetime]


def _within(column: Instant, spans: Sequence[Span]) -> list[ColumnElement[bool]]:
    return [column >= spans[0][1], column <= spans[-1][2]]


async def span_tallies(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    column: Instant,
    spans: Sequence[Span],
    key: ColumnElement[int],
    now: datetime,
) -> dict[int, Tally]:
    """``Tally`` per span of ``column``: ``where`` holds the other conditions, the spans follow each
    other, and ``key`` gives a row the key of its span (``period_flag``, ``local_day``).

    PostgreSQL: ``tallies`` keyed by ``key``. SQLite groups by sorting every row (it has no hash
    aggregate), and that sort was a third of the statement over a team's year; there each span is
    one aggregate row of conditional counts, read from its own part of the index (a ``UNION ALL``
    of them), and the no-show guests are one more part, the absent attendees joined to their
    bookings (measured over a team's two years, 70,000 bookings: 72 → 52 ms, and 33 ms with the
    counted columns in the index).
    """
    covered = [*where, *_within(column, spans)]
    if not _on_sqlite(session):
        return await tallies(session, covered, key, now)
    absent_guests = (
        select(key.label("insights_key"), *(literal(0, Integer) for _ in range(8)), func.count())
        .select_from(Attendee)
        .join(Booking, Booking.id == Attendee.booking_id)
        .where(Attendee.absent.is_(True), *covered)
        .group_by(_KEY)
    )
    counts = _span_counts(now)
    parts = [
        select(literal(value, Integer), *counts).where(*where, column >= low, column <= high)
        for value, low, high in spans
    ]
    statement: CompoundSelect[Any] = union_all(*parts, absent_guests)
    found: dict[int, Tally] = {}
    for value, *row in (await session.execute(statement)).all():
        tally = _span_tally(row)
        found[int(value)] = found[int(value)] + tally if int(value) in found else tally
    return found


def _span_tally(row: Sequence[Any]) -> Tally:
    """A ``Tally`` from the values of ``_span_counts``."""
    total, replaced, cancelled, completed, no_show, rating_sum, rating_count, above_3, guests = (
        int(number) for number in row
    )
    return Tally(
        scheduled=total - replaced - cancelled - completed,
        completed=completed,
        cancelled=cancelled,
        rescheduled=replaced,
        no_show_host=no_show,
        no_show_guests=guests,
        rating_sum=rating_sum,
        rating_count=rating_count,
        ratings_above_3=above_3,
    )


async def host_tallies(
    session: AsyncSession, audience: Audience, filters: BookingFilters, now: datetime
) -> dict[int, Tally]:
    """``Tally`` per host, organizers and co-hosts alike; for one host's audience, that host only
    (as the organizer in one part and as a co-host in the other: the audience's id list of the
    host's bookings, read in each part, made one host's year 8 ms slower on PostgreSQL).

    One statement of two parts, each one aggregate row of conditional counts (``_span_counts``) per
    host: the matching bookings grouped by organizer, and joined to ``booking_hosts`` grouped by
    co-host. Grouping by host alone keeps the groups few (PostgreSQL hashes 50 of them); the form
    before, the matching rows materialized once and grouped by (host, time status), cost more on
    both databases (a team's year: PostgreSQL 45–73 against 34–46 ms under ``EXPLAIN ANALYZE``).

    SQLite groups by sorting, and sorting a team year's ~38,000 organizer rows was most of the
    statement. There the organizers are read host by host, every user in id order, from the (host,
    event type, created) index that carries the counted columns: the rows arrive grouped and
    nothing is sorted but the co-hosts' rows, a tenth as many. A user without bookings costs one
    probe per event type. (On PostgreSQL that term would add a join and no gain.)
    """
    host_id = audience.host_id
    counts = _span_counts(now)
    by_organizer = booking_conditions(replace(audience, host_id=None), filters)
    by_co_host = list(by_organizer)
    if _on_sqlite(session):
        by_organizer.append(Booking.user_id.in_(select(User.id)))
    if host_id is not None:
        by_organizer.append(Booking.user_id == host_id)
        by_co_host.append(BookingHost.user_id == host_id)
    organizers = select(Booking.user_id, *counts).where(*by_organizer).group_by(Booking.user_id)
    co_hosts = (
        select(BookingHost.user_id, *counts)
        .join_from(Booking, BookingHost, BookingHost.booking_id == Booking.id)
        .where(*by_co_host)
        .group_by(BookingHost.user_id)
    )
    found: dict[int, Tally] = {}
    for host, *row in (await session.execute(union_all(organizers, co_hosts))).all():
        tally = _span_tally(row)
        found[host] = found[host] + tally if host in found else tally
    return found


def period_flag(column: Instant, current_start: datetime) -> ColumnElement[int]:
    """1 for rows of the current range, 0 for the previous one (which ends before it starts)."""
    return case((column >= current_start, 1), else_=0)


async def duration_by_day(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], day: ColumnElement[int]
) -> dict[int, tuple[int, int]]:
    """(total seconds, meetings) per local day, over bookings that take place."""
    statement = (
        select(day.label("insights_key"), func.coalesce(func.sum(_seconds()), 0), func.count())
        .where(_taking_place(), *where)
        .group_by(_KEY)
    )
    return {value: (int(total), int(number)) for value, total, number in (await session.execute(statement)).all()}


def _seconds() -> ColumnElement[int]:
    return EpochSeconds(Booking.end_time) - EpochSeconds(Booking.start_time)


async def span_durations(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    column: Instant,
    spans: Sequence[Span],
    key: ColumnElement[int],
) -> dict[int, tuple[int, int]]:
    """(total seconds, meetings) per span of ``column``, over bookings that take place: on
    PostgreSQL ``duration_by_day`` keyed by ``key``; on SQLite one aggregate row per span (no sort,
    as ``span_tallies``)."""
    if not _on_sqlite(session):
        return await duration_by_day(session, [*where, *_within(column, spans)], key)
    sums = [func.coalesce(func.sum(_seconds()), 0), func.count()]
    taking_place = _taking_place()
    parts = [
        select(literal(value, Integer), *sums).where(taking_place, *where, column >= low, column <= high)
        for value, low, high in spans
    ]
    statement: CompoundSelect[Any] = union_all(*parts)
    found = {int(value): (int(total), int(number)) for value, total, number in (await session.execute(statement)).all()}
    return {value: counts for value, counts in found.items() if counts[1]}


# ---------------------------------------------------------------- revenue


async def revenue_by_day(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], flag: ColumnElement[int], day: ColumnElement[int]
) -> dict[tuple[int, int, str], Revenue]:
    """``Revenue`` per (``flag``, local day, currency) of the matching bookings' payments that
    succeeded (a refunded payment succeeded first): one statement, the bookings joined to their
    payment by its unique booking index."""
    kept = and_(Payment.success.is_(True), Payment.refunded.is_not(True))
    statement = (
        select(
            flag.label("insights_flag"),
            day.label("insights_key"),
            Payment.currency.label("insights_currency"),
            func.coalesce(func.sum(case((kept, Payment.amount), else_=0)), 0),
            func.coalesce(func.sum(case((Payment.refunded.is_(True), Payment.amount), else_=0)), 0),
            func.count(case((kept, 1))),
        )
        .select_from(Booking)
        .join(Payment, Payment.booking_id == Booking.id)
        .where(Payment.success.is_(True), *where)
        .group_by(literal_column("insights_flag"), _KEY, literal_column("insights_currency"))
    )
    return {
        (int(flag_value), int(day_value), currency): Revenue(int(paid), int(refunded), int(number))
        for flag_value, day_value, currency, paid, refunded, number in (await session.execute(statement)).all()
    }


# ---------------------------------------------------------------- members


async def members(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, Member]:
    rows = await session.execute(
        select(User.id, User.username, User.name, User.email, User.avatar_url).where(User.id.in_(list(user_ids)))
    )
    return {row[0]: Member(*row) for row in rows.all()}


async def accepted_members(session: AsyncSession, team_id: int) -> list[int]:
    statement = select(Membership.user_id).where(Membership.team_id == team_id, Membership.accepted.is_(True))
    return list((await session.scalars(statement)).all())


# ---------------------------------------------------------------- busiest times


async def zones_by_use(session: AsyncSession) -> list[str]:
    """Every time zone a user has, the most common first (the CASE over hosts' zones tries them in
    this order). The users table is small; which users host the counted bookings is not known
    before they are read."""
    statement = select(User.time_zone).group_by(User.time_zone).order_by(func.count().desc(), User.time_zone)
    return list((await session.scalars(statement)).all())


async def start_bounds(session: AsyncSession, audience: Audience) -> tuple[datetime, datetime] | None:
    """First and last start among the audience's bookings, filters aside: a superset that the
    offsets must span, read from the ends of the (event type, start) index per team event type, or
    of the (host, start) index and the host's co-hosted bookings. A min/max over the audience's
    rows instead was a pass over all of a team's bookings (70,000 of 100,000: 25 of 68 ms CPU of
    the route on PostgreSQL)."""
    found: list[tuple[datetime | None, datetime | None]]
    if audience.team_id is not None:
        types = select(EventType.id.label("id")).where(EventType.id.in_(audience.event_type_ids))
        per_type = types.subquery("team_types")

        def end_of(aggregate: Any) -> ColumnElement[datetime]:
            # one scalar read per type and end: each is a single probe of the index's end
            read = select(aggregate(Booking.start_time)).where(Booking.event_type_id == per_type.c.id)
            return read.correlate(per_type).scalar_subquery()

        ends = (
            select(end_of(func.min).label("first"), end_of(func.max).label("last"))
            .select_from(per_type)
            .subquery("type_ends")
        )
        statement = select(func.min(ends.c.first), func.max(ends.c.last))
        first, last = (await session.execute(statement)).one()
        found = [(first, last)]
    elif audience.host_id is not None:
        host = audience.host_id
        co_hosted = (
            select(Booking.start_time)
            .join(BookingHost, BookingHost.booking_id == Booking.id)
            .where(BookingHost.user_id == host)
            .subquery("co_hosted")
        )
        own_and_co_hosted = select(
            select(func.min(Booking.start_time)).where(Booking.user_id == host).scalar_subquery(),
            select(func.max(Booking.start_time)).where(Booking.user_id == host).scalar_subquery(),
            select(func.min(co_hosted.c.start_time)).scalar_subquery(),
            select(func.max(co_hosted.c.start_time)).scalar_subquery(),
        )
        first_own, last_own, first_co, last_co = (await session.execute(own_and_co_hosted)).one()
        found = [(first_own, last_own), (first_co, last_co)]
    else:
        statement = select(func.min(Booking.start_time), func.max(Booking.start_time))
        first, last = (await session.execute(statement)).one()
        found = [(first, last)]
    firsts = [first for first, _ in found if first is not None]
    lasts = [last for _, last in found if last is not None]
    return (min(firsts), max(lasts)) if firsts and lasts else None


async def starts_by_hour_of_week(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    zones: Sequence[tuple[str, Offsets]],
) -> dict[int, int]:
    """Bookings that take place, by the hour of the week (0 = Sunday 00:00) of their start in their
    organizer's zone (an organizer whose zone is not among ``zones`` counts in UTC)."""
    if not zones:
        return {}
    offset = case(
        *((User.time_zone == zone, _offset(Booking.start_time, offsets)) for zone, offsets in zones),
        else_=literal(0, Integer),
    )
    seconds = EpochSeconds(Booking.start_time) + offset + _SHIFT + literal_column(str(_EPOCH_WEEKDAY * DAY), BigInteger)
    hour_of_week = (seconds // 3600) % (7 * 24)
    statement = (
        select(hour_of_week.label("insights_key"), func.count())
        .select_from(Booking)
        .join(User, User.id == Booking.user_id)
        .where(_taking_place(), *where)
        .group_by(_KEY)
    )
    return {int(hour): int(number) for hour, number in (await session.execute(statement)).all()}


# ---------------------------------------------------------------- lead time


def _lead() -> ColumnElement[int]:
    return EpochSeconds(Booking.start_time) - EpochSeconds(Booking.created_at)


def _wanted_ranks(total: int, percents: Sequence[int]) -> list[int]:
    """The first and last rank and the two around each percentile: rank ⌊(total − 1) × percent /
    100⌋ + 1 and the next (interpolation), the integer arithmetic of the service."""
    ranks = {1, total}
    for percent in percents:
        low = (total - 1) * percent // 100 + 1
        ranks.update((low, low + 1))
    return sorted(rank for rank in ranks if rank <= total)


async def lead_time_ranks(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], percents: Sequence[int]
) -> tuple[int, float | None, dict[int, int]]:
    """(count, mean seconds, {rank: seconds}) of start − created over bookings that take place,
    for the first and last rank and the two ranks around each percentile (``_wanted_ranks``).

    PostgreSQL sorts the leads into one array and reads the ranks from it (``lead_time_ranks_sorted``).
    SQLite has no such aggregate, and numbering the leads with a window function there
    materialized them, sorted and numbered all of them and tested each number against every
    wanted rank (a team's year, 30,000 leads: 78–100 ms alone); there the leads are counted and
    listed per hour, and only the hours holding a wanted rank are sorted, in Python
    (``lead_time_ranks_by_hour``: about 30 ms, same data and load).
    """
    if _on_sqlite(session):
        return await lead_time_ranks_by_hour(session, where, percents)
    return await lead_time_ranks_sorted(session, where, percents)


LEAD_BUCKET = 3_600  # seconds: a day's leads are a few rows each, a month's ~720 buckets


async def lead_time_ranks_by_hour(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], percents: Sequence[int], *, width: int = LEAD_BUCKET
) -> tuple[int, float | None, dict[int, int]]:
    """``lead_time_ranks`` in one statement and no window: the leads counted, summed, their least
    and greatest and the list of them per bucket of ``width`` seconds (integer division truncates
    toward zero, so bucket 0 holds −width < lead < width: each bucket is still an interval, in lead
    order); Python finds, from the cumulative counts, the bucket and place of each wanted rank, and
    sorts the leads of those few buckets only. A second pass reading the wanted buckets' leads
    again, in order, cost more than listing every bucket's (a team's year, 30,000 leads: 17–29 ms
    against 5)."""
    leads = select(_lead().label("lead")).where(_taking_place(), *where)
    if _on_sqlite(session):
        # A subquery with a LIMIT is not merged into the aggregate above it: each lead is computed
        # once, where merged its two timestamp parses ran for the key and each aggregate (a team's
        # year, the statement alone: 25 against 37–58 ms).
        leads = leads.limit(-1)
    led = leads.subquery("leads")
    counted = select(
        (led.c.lead // width).label("insights_key"),
        func.count(),
        func.sum(led.c.lead),
        func.min(led.c.lead),
        func.max(led.c.lead),
        JoinedText(cast(led.c.lead, String)),
    ).group_by(_KEY)
    buckets = sorted((await session.execute(counted)).all(), key=lambda row: int(row[0]))
    if not buckets:
        return 0, None, {}
    total = sum(int(row[1]) for row in buckets)
    lead_sum = sum(int(row[2]) for row in buckets)
    by_rank: dict[int, int] = {}
    before = 0  # leads in the buckets below
    ranks = iter(_wanted_ranks(total, percents))
    rank = next(ranks, None)
    for _, number, _, least, greatest, listed in buckets:
        in_order: list[int] | None = None
        while rank is not None and rank <= before + number:
            place = rank - before - 1
            if place == 0:
                by_rank[rank] = int(least)
            elif place == number - 1:
                by_rank[rank] = int(greatest)
            else:
                in_order = in_order or sorted(int(lead) for lead in listed.split(JOINED_BY))
                by_rank[rank] = in_order[place]
            rank = next(ranks, None)
        before += number
    return total, lead_sum / total, by_rank


async def lead_time_ranks_sorted(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], percents: Sequence[int]
) -> tuple[int, float | None, dict[int, int]]:
    """``lead_time_ranks`` on PostgreSQL: the leads gathered into one array in lead order, counted
    and summed by the same aggregate pass, and each wanted rank read from the array by subscript.
    One sort and no window: numbering every lead with ``row_number()`` and testing each number
    against every wanted rank took 74–97 ms over a team's year (30,000 leads, ``EXPLAIN ANALYZE``)
    against 41–55 ms for this."""
    leads = select(_lead().label("lead")).where(_taking_place(), *where).subquery("leads")
    gathered = select(
        func.array_agg(aggregate_order_by(leads.c.lead, leads.c.lead)).label("in_order"),
        func.count().label("total"),
        func.sum(leads.c.lead).label("lead_sum"),
    ).subquery("gathered")
    total = gathered.c.total
    # rank ⌊(total − 1) × percent / 100⌋ + 1 and the next (interpolation): integer arithmetic, so
    # that Python finds the same ranks for what comes back
    ranks: list[ColumnElement[int]] = [literal(1, Integer), total]
    for percent in percents:
        low = (total - 1) * percent // 100 + 1
        ranks += [low, low + 1]
    statement = select(total, gathered.c.lead_sum, *(gathered.c.in_order[rank] for rank in ranks))
    found_total, lead_sum, *values = (await session.execute(statement)).one()
    if not found_total:
        return 0, None, {}
    count = int(found_total)
    wanted = [1, count]
    for percent in percents:
        first = (count - 1) * percent // 100 + 1
        wanted += [first, first + 1]
    return (
        count,
        int(lead_sum) / count,
        {rank: int(value) for rank, value in zip(wanted, values, strict=True) if rank <= count},
    )


# ---------------------------------------------------------------- export


def export_statement(where: Sequence[ColumnElement[bool]], now: datetime) -> Select[*tuple[Any, ...]]:
    attendees = (
        select(JoinedText(Attendee.name + " <" + Attendee.email + ">"))
        .where(Attendee.booking_id == Booking.id)
        .scalar_subquery()
    )
    no_show_guests = (
        select(func.count()).where(Attendee.booking_id == Booking.id, Attendee.absent.is_(True)).scalar_subquery()
    )
    return (
        select(
            Booking.id,
            Booking.uid,
            Booking.title,
            Booking.status,
            time_status(now),
            Booking.event_type_id,
            Booking.user_id,
            User.email,
            User.username,
            Booking.start_time,
            Booking.end_time,
            Booking.created_at,
            Booking.absent_host,
            no_show_guests,
            attendees,
            Booking.rating,
        )
        .select_from(Booking)
        .outerjoin(User, User.id == Booking.user_id)
        .where(*where)
        .order_by(Booking.start_time, Booking.id)
    )


async def export_rows(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], now: datetime, *, batch: int = 1_000
) -> AsyncIterator[list[ExportRow]]:
    """The matching bookings in start order, ``batch`` rows at a time, from one streamed statement."""
    result = await session.stream(export_statement(where, now).execution_options(yield_per=batch))
    async for rows in result.partitions(batch):
        yield [
            ExportRow(
                id=row[0],
                uid=row[1],
                title=row[2],
                status=row[3],
                time_status=TimeStatus(row[4]),
                event_type_id=row[5],
                host_id=row[6],
                host_email=row[7],
                host_username=row[8],
                start_time=row[9],
                end_time=row[10],
                created_at=row[11],
                no_show_host=bool(row[12]),
                no_show_guests=int(row[13]),
                attendees=row[14],
                rating=row[15],
            )
            for row in rows
        ]
