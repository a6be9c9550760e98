"""Insights over bookings: one function per question, typed query in, results out.

Each resolves whose bookings the caller may count (``access.audience_for``), then asks the
database (``queries``) a fixed number of statements; Python only arranges what comes back (days
into buckets, hosts into rankings), never loops over bookings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calapi.core.auth import Principal
from calapi.core.errors import BadRequest
from calapi.core.timezones import is_time_zone
from calapi.insights import localtime, queries
from calapi.insights.access import audience_for
from calapi.insights.query import Audience, InsightsQuery, TimeRange
from calapi.insights.results import (
    BusiestTimes,
    CurrencyRevenue,
    DurationPoint,
    ExportRow,
    KpiStats,
    LeadTime,
    Member,
    MemberCount,
    MemberStats,
    Metric,
    Revenue,
    RevenuePoint,
    RevenueStats,
    Tally,
    TrendPoint,
    percent_change,
)

PERIOD_REQUIRED = (
    "columnFilters must hold a date range (id startTime or createdAt, type dr) with a startDate and an "
    "endDate: the numbers are for that period"
)
_MICROSECOND = timedelta(microseconds=1)  # the finest step of a stored instant: spans end just before the next
# A day view (up to 31 buckets) keeps the grouped statement: building a part per day cost more
# than sorting a month's rows (a team's 30 days on SQLite, average-duration: 14 → 23 ms of CPU).
# Weeks of a quarter, months of a year and years are at most 14 parts.
_MOST_SPANS = 14
RANKED = 10  # members per ranking, as Cal.com
PERCENTILES = (50, 75, 90, 95, 99)


async def begin_read(session: AsyncSession) -> None:
    """Start the session's transaction as a reader: on SQLite a POST otherwise takes the write lock
    (``db._tune_sqlite``), and insights only read.

    On PostgreSQL, the transaction's statements are planned for their own values. asyncpg prepares
    every statement, and after five runs PostgreSQL may switch a prepared statement to a generic
    plan, which must guess how many rows a date range holds: it guessed 377 for a team's year of
    35,000 and, for event-trends, hashed the bookings side of the join and sorted them to group
    them. Planning anew costs about a millisecond; measured on a team's year, server CPU per
    statement fell by about a fifth on kpi-stats and event-trends."""
    if session.bind is None:
        return
    dialect = session.bind.dialect.name
    if dialect == "sqlite" and not session.in_transaction():
        await session.connection(execution_options={"sqlite_read_only": True})
    elif dialect == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _period(query: InsightsQuery) -> TimeRange:
    period = query.filters.period
    if period is None or period.start is None or period.end is None:
        raise BadRequest(PERIOD_REQUIRED)
    return period


def _metric(current: float, previous: float) -> Metric:
    return Metric(count=current, delta_previous=percent_change(current, previous))


# ---------------------------------------------------------------- Cal.com's four


async def kpi_stats(session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime) -> KpiStats:
    """Counts by status over the period, each against the range of equal length just before it."""
    period = _period(query)
    assert period.start is not None and period.end is not None
    audience = await audience_for(session, principal, query)
    previous_start, previous_end = localtime.previous_range(period.start, period.end, query.time_zone)
    column = queries.INSTANTS[period.column]
    flag = queries.period_flag(column, period.start)
    if _read_by_range(audience):
        spans = [(0, previous_start, period.start - _MICROSECOND), (1, period.start, period.end)]
        found = await queries.span_tallies(session, _outside_period(audience, query), column, spans, flag, now)
    else:
        both = query.filters.with_period(TimeRange(period.column, previous_start, period.end))
        found = await queries.tallies(session, queries.booking_conditions(audience, both), flag, now)
    current, previous = found.get(1, Tally()), found.get(0, Tally())
    return KpiStats(
        empty=current.created == 0,
        created=_metric(current.created, previous.created),
        scheduled=_metric(current.scheduled, previous.scheduled),
        completed=_metric(current.completed, previous.completed),
        rescheduled=_metric(current.rescheduled, previous.rescheduled),
        cancelled=_metric(current.cancelled, previous.cancelled),
        no_show_host=_metric(current.no_show_host, previous.no_show_host),
        no_show_guests=_metric(current.no_show_guests, previous.no_show_guests),
        rating=_metric(current.average_rating, previous.average_rating),
        csat=_metric(round(current.csat, 2), round(previous.csat, 2)),
        previous_first_day=localtime.local_date(previous_start, query.time_zone),
        previous_last_day=localtime.local_date(previous_end, query.time_zone),
    )


def _buckets(query: InsightsQuery, period: TimeRange, now: datetime) -> list[localtime.Bucket]:
    assert period.start is not None and period.end is not None
    zone = query.time_zone
    first, last = localtime.local_date(period.start, zone), localtime.local_date(period.end, zone)
    return localtime.buckets(
        first,
        last,
        localtime.time_view(first, last),
        week_start=query.week_start,
        today=localtime.local_date(now, zone),
    )


def _local_day(query: InsightsQuery, period: TimeRange) -> ColumnElement[int]:
    assert period.start is not None and period.end is not None
    offsets = localtime.utc_offsets(query.time_zone, period.start, period.end)
    return queries.local_day(queries.INSTANTS[period.column], offsets)


def _outside_period(audience: Audience, query: InsightsQuery) -> list[ColumnElement[bool]]:
    """The conditions of every statement but the period's range (given as spans instead)."""
    period = _period(query)
    return queries.booking_conditions(audience, query.filters.with_period(TimeRange(period.column)))


def _read_by_range(audience: Audience) -> bool:
    """Whether the statements read the audience's bookings by a range of the period's column (a
    team's event types), so that a span of the period reads only its own part; a host's bookings
    are read by id (``queries.hosted_by``), all of them again for each span."""
    return audience.host_id is None


def _bucket_spans(
    audience: Audience, query: InsightsQuery, period: TimeRange, bucket_list: list[localtime.Bucket]
) -> list[queries.Span] | None:
    """Each bucket as the span of instants from its first local midnight to the next bucket's, cut
    to the period, keyed by its first day's number (``bucket_of`` finds it); None where a local
    day is not one span of instants (``localtime.day_starts``) or spans do not pay (``_read_by_range``,
    ``_MOST_SPANS``)."""
    assert period.start is not None and period.end is not None
    if not _read_by_range(audience) or len(bucket_list) > _MOST_SPANS:
        return None
    offsets = localtime.utc_offsets(query.time_zone, period.start, period.end)
    days = [bucket.first for bucket in bucket_list] + [bucket_list[-1].last + timedelta(days=1)]
    starts = localtime.day_starts(query.time_zone, days, offsets)
    if starts is None:
        return None
    return [
        (localtime.day_number(bucket.first), max(start, period.start), min(following - _MICROSECOND, period.end))
        for bucket, start, following in zip(bucket_list, starts, starts[1:], strict=False)
    ]


async def event_trends(
    session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime
) -> list[TrendPoint]:
    """Counts by status per local day, week, month or year of the period's column (in ``timeZone``)."""
    period = _period(query)
    audience = await audience_for(session, principal, query)
    bucket_list = _buckets(query, period, now)
    spans = _bucket_spans(audience, query, period, bucket_list)
    column = queries.INSTANTS[period.column]
    if spans is None:
        where = queries.booking_conditions(audience, query.filters)
        by_day = await queries.tallies(session, where, _local_day(query, period), now)
    else:
        outside = _outside_period(audience, query)
        by_day = await queries.span_tallies(session, outside, column, spans, _local_day(query, period), now)
    totals = [Tally() for _ in bucket_list]
    firsts, last = localtime.bucket_index(bucket_list)
    for day, tally in by_day.items():
        index = localtime.bucket_of(day, firsts, last)
        if index is not None:
            totals[index] = totals[index] + tally
    return [TrendPoint(bucket, tally) for bucket, tally in zip(bucket_list, totals, strict=True)]


async def average_duration(
    session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime
) -> list[DurationPoint]:
    """Mean length (minutes) of the meetings that take place, per local day, week, month or year."""
    period = _period(query)
    audience = await audience_for(session, principal, query)
    bucket_list = _buckets(query, period, now)
    spans = _bucket_spans(audience, query, period, bucket_list)
    column = queries.INSTANTS[period.column]
    if spans is None:
        where = queries.booking_conditions(audience, query.filters)
        by_day = await queries.duration_by_day(session, where, _local_day(query, period))
    else:
        outside = _outside_period(audience, query)
        by_day = await queries.span_durations(session, outside, column, spans, _local_day(query, period))
    seconds, meetings = [0] * len(bucket_list), [0] * len(bucket_list)
    firsts, last = localtime.bucket_index(bucket_list)
    for day, (total, number) in by_day.items():
        index = localtime.bucket_of(day, firsts, last)
        if index is not None:
            seconds[index] += total
            meetings[index] += number
    return [
        DurationPoint(bucket, round(seconds[i] / meetings[i] / 60, 1) if meetings[i] else 0.0)
        for i, bucket in enumerate(bucket_list)
    ]


def _ranked(
    counts: dict[int, float], people: dict[int, Member], *, highest: bool, keep: Callable[[float], bool]
) -> tuple[MemberCount, ...]:
    chosen = [(count, user) for user, count in counts.items() if user in people and keep(count)]
    chosen.sort(key=lambda item: (-item[0] if highest else item[0], item[1]))
    return tuple(MemberCount(people[user], count) for count, user in chosen[:RANKED])


async def member_stats(session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime) -> MemberStats:
    """The most and least booked hosts, the most cancelled, completed, no-shows and ratings.

    Hosts are the bookings' organizers and co-hosts; in a team's scope every accepted member is
    ranked, so that members without bookings show as the least booked.
    """
    audience = await audience_for(session, principal, query)
    tallies = await queries.host_tallies(session, audience, query.filters, now)
    hosts = set(tallies)
    if audience.host_id is not None:
        hosts.add(audience.host_id)
    elif audience.team_id is not None:
        hosts.update(await queries.accepted_members(session, audience.team_id))
    people = await queries.members(session, sorted(hosts))
    counted = {host: tallies.get(host, Tally()) for host in hosts}

    def by(measure: Callable[[Tally], float]) -> dict[int, float]:
        return {host: measure(tally) for host, tally in counted.items()}

    rated = {host: round(t.rating_sum / t.rating_count, 2) for host, t in counted.items() if t.rating_count}

    def positive(count: float) -> bool:
        return count > 0

    def anything(count: float) -> bool:
        return True

    created = by(lambda t: t.created)
    completed = by(lambda t: t.completed)
    return MemberStats(
        most_bookings=_ranked(created, people, highest=True, keep=positive),
        least_bookings=_ranked(created, people, highest=False, keep=anything),
        most_cancelled=_ranked(by(lambda t: t.cancelled), people, highest=True, keep=positive),
        most_completed=_ranked(completed, people, highest=True, keep=positive),
        least_completed=_ranked(completed, people, highest=False, keep=anything),
        most_no_show=_ranked(by(lambda t: t.no_show_host), people, highest=True, keep=positive),
        highest_ratings=_ranked(rated, people, highest=True, keep=anything),
        lowest_ratings=_ranked(rated, people, highest=False, keep=anything),
    )


# ---------------------------------------------------------------- beyond Cal.com


async def busiest_times(
    session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime
) -> BusiestTimes:
    """Meetings that take place by weekday and hour of their start, each in its host's own zone."""
    audience = await audience_for(session, principal, query)
    where = queries.booking_conditions(audience, query.filters)
    bounds = await queries.start_bounds(session, audience)
    zones = []
    if bounds is not None:
        zones = [
            (zone, localtime.utc_offsets(zone, *bounds))
            for zone in await queries.zones_by_use(session)
            if is_time_zone(zone)
        ]
    by_hour_of_week = await queries.starts_by_hour_of_week(session, where, zones)
    grid = [[0] * 24 for _ in range(7)]
    for hour_of_week, count in by_hour_of_week.items():
        grid[hour_of_week // 24][hour_of_week % 24] += count
    return BusiestTimes(
        by_weekday=tuple(sum(row) for row in grid),
        by_hour=tuple(sum(grid[day][hour] for day in range(7)) for hour in range(24)),
        by_weekday_hour=tuple(tuple(row) for row in grid),
    )


async def lead_time(session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime) -> LeadTime:
    """How long before the meeting it was booked (start − created), as percentiles, over meetings
    that take place."""
    audience = await audience_for(session, principal, query)
    where = queries.booking_conditions(audience, query.filters)
    count, mean, by_rank = await queries.lead_time_ranks(session, where, PERCENTILES)
    if count == 0 or mean is None:
        return LeadTime(0, None, None, None, tuple((percent, None) for percent in PERCENTILES))

    def minutes(seconds: float) -> float:
        return round(seconds / 60, 2)

    percentiles: list[tuple[int, float | None]] = []
    for percent in PERCENTILES:
        low_rank = (count - 1) * percent // 100 + 1  # the same integer arithmetic as the SQL
        fraction = ((count - 1) * percent % 100) / 100
        low = by_rank[low_rank]
        high = by_rank.get(low_rank + 1, low)
        percentiles.append((percent, minutes(low + (high - low) * fraction)))
    return LeadTime(count, minutes(mean), minutes(by_rank[1]), minutes(by_rank[count]), tuple(percentiles))


async def revenue(session: AsyncSession, principal: Principal, query: InsightsQuery, now: datetime) -> RevenueStats:
    """Money per currency over the period and the range of equal length before it, and the period
    per local day, week, month or year: one statement grouped by (range, local day, currency)."""
    period = _period(query)
    assert period.start is not None and period.end is not None
    audience = await audience_for(session, principal, query)
    previous_start, previous_end = localtime.previous_range(period.start, period.end, query.time_zone)
    column = queries.INSTANTS[period.column]
    both = query.filters.with_period(TimeRange(period.column, previous_start, period.end))
    offsets = localtime.utc_offsets(query.time_zone, previous_start, period.end)
    found = await queries.revenue_by_day(
        session,
        queries.booking_conditions(audience, both),
        queries.period_flag(column, period.start),
        queries.local_day(column, offsets),
    )
    currencies = sorted({currency for _, _, currency in found})
    totals = {(flag, currency): Revenue() for flag in (0, 1) for currency in currencies}
    bucket_list = _buckets(query, period, now)
    by_bucket = [{currency: Revenue() for currency in currencies} for _ in bucket_list]
    firsts, last = localtime.bucket_index(bucket_list)
    for (flag, day, currency), money in found.items():
        totals[flag, currency] = totals[flag, currency] + money
        index = localtime.bucket_of(day, firsts, last) if flag == 1 else None
        if index is not None:
            by_bucket[index][currency] = by_bucket[index][currency] + money
    return RevenueStats(
        currencies=tuple(CurrencyRevenue(c, totals[1, c], totals[0, c]) for c in currencies),
        previous_first_day=localtime.local_date(previous_start, query.time_zone),
        previous_last_day=localtime.local_date(previous_end, query.time_zone),
        series=tuple(
            RevenuePoint(bucket, tuple(money.items())) for bucket, money in zip(bucket_list, by_bucket, strict=True)
        ),
    )


async def _export_batches(
    sessionmaker: async_sessionmaker[AsyncSession], where: list[ColumnElement[bool]], now: datetime
) -> AsyncIterator[list[ExportRow]]:
    # The answer streams after the request's session has closed: the rows come from a reading
    # session of their own, one statement, so the export is one consistent read.
    async with sessionmaker() as session:
        await begin_read(session)
        async for batch in queries.export_rows(session, where, now):
            yield batch


async def export(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    query: InsightsQuery,
    now: datetime,
) -> AsyncIterator[list[ExportRow]]:
    """The filtered bookings, in start order, in batches: the caller's access is checked now (with
    the request's session), the rows are read while the answer streams."""
    audience = await audience_for(session, principal, query)
    return _export_batches(sessionmaker, queries.booking_conditions(audience, query.filters), now)
