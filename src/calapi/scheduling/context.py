"""The resolved inputs shared by slot listing and the booking check.

Both entry points build one Context from their query, so every rule below
(duration, step, earliest start, buffers, zones) is computed in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from .models import EventRules, Host, SchedulingType, _epoch

# The grid is the first of these that divides the step (Cal.com getSlots).
_GRIDS = (60, 30, 20, 15, 10, 5)


@dataclass(frozen=True, slots=True)
class Context:
    hosts: tuple[Host, ...]
    rules: EventRules
    now: int
    booker_zone: str
    event_zone: str
    duration: int  # seconds
    frequency: int  # minutes between starts before offsetStart
    step: int  # seconds between emitted starts (frequency + offsetStart)
    grid: int  # minutes: first start rounded up to a multiple on the local clock
    earliest: int  # first allowed start, epoch seconds
    before: int  # this event's before-buffer, seconds
    after: int  # this event's after-buffer, seconds
    booker_uid: str | None
    reschedule_uid: str | None

    @property
    def seated(self) -> bool:
        return self.rules.seats_per_slot is not None

    @property
    def fixed_hosts(self) -> tuple[Host, ...]:
        if self.rules.scheduling_type is SchedulingType.ROUND_ROBIN:
            return tuple(h for h in self.hosts if h.is_fixed)
        return self.hosts

    @property
    def groups(self) -> list[tuple[Host, ...]]:
        """Round-robin groups in first-seen order (empty unless ROUND_ROBIN)."""
        if self.rules.scheduling_type is not SchedulingType.ROUND_ROBIN:
            return []
        groups: dict[object, list[Host]] = {}
        for h in self.hosts:
            if not h.is_fixed:
                groups.setdefault(h.group, []).append(h)
        return [tuple(g) for g in groups.values()]

    def same_event(self, event_type_id: int | None) -> bool:
        return event_type_id == self.rules.event_type_id


def build_context(
    hosts: tuple[Host, ...],
    rules: EventRules,
    now: datetime,
    booker_zone: str,
    duration: int | None,
    booker_uid: str | None,
    reschedule_uid: str | None,
) -> Context:
    if not hosts:
        raise ValueError("at least one host is needed")
    length = rules.duration_for(duration)
    frequency = rules.slot_interval or length
    grid = next((g for g in _GRIDS if frequency % g == 0), 1)
    now_s = _epoch(now, "now")
    # Cal.com starts the window at now + max(notice, 1 minute); we round up to
    # the whole minute so no start before now + notice is ever offered.
    earliest = now_s + max(rules.minimum_notice, 1) * 60
    earliest = math.ceil(earliest / 60) * 60
    return Context(
        hosts=hosts,
        rules=rules,
        now=now_s,
        booker_zone=booker_zone,
        event_zone=rules.time_zone or hosts[0].schedule.time_zone,
        duration=length * 60,
        frequency=frequency,
        step=(frequency + rules.offset_start) * 60,
        grid=grid,
        earliest=earliest,
        before=rules.before_buffer * 60,
        after=rules.after_buffer * 60,
        booker_uid=booker_uid,
        reschedule_uid=reschedule_uid,
    )
