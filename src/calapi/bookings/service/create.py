"""Creating bookings: regular, recurring, seated, needing confirmation, personal and team.

The booking transaction (architecture invariant 1):

    begin_write → load the event type (PostgreSQL: taking a personal event type's host lock in the
    same statement) → lock_hosts(organizer, or every host of a team event, unless taken) →
    load the engine's inputs with the same loader as GET /v2/slots → check_booking → (team) pick
    the organizer and co-hosts → insert booking + attendees (+ seats, + co-host rows) + outbox
    events (a paid event type: its payment instead, through the payment hook) → flush

The caller's session commits (SessionDep), which releases the PostgreSQL advisory lock; on SQLite
the write lock taken at BEGIN IMMEDIATE serialises the whole sequence. So of N simultaneous
requests for one slot exactly one finds it free; the others see its booking and get 409.

The rows just inserted are the result: nothing is read back (a hot path).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import changes, holds
from calapi.bookings import events
from calapi.bookings.commands import NewBooking
from calapi.bookings.models import Attendee, Booking, BookingSeat, BookingStatus
from calapi.bookings.results import BookingResult, CreatedBookings, EventTypeRef, OrganizerRef, TeamRef
from calapi.bookings.service import checks, details, payments, queries, refusals, team
from calapi.bookings.service.hosts import load_booking_hosts
from calapi.bookings.service.locations import resolve_location
from calapi.bookings.service.locks import host_lock, is_postgres, lock_hosts, lock_seat_slot
from calapi.bookings.service.recurrence import MAX_OCCURRENCES, occurrence_starts
from calapi.core.errors import BadRequest, NotFound
from calapi.core.limits import InputLimits
from calapi.db import begin_write, core_connection, utcnow
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.event_types.service import SlotEventType
from calapi.jobs.outbox import record_events
from calapi.scheduling import BookingCheck
from calapi.teams.models import Team
from calapi.users.models import User

NO_EVENT_TYPE = "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided"
RECURRENCE_TOO_HIGH = "Provided recurrence count is higher than the event type's recurring event count."


def new_booking_uid() -> str:
    return secrets.token_urlsafe(16)


def booking_title(event_title: str | None, organizer: User, attendee_name: str) -> str:
    """``<event type title> between <organizer> and <booker>``; the organizer changes it when the booking moves."""
    return f"{event_title} between {organizer.name or organizer.username or 'unknown'} and {attendee_name}"


# --- the event type ----------------------------------------------------------------------------------


# Built once: the booking hot path's first read. Whether the event type has custom inputs rides
# along: most have none, and their read is then skipped.
_HAS_CUSTOM_INPUTS = exists().where(EventTypeCustomInput.event_type_id == EventType.id).label("has_custom_inputs")
_EVENT_TYPE_OWNER_TEAM = (
    select(EventType, User, Team, _HAS_CUSTOM_INPUTS)
    .outerjoin(User, User.id == EventType.owner_id)
    .outerjoin(Team, Team.id == EventType.team_id)
    .where(EventType.id == bindparam("event_type_id"))
)


# PostgreSQL: with the owner's host lock taken as the row is read (``lock_hosts`` for a personal
# event type, without a round trip of its own; a team event type has no owner: NULL, no lock).
_EVENT_TYPE_OWNER_TEAM_LOCKED = _EVENT_TYPE_OWNER_TEAM.add_columns(host_lock(EventType.owner_id))


async def _find_event_type(
    session: AsyncSession, new: NewBooking
) -> tuple[EventType, User | None, Team | None, bool, bool | None]:
    """The event type, its owner (None for a team event type), its team (None for a personal one),
    whether the owner's host lock is held already and whether it has custom inputs (None: not
    read), in one statement."""
    if new.event_type_id is not None:
        locking = is_postgres(session)
        statement = _EVENT_TYPE_OWNER_TEAM_LOCKED if locking else _EVENT_TYPE_OWNER_TEAM
        row = (await session.execute(statement, {"event_type_id": new.event_type_id})).first()
        if row is None or (row[1] is None and row[0].team_id is None):
            raise NotFound(f"Event type with id {new.event_type_id} not found.")
        return row[0], row[1], row[2], locking and row[1] is not None, bool(row[3])
    if new.team_slug is not None:
        if new.event_type_slug is None:
            raise BadRequest(NO_EVENT_TYPE)
        found = (
            await session.execute(
                select(Team, EventType)
                .outerjoin(EventType, (EventType.team_id == Team.id) & (EventType.slug == new.event_type_slug))
                .where(Team.slug == new.team_slug)
            )
        ).first()
        if found is None:
            raise NotFound(f"Team with slug {new.team_slug} not found")
        if found[1] is None:
            raise NotFound(f"Event type with slug {new.event_type_slug} belonging to team {new.team_slug} not found.")
        return found[1], None, found[0], False, None
    if new.event_type_slug is None or new.username is None:
        raise BadRequest(NO_EVENT_TYPE)
    by_username = (
        await session.execute(
            select(User, EventType, Team)
            .outerjoin(EventType, (EventType.owner_id == User.id) & (EventType.slug == new.event_type_slug))
            .outerjoin(Team, Team.id == EventType.team_id)
            .where(User.username == new.username)
        )
    ).first()
    if by_username is None:
        raise NotFound(f"User with username {new.username} not found")
    if by_username[1] is None:
        raise NotFound(f"Event type with slug {new.event_type_slug} belonging to user {new.username} not found.")
    return by_username[1], by_username[0], by_username[2], False, None


def _slot_event(event_type: EventType) -> SlotEventType:
    """The event type as the slot engine's rules read it (the row is loaded already: no second read)."""
    return SlotEventType(
        id=event_type.id,
        owner_id=event_type.owner_id,
        length=event_type.length_in_minutes,
        length_options=tuple(event_type.length_in_minutes_options or ()),
        slot_interval=event_type.slot_interval,
        minimum_notice=event_type.minimum_booking_notice if event_type.minimum_booking_notice is not None else 120,
        before_buffer=event_type.before_event_buffer or 0,
        after_buffer=event_type.after_event_buffer or 0,
        offset_start=event_type.offset_start or 0,
        only_first_slot=bool(event_type.only_show_first_available_slot),
        seats_per_slot=event_type.seats_per_time_slot,
        requires_confirmation=bool(event_type.requires_confirmation),
        schedule_id=event_type.schedule_id,
        booking_window=event_type.booking_window,
        booking_limits_count=event_type.booking_limits_count,
        booking_limits_duration=event_type.booking_limits_duration,
        confirmation_policy=event_type.confirmation_policy,
        team_id=event_type.team_id,
        scheduling_type=event_type.scheduling_type,
        parent_id=event_type.parent_id,
    )


def _starts(event_type: EventType, new: NewBooking, start: datetime) -> tuple[list[datetime], bool]:
    """The occurrences' starts, and whether they are a series (the event type recurs)."""
    recurrence = event_type.recurrence if event_type.recurrence and not event_type.recurrence.get("disabled") else None
    if recurrence is None:
        return [start], False
    occurrences = int(recurrence.get("occurrences") or 1)
    if new.recurrence_count is not None and new.recurrence_count > occurrences:
        raise BadRequest(RECURRENCE_TOO_HIGH)
    count = min(new.recurrence_count or occurrences, MAX_OCCURRENCES)
    return occurrence_starts(start, recurrence, count, new.attendee.time_zone), True


def _requires_confirmation(event_type: EventType, start: datetime, now: datetime) -> bool:
    if not event_type.requires_confirmation:
        return False
    policy = event_type.confirmation_policy or {}
    threshold = policy.get("noticeThreshold")
    if policy.get("type") == "time" and threshold:
        unit = 60 if threshold.get("unit") == "hours" else 1
        # Only bookings made closer to the start than the threshold need confirmation.
        return start - now < timedelta(minutes=int(threshold.get("count", 0)) * unit)
    return True


def _phone_placeholder_email(phone: str) -> str:
    return re.sub(r"\D", "", phone) + "@sms.cal.com"


# --- team hosts --------------------------------------------------------------------------------------


async def _assign_team_hosts(
    session: AsyncSession,
    event_type_id: int,
    hosts: team.TeamHosts,
    verdicts: list[BookingCheck],
    *,
    start: datetime,
    time_zone: str,
) -> tuple[int, list[int]]:
    """(organizer id, co-host ids) of a team booking whose every occurrence passed the engine.

    Collective: the first host organises, the others are co-hosts. Round-robin: the fixed hosts
    are co-hosts and one round-robin host free for every occurrence organises (``team`` module).
    """
    if hosts.scheduling_type == team.COLLECTIVE or not hosts.round_robin:
        ids = [h.user_id for h in hosts.fixed]
        return ids[0], ids[1:]
    free = set.intersection(*(set(v.free_host_ids) for v in verdicts))
    candidates = [h for h in hosts.round_robin if h.user_id in free]
    if not candidates:
        # Each occurrence has a free host, but no one host is free for all of them.
        raise refusals.host_unavailable(team_event=True)
    chosen = await team.choose_round_robin_host(session, event_type_id, candidates, start=start, time_zone=time_zone)
    return chosen.user_id, [h.user_id for h in hosts.fixed]


# --- the rows --------------------------------------------------------------------------------------

# (column, attribute) of every column a new row sets; its id comes back from RETURNING.
_BOOKING_FIELDS = tuple(
    (c.key, inspect(Booking).get_property_by_column(c).key) for c in Booking.__table__.c if c.key != "id"
)
_ATTENDEE_FIELDS = tuple(
    (c.key, inspect(Attendee).get_property_by_column(c).key) for c in Attendee.__table__.c if c.key != "id"
)
_INSERT_BOOKING = insert(Booking).returning(Booking.id)
_INSERT_ATTENDEES = insert(Attendee).returning(Attendee.id, sort_by_parameter_order=True)


async def _insert_booking(
    session: AsyncSession, booking: Booking, attendees: list[Attendee], *, host_ids: list[int]
) -> None:
    """Insert a new (unseated) booking and its attendees as Core statements with RETURNING, and set
    their ids on the objects, which stay outside the session: the ORM's unit of work costs more
    than the two statements on a create's hot path. Every column is set on the objects (no
    defaults filled in by a flush). The hosts' busy time changed: noted for the availability
    change log, which sees only the session's own flushes and statements."""
    connection = await core_connection(session)
    values = {column: getattr(booking, attribute) for column, attribute in _BOOKING_FIELDS}
    booking.id = (await connection.execute(_INSERT_BOOKING, values)).scalar_one()
    for row in attendees:
        row.booking_id = booking.id
    rows = [{column: getattr(row, attribute) for column, attribute in _ATTENDEE_FIELDS} for row in attendees]
    ids = (await connection.execute(_INSERT_ATTENDEES, rows)).scalars().all()
    for row, attendee_id in zip(attendees, ids, strict=True):
        row.id = attendee_id
    changes.note_hosts(session, host_ids)


# --- create ------------------------------------------------------------------------------------------


async def create_booking(
    session: AsyncSession,
    new: NewBooking,
    *,
    now: datetime,
    caller_id: int | None,
    limits: InputLimits,
    booker_uid: str | None = None,
) -> CreatedBookings:
    """Check and insert a booking (or a series, or a seat) in the caller's transaction.

    ``caller_id``: the authenticated caller (a host of the event type may set rules aside, see
    ``HostOverrides``); ``booker_uid``: the booker's own slot hold, released once booked.
    """
    checks.check_input_limits(new, limits)
    await begin_write(session)  # SQLite: take the write lock before the first statement
    start = checks.parse_start(new.start)
    checks.check_attendee(new.attendee)
    checks.check_metadata(new.metadata)
    if start < now:
        raise BadRequest(refusals.PAST)

    event_type, owner, event_team, owner_locked, has_custom_inputs = await _find_event_type(session, new)
    team_hosts: team.TeamHosts | None = None
    if owner is None:
        if event_type.scheduling_type == team.MANAGED:
            raise team.managed_parent_refusal(event_type.id)
        team_hosts = await team.load_team_hosts(session, event_type, new.host_subset_ids)
        host_ids = team_hosts.all_ids
    else:
        host_ids = [owner.id]
    duration = checks.duration(event_type, new.length_in_minutes)
    location_text, location_response = resolve_location(event_type, new.location, new.meeting_url)
    checks.check_booking_fields(event_type, new.responses, new.attendee)
    if has_custom_inputs is not False:
        await checks.check_custom_inputs(session, event_type.id, new)
    await checks.check_phone_required(session, event_type, new.attendee)
    starts, series = _starts(event_type, new, start)
    seated = event_type.seats_per_time_slot is not None

    # Lock, then read: everything the engine sees below was committed before we held the lock.
    # A team booking locks every host it may use (ascending ids), so the round-robin choice
    # below sees every concurrent booking of these hosts.
    if not owner_locked:
        await lock_hosts(session, host_ids)
    if seated:
        for occurrence in starts:
            await lock_seat_slot(session, event_type.id, occurrence)
    slot_event = _slot_event(event_type)
    if caller_id is not None and caller_id in host_ids:
        if new.host_overrides.out_of_bounds:
            slot_event = replace(slot_event, booking_window=None, minimum_notice=0)
        if new.host_overrides.skip_limits:
            slot_event = replace(slot_event, booking_limits_count=None, booking_limits_duration=None)
    found = await load_booking_hosts(
        session,
        slot_event,
        host_ids,
        start=starts[0],
        end=starts[-1] + timedelta(minutes=duration),
        now=now,
        fixed_ids=team_hosts.fixed_ids if team_hosts is not None else frozenset(),
    )
    verdicts = [
        found.check(
            occurrence,
            now=now,
            duration=duration,
            time_zone=new.attendee.time_zone,
            team_event=team_hosts is not None,
            booker_uid=booker_uid,
        )
        for occurrence in starts
    ]
    co_host_ids: list[int] = []
    co_hosts: list[User] = []
    if team_hosts is None:
        assert owner is not None
        organizer = owner
    else:
        organizer_id, co_host_ids = await _assign_team_hosts(
            session, event_type.id, team_hosts, verdicts, start=start, time_zone=found.time_zone
        )
        users = await team.load_users(session, [organizer_id, *co_host_ids])
        organizer = users[organizer_id]
        co_hosts = [users[i] for i in co_host_ids if i in users]

    status = BookingStatus.pending if _requires_confirmation(event_type, start, now) else BookingStatus.accepted
    price = payments.price_to_pay(event_type, seated=seated, series=series)
    if price is not None:
        status = BookingStatus.pending  # unpaid: held until paid or the hold runs out
    email = new.attendee.email or _phone_placeholder_email(new.attendee.phone_number or "")
    language = new.attendee.language or "en"
    guests = [g for g in dict.fromkeys(new.guests) if g != email] if not seated else []
    responses: dict[str, Any] = {"name": new.attendee.name, "email": new.attendee.email or ""}
    if new.attendee.phone_number:
        responses["attendeePhoneNumber"] = new.attendee.phone_number
    if guests:
        responses["guests"] = guests
    if location_response is not None:
        responses["location"] = location_response
    responses.update({k: v for k, v in new.responses.items() if k not in ("name", "email")})
    notes = responses.get("notes") if isinstance(responses.get("notes"), str) else None
    title = booking_title(event_type.title, organizer, new.attendee.name)
    recurring_id = str(uuid.uuid4()) if series else None
    organizer_ref = OrganizerRef.of(organizer)
    event_ref = EventTypeRef.of(event_type, TeamRef.of(event_team))

    made: list[BookingResult] = []
    seat_uid: str | None = None
    for occurrence, check in zip(starts, verdicts, strict=True):
        end = occurrence + timedelta(minutes=duration)
        attendee = Attendee(
            created_at=utcnow(),
            name=new.attendee.name,
            email=email,
            time_zone=new.attendee.time_zone,
            locale=language,
            phone_number=new.attendee.phone_number,
            absent=False,
        )
        joined: Booking | None = None
        if seated and check.booking_uid is not None:
            joined = await queries.booking_by_uid(session, check.booking_uid)
        if joined is not None:
            booking = joined
        else:
            uid = new_booking_uid()
            stamp = utcnow()
            booking = Booking(
                uid=uid,
                created_at=stamp,
                updated_at=stamp,
                user_id=organizer.id,
                event_type_id=event_type.id,
                title=title,
                description=notes,
                start_time=occurrence,
                end_time=end,
                status=status.value,
                recurring_event_id=recurring_id,
                location=location_text,
                responses=None if seated else responses,
                booking_metadata=new.metadata or {},
                ical_uid=f"{uid}@calapi",
                rescheduled=False,
                absent_host=False,
            )
            if seated:
                session.add(booking)
        attendee_rows = [attendee]
        if not seated:
            attendee_rows += [
                Attendee(
                    name="",
                    email=g,
                    time_zone=new.attendee.time_zone,
                    locale=language,
                    absent=False,
                    created_at=attendee.created_at,
                )
                for g in guests
            ]
        if joined is None and co_host_ids:
            # Collective co-hosts and round-robin mandatory hosts are attendees (contract §2.6.2).
            attendee_rows += [
                Attendee(
                    name=u.name or u.username or "",
                    email=u.email,
                    time_zone=u.time_zone,
                    locale=u.locale or "en",
                    absent=False,
                    created_at=attendee.created_at,
                )
                for u in co_hosts
            ]
        if seated:
            await session.flush()  # booking.id for the attendees
            for row in attendee_rows:
                row.booking_id = booking.id
            session.add_all(attendee_rows)
        else:
            await _insert_booking(session, booking, attendee_rows, host_ids=[organizer.id, *co_host_ids])
        if joined is None and co_host_ids:
            session.add_all(team.co_host_rows(booking.id, co_host_ids))
        seat: BookingSeat | None = None
        if seated:
            await session.flush()
            seat = BookingSeat(
                reference_uid=str(uuid.uuid4()),
                booking_id=booking.id,
                attendee_id=attendee.id,
                responses=responses,
                seat_metadata=new.metadata or {},
            )
            session.add(seat)
            seat_uid = seat.reference_uid
        trigger = events.BOOKING_REQUESTED if booking.status == BookingStatus.pending.value else events.BOOKING_CREATED
        if joined is None:
            all_attendees: list[Attendee] = attendee_rows
            result = BookingResult(
                booking,
                tuple(attendee_rows),
                organizer_ref,
                event_ref,
                seats={attendee.id: seat} if seat else {},
            )
        else:
            # A seat joined an existing meeting: its answer lists every seat (when the viewer may see them).
            await session.flush()
            result = await details.load_result(session, booking)
            all_attendees = list(result.attendees)
        if price is not None:
            # Paid: BOOKING_PAYMENT_INITIATED now; the booking is announced once it is paid.
            made.append(replace(result, payment=await payments.payment_hooks().start(session, booking, price)))
            continue
        recorded = [  # payloads from the rows as built; record_events flushes the rows first
            events.booking_event(
                trigger,
                booking,
                attendees=all_attendees,
                organizer=organizer,
                event_type=event_type,
                extra={
                    **({"seatUid": seat_uid} if seat_uid else {}),
                    **({"schedulingType": team_hosts.scheduling_type} if team_hosts is not None else {}),
                }
                or None,
            )
        ]
        if joined is None and booking.status == BookingStatus.accepted.value:
            recorded += events.meeting_events(booking, attendees=all_attendees, organizer=organizer)
        await record_events(session, recorded)
        made.append(result)
    if booker_uid:
        await holds.release(session, booker_uid)  # the booker's own hold has done its job
    await session.flush()
    return CreatedBookings(tuple(made), series=series, seat_uid=seat_uid)
