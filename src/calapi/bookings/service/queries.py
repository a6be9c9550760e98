"""Reading bookings: one by uid (or a recurring series) or by id, and lists with filters.

A list is paginated in SQL: one COUNT and one page query, whatever the page size; the details of
the page's bookings are then loaded by ``details.load_results`` in a fixed number of statements.
Filters and their meaning follow Cal.com's ``GET /v2/bookings`` (contract §2.6.4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.commands import BookingListQuery, ScopedListQuery, SortKey, StatusFilter
from calapi.bookings.models import Attendee, Booking, BookingStatus
from calapi.bookings.results import BookingOrSeries, BookingPage, BookingResult, SeriesOccurrence
from calapi.bookings.service import details
from calapi.core.auth import Principal
from calapi.core.errors import NotFound
from calapi.event_types import team_service

_CANCELLED = (BookingStatus.cancelled.value, BookingStatus.rejected.value)

_SORT_COLUMNS = {
    SortKey.start: Booking.start_time,
    SortKey.end: Booking.end_time,
    SortKey.created: Booking.created_at,
    SortKey.updated: Booking.updated_at,
}


# ---------------------------------------------------------------- one booking


async def find_booking_or_series(
    session: AsyncSession, uid: str, *, populate_existing: bool = False
) -> Booking | list[Booking] | None:
    """A booking by uid, else the occurrences of the recurring series with that uid (by start).

    One statement: both columns are indexed, and an exact booking uid wins over a series uid.
    ``populate_existing`` re-reads rows the session already holds (after waiting for a lock).
    """
    statement = (
        select(Booking)
        .where(or_(Booking.uid == uid, Booking.recurring_event_id == uid))
        .order_by(Booking.start_time, Booking.id)
    )
    if populate_existing:
        statement = statement.execution_options(populate_existing=True)
    rows = list((await session.scalars(statement)).all())
    for row in rows:
        if row.uid == uid:
            return row
    return rows or None


async def get_booking_or_series(session: AsyncSession, uid: str) -> Booking | list[Booking]:
    """``GET /v2/bookings/{uid}``: anyone who knows the uid may read it (Cal.com's rule)."""
    found = await find_booking_or_series(session, uid)
    if found is None:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return found


async def read_booking(session: AsyncSession, uid: str) -> BookingOrSeries:
    """``GET /v2/bookings/{uid}``: the booking, or every occurrence of the series ``uid`` names."""
    return await details.load_found(session, uid, await get_booking_or_series(session, uid))


async def booking_by_uid(session: AsyncSession, uid: str, *, populate_existing: bool = False) -> Booking | None:
    """The one booking with this uid (a recurring series' uid finds nothing here)."""
    statement = select(Booking).where(Booking.uid == uid)
    if populate_existing:
        statement = statement.execution_options(populate_existing=True)
    return await session.scalar(statement)


async def successor_uid(session: AsyncSession, uid: str) -> str | None:
    """The latest booking the booking ``uid`` was rescheduled to."""
    return await session.scalar(
        select(Booking.uid).where(Booking.from_reschedule == uid).order_by(Booking.id.desc()).limit(1)
    )


async def find_by_uid(session: AsyncSession, uid: str) -> BookingResult | None:
    """``booking_by_uid`` with its details."""
    booking = await booking_by_uid(session, uid)
    return None if booking is None else await details.load_result(session, booking)


# ---------------------------------------------------------------- the list


def _status_condition(status: StatusFilter, now: datetime) -> ColumnElement[bool]:
    not_cancelled = Booking.status.not_in(_CANCELLED)
    in_series = Booking.recurring_event_id.is_not(None)
    if status is StatusFilter.upcoming:
        return and_(
            Booking.end_time >= now,
            or_(
                and_(in_series, Booking.status == BookingStatus.accepted.value),
                and_(Booking.recurring_event_id.is_(None), not_cancelled),
            ),
        )
    if status is StatusFilter.recurring:
        return and_(Booking.end_time >= now, in_series, not_cancelled)
    if status is StatusFilter.past:
        return and_(Booking.end_time <= now, not_cancelled)
    if status is StatusFilter.cancelled:
        return Booking.status.in_(_CANCELLED)
    return and_(Booking.end_time >= now, Booking.status == BookingStatus.pending.value)


def _scope(viewer_user_id: int, viewer_email: str | None) -> ColumnElement[bool]:
    """Bookings the caller organises, or attends by email (a seat is an attendee row too).

    ``viewer_email`` is the caller's proven address (``users.email``); an address the caller asked
    for but has not proven (``users.pending_email``) must never reach here.
    """
    mine = Booking.user_id == viewer_user_id
    if not viewer_email:
        return mine
    attending = select(Attendee.booking_id).where(Attendee.email == viewer_email)
    return or_(mine, Booking.id.in_(attending))


def _conditions(
    query: BookingListQuery, viewer_user_id: int, viewer_email: str | None, now: datetime
) -> list[ColumnElement[bool]]:
    scope = _scope(viewer_user_id, viewer_email)
    if query.team_ids:
        # A team's ADMIN/OWNER sees every booking of the team's event types; others only their own.
        scope = or_(
            scope,
            Booking.event_type_id.in_(team_service.team_event_type_ids(query.team_ids, administered_by=viewer_user_id)),
        )
    where = [scope]
    if query.statuses:
        where.append(or_(*(_status_condition(s, now) for s in query.statuses)))
    if query.attendee_email is not None:
        where.append(Booking.id.in_(select(Attendee.booking_id).where(Attendee.email == query.attendee_email)))
    if query.attendee_name is not None:
        where.append(Booking.id.in_(select(Attendee.booking_id).where(Attendee.name == query.attendee_name)))
    if query.booking_uid is not None:
        where.append(Booking.uid == query.booking_uid)
    if query.event_type_ids:
        where.append(Booking.event_type_id.in_(query.event_type_ids))
    if query.team_ids:
        where.append(Booking.event_type_id.in_(team_service.team_event_type_ids(query.team_ids)))
    for column, op, value in (
        (Booking.start_time, ">=", query.after_start),
        (Booking.end_time, "<=", query.before_end),
        (Booking.created_at, ">=", query.after_created_at),
        (Booking.created_at, "<=", query.before_created_at),
        (Booking.updated_at, ">=", query.after_updated_at),
        (Booking.updated_at, "<=", query.before_updated_at),
    ):
        if value is not None:
            where.append(column >= value if op == ">=" else column <= value)
    return where


def _order(query: BookingListQuery) -> list[Any]:
    if query.sort is not None:
        key, descending = query.sort
    else:
        key = SortKey.start
        # One status and no sort: the past and the cancelled read newest first (Cal.com's rule).
        descending = len(query.statuses) == 1 and query.statuses[0] in (StatusFilter.past, StatusFilter.cancelled)
    return _ordered_by(key, descending)


def _ordered_by(key: SortKey, descending: bool) -> list[Any]:
    column = _SORT_COLUMNS[key]
    # The id breaks ties so that pages never overlap or skip a row.
    return [column.desc(), Booking.id.desc()] if descending else [column.asc(), Booking.id.asc()]


def caller_email(caller: Principal | None) -> str | None:
    """The caller's proven address (``users.email``, read with the key): never one not confirmed yet."""
    profile = caller.profile if caller is not None else None
    return getattr(profile, "email", None)


async def list_bookings(
    session: AsyncSession, query: BookingListQuery, *, caller: Principal, now: datetime
) -> BookingPage:
    """The caller's bookings matching ``query``: a COUNT, the page's ids, the page's rows (three
    statements), then the page's details (``details.load_results``)."""
    where = _conditions(query, caller.user_id, caller_email(caller), now)
    total = int(await session.scalar(select(func.count()).select_from(Booking).where(*where)) or 0)
    bookings: list[Booking] = []
    if total > query.skip:
        # Sort and cut on the narrow (sort key, id) columns first, then load the page's full rows by
        # primary key: sorting thousands of whole rows (JSON answers included) costs several times more.
        page = select(Booking.id).where(*where).order_by(*_order(query)).offset(query.skip).limit(query.take)
        bookings = await _rows_in_order(session, list((await session.scalars(page)).all()))
    results = await details.load_results(session, bookings)
    return BookingPage(tuple(results), total=total, take=query.take, skip=query.skip)


async def _rows_in_order(session: AsyncSession, ids: list[int]) -> list[Booking]:
    if not ids:
        return []
    by_id = {b.id: b for b in (await session.scalars(select(Booking).where(Booking.id.in_(ids)))).all()}
    return [by_id[i] for i in ids]


async def series_of_organizer(session: AsyncSession, organizer_id: int) -> list[SeriesOccurrence]:
    """Every occurrence of every recurring series the user organizes, by start (one statement)."""
    rows = await session.execute(
        select(Booking.recurring_event_id, Booking.status, Booking.start_time)
        .where(Booking.user_id == organizer_id, Booking.recurring_event_id.is_not(None))
        .order_by(Booking.start_time)
    )
    return [SeriesOccurrence(series_uid, status, start) for series_uid, status, start in rows if series_uid is not None]


# ---------------------------------------------------------------- by numeric id, and API v1's list


async def booking_by_id(session: AsyncSession, booking_id: int) -> Booking | None:
    """The booking with this numeric id (API v1 addresses bookings by id)."""
    return await session.get(Booking, booking_id)


async def list_bookings_in_scope(session: AsyncSession, query: ScopedListQuery) -> list[BookingResult]:
    """Bookings by organizer (and attendance), filtered and ordered in SQL (one statement for ids, one
    for rows), with their details."""
    where: list[ColumnElement[bool]] = []
    if query.organizer_ids is not None:
        scope: ColumnElement[bool] = Booking.user_id.in_(query.organizer_ids)
        if query.attended_by_emails:
            attended = select(Attendee.booking_id).where(
                func.lower(Attendee.email).in_([e.lower() for e in query.attended_by_emails])
            )
            scope = or_(scope, Booking.id.in_(attended))
        where.append(scope)
    if query.attendee_emails:
        wanted = [e.lower() for e in query.attendee_emails]
        where.append(Booking.id.in_(select(Attendee.booking_id).where(func.lower(Attendee.email).in_(wanted))))
    if query.after_start is not None:
        where.append(Booking.start_time >= query.after_start)
    if query.before_end is not None:
        where.append(Booking.end_time <= query.before_end)
    order = _ordered_by(*query.sort) if query.sort is not None else [Booking.id.asc()]
    if query.take is None:  # the whole list: one statement
        rows = list((await session.scalars(select(Booking).where(*where).order_by(*order).offset(query.skip))).all())
    else:
        statement = select(Booking.id).where(*where).order_by(*order).offset(query.skip).limit(query.take)
        rows = await _rows_in_order(session, list((await session.scalars(statement)).all()))
    return await details.load_results(session, rows)
