"""The slot engine's hosts for a booking check, loaded as ``GET /v2/slots`` loads them.

Creation and reschedule check a time over the same inputs a listing saw: the hosts' schedules in
the order the event type lists them (its first host's zone is the event's zone), their bookings and
holds over the window the event's rules need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.availability import hosts as availability_hosts
from calapi.bookings.service import refusals
from calapi.event_types.service import SlotEventType
from calapi.schedules import service as schedules_service
from calapi.scheduling import BookingCheck, BookingRequest, EventRules, Host, check_booking


@dataclass(frozen=True)
class BookingHosts:
    hosts: tuple[Host, ...]  # empty: none of the hosts exists
    rules: EventRules
    time_zone: str  # the event's zone: its first host's ("UTC" without hosts)

    def check(
        self,
        start: datetime,
        *,
        now: datetime,
        duration: int,
        time_zone: str,
        team_event: bool,
        booker_uid: str | None = None,
        reschedule_uid: str | None = None,
    ) -> BookingCheck:
        """The engine's verdict on a booking at ``start`` (in the booker's ``time_zone``); a refusal is
        raised as the error the caller gets."""
        check = check_booking(
            BookingRequest(
                hosts=self.hosts,
                rules=self.rules,
                now=now,
                start=start,
                duration=duration,
                time_zone=time_zone,
                booker_uid=booker_uid,
                reschedule_uid=reschedule_uid,
            )
        )
        if not self.hosts:
            raise refusals.outside_availability()
        if not check.ok:
            raise refusals.refusal_for(check, minimum_notice=self.rules.minimum_notice, team_event=team_event)
        return check


async def load_booking_hosts(
    session: AsyncSession,
    event: SlotEventType,
    host_ids: Sequence[int],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    fixed_ids: frozenset[int] = frozenset(),
) -> BookingHosts:
    """Engine hosts for a booking of ``event`` between ``start`` and ``end`` (its first to last occurrence)."""
    found = await schedules_service.load_host_availability(session, user_ids=host_ids, schedule_id=event.schedule_id)
    availability = {i: found[i] for i in host_ids if i in found}
    first = next(iter(availability.values()), None)
    rules = event.rules(week_start=first.week_start if first else 0)
    lo, hi = availability_hosts.data_window(rules, start, end, now)
    hosts = (
        (await availability_hosts.complete_hosts(session, availability, lo, hi, now, fixed_ids=fixed_ids)).hosts
        if availability
        else ()
    )
    return BookingHosts(hosts, rules, first.time_zone if first else "UTC")
