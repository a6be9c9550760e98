"""Adapter from the shared case file's `input` format to the engine's dataclasses."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from calapi.scheduling import (
    BookingStatus,
    BusyInterval,
    BusyKind,
    DateOverride,
    EventRules,
    Host,
    Limits,
    OutOfOffice,
    PeriodType,
    Reservation,
    Schedule,
    SchedulingType,
    SlotListing,
    SlotQuery,
    WeeklyRule,
)

# A copy of the team's shared/reference/calcom-slot-cases.json, kept in the repository so that a
# clone anywhere (CI's included) runs the cases. When the reference changes, copy it here again.
CASES_PATH = Path(__file__).resolve().parent / "data/calcom-slot-cases.json"
EVENT_ID = 1  # "event id 1" in the case file


@lru_cache(maxsize=1)
def load_cases() -> list[dict[str, Any]]:
    return json.loads(CASES_PATH.read_text())["cases"]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _time(text: str) -> time:
    return time.fromisoformat(text)


def schedule_from(raw: dict[str, Any]) -> Schedule:
    weekly, overrides = [], []
    for row in raw["availability"]:
        if row.get("date"):
            overrides.append(
                DateOverride(date.fromisoformat(row["date"]), _time(row["startTime"]), _time(row["endTime"]))
            )
        else:
            weekly.append(WeeklyRule(frozenset(row["days"]), _time(row["startTime"]), _time(row["endTime"])))
    return Schedule(raw["timeZone"], tuple(weekly), tuple(overrides))


def fallback_schedule(zone: str) -> Schedule:
    """Cal.com's built-in schedule for a user without one: Mon-Fri 09:00-17:00."""
    return Schedule(zone, (WeeklyRule(frozenset({1, 2, 3, 4, 5}), time(9), time(17)),))


def _limits(raw: dict[str, int] | None) -> Limits | None:
    if not raw:
        return None
    return Limits(
        per_day=raw.get("PER_DAY"),
        per_week=raw.get("PER_WEEK"),
        per_month=raw.get("PER_MONTH"),
        per_year=raw.get("PER_YEAR"),
    )


def rules_from(ev: dict[str, Any]) -> EventRules:
    def day(key: str) -> date | None:
        return date.fromisoformat(ev[key][:10]) if ev.get(key) else None

    return EventRules(
        length=ev["length"],
        event_type_id=EVENT_ID,
        length_options=tuple(ev.get("multipleDuration") or ()),
        slot_interval=ev.get("slotInterval"),
        minimum_notice=ev.get("minimumBookingNotice", 0),
        before_buffer=ev.get("beforeEventBuffer", 0),
        after_buffer=ev.get("afterEventBuffer", 0),
        offset_start=ev.get("offsetStart", 0),
        period_type=PeriodType(ev.get("periodType", "UNLIMITED")),
        period_days=ev.get("periodDays"),
        period_count_calendar_days=ev.get("periodCountCalendarDays", True),
        period_start_date=day("periodStartDate"),
        period_end_date=day("periodEndDate"),
        booking_limits=_limits(ev.get("bookingLimits")),
        duration_limits=_limits(ev.get("durationLimits")),
        seats_per_slot=ev.get("seatsPerTimeSlot"),
        only_first_slot=ev.get("onlyShowFirstAvailableSlot", False),
        show_optimized_slots=ev.get("showOptimizedSlots", False),
        requires_confirmation=ev.get("requiresConfirmation", False),
        requires_confirmation_will_block_slot=ev.get("requiresConfirmationWillBlockSlot", False),
        scheduling_type=SchedulingType(ev.get("schedulingType") or "INDIVIDUAL"),
    )


def _host_busy(host_id: int, inp: dict[str, Any], rules: EventRules) -> list[BusyInterval]:
    out = []
    for b in inp.get("bookings", []):
        organizer = b.get("userId", 1)
        attendees = b.get("attendees", [])
        if organizer == host_id:
            is_organizer = True
        elif f"host{host_id}@example.com" in attendees:
            is_organizer = False
        else:
            continue
        event_type_id = b.get("eventTypeId", EVENT_ID)
        seated = rules.seats_per_slot is not None and event_type_id == EVENT_ID
        out.append(
            BusyInterval(
                start=instant(b["start"]),
                end=instant(b["end"]),
                kind=BusyKind.BOOKING,
                before_buffer=b.get("beforeEventBuffer", 0),
                after_buffer=b.get("afterEventBuffer", 0),
                event_type_id=event_type_id,
                booking_uid=b.get("uid"),
                status=BookingStatus(b.get("status", "ACCEPTED")),
                host_is_organizer=is_organizer,
                seated=seated,
                attendees=len(attendees) if seated else 0,
            )
        )
    if host_id == 1:
        for c in inp.get("busy", []):
            out.append(BusyInterval(instant(c["start"]), instant(c["end"]), kind=BusyKind.CALENDAR))
    return out


def query_from(inp: dict[str, Any]) -> SlotQuery:
    ev = inp["eventType"]
    rules = rules_from(ev)
    raw_hosts = inp.get("hosts") or [{"id": 1, "schedule": inp.get("schedule")}]
    reservations = tuple(
        Reservation(
            start=instant(r["start"]),
            end=instant(r["end"]),
            release_at=instant(r["releaseAt"]),
            event_type_id=EVENT_ID,
            booker_uid=r.get("uid"),
            is_seat=r.get("isSeat", False),
        )
        for r in inp.get("reservations", [])
    )
    away = tuple(OutOfOffice(instant(o["start"]).date(), instant(o["end"]).date()) for o in inp.get("outOfOffice", []))
    hosts = []
    for raw in raw_hosts:
        if ev.get("schedule"):
            schedule = schedule_from(ev["schedule"])  # an event-type schedule wins
        elif raw.get("noSchedule") or not raw.get("schedule"):
            schedule = fallback_schedule(ev.get("timeZone") or raw.get("timeZone") or "UTC")
        else:
            schedule = schedule_from(raw["schedule"])
        hosts.append(
            Host(
                user_id=raw["id"],
                schedule=schedule,
                busy=tuple(_host_busy(raw["id"], inp, rules)),
                reservations=reservations,
                out_of_office=away if raw["id"] == 1 else (),
                is_fixed=raw.get("isFixed", False),
            )
        )
    return SlotQuery(
        hosts=tuple(hosts),
        rules=rules,
        now=instant(inp["now"]),
        start=instant(inp["start"]),
        end=instant(inp["end"]),
        time_zone=inp.get("timeZone") or "UTC",
        duration=inp.get("duration"),
        booker_uid=inp.get("bookerUid"),
        reschedule_uid=inp.get("rescheduleUid"),
    )


def iso_z(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def as_case_output(listing: SlotListing) -> dict[str, list[Any]]:
    """The listing in the case file's `expected` shape."""
    out: dict[str, list[Any]] = {}
    for day, slots in listing.days.items():
        if any(s.seats_total is not None for s in slots):
            out[day.isoformat()] = [
                {"time": iso_z(s.start), **({"attendees": s.seats_booked} if s.seats_booked else {})} for s in slots
            ]
        else:
            out[day.isoformat()] = [iso_z(s.start) for s in slots]
    return out
