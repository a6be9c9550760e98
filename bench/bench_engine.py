"""Slot engine benchmark: engine time only (inputs are built before timing).

Run: .venv/bin/python bench/bench_engine.py [--runs N]

Scenarios (both: 60-day window, 15-minute interval, 30-minute events):
  one-host     one host, Mon-Fri 09:00-17:00 Europe/London, 500 bookings
  rr-25-hosts  round-robin, 25 hosts in 5 zones, 500 bookings each
Bookings (1 in 5 an external calendar block, some with buffers) fall at random
quarter hours inside working hours; the event has 5-minute buffers and 2 hours
of notice; the booker's zone is America/Los_Angeles.
plus the booking check for one start in each scenario.

list_slots runs on hosts whose busy rows are new objects each time (what a listing pays when its
rows were just read); "kept ms" is the same listing again on the same hosts, with the merged busy
time and open time the engine keeps on them (what a warm listing pays, availability cache on).
The booking check runs after the listing, on the same hosts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time as clock
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from calapi.scheduling import (
    BusyInterval,
    BusyKind,
    BusyTimes,
    EventRules,
    Host,
    Schedule,
    SchedulingType,
    SlotQuery,
    WeeklyRule,
    check_booking,
    list_slots,
    tz,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 11, 25, tzinfo=UTC)
WINDOW_END = WINDOW_START + timedelta(days=60)
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]


def make_host(user_id: int, zone: str, rng: random.Random, bookings: int) -> Host:
    schedule = Schedule(zone, (WeeklyRule(frozenset({1, 2, 3, 4, 5}), time(9), time(17)),))
    tzinfo = ZoneInfo(zone)
    busy = []
    for i in range(bookings):
        # Inside working hours, where they fragment free time the most.
        day = WINDOW_START.date() + timedelta(days=rng.randrange(60))
        local = datetime.combine(day, time(9), tzinfo) + timedelta(minutes=15 * rng.randrange(32))
        start = local.astimezone(UTC)
        length = rng.choice((15, 30, 45, 60))
        kind = BusyKind.CALENDAR if i % 5 == 0 else BusyKind.BOOKING
        busy.append(
            BusyInterval(
                start,
                start + timedelta(minutes=length),
                kind=kind,
                event_type_id=rng.choice((1, 2)),
                booking_uid=f"b{user_id}-{i}",
                before_buffer=rng.choice((0, 0, 5)),
            )
        )
    return Host(user_id=user_id, schedule=schedule, busy=tuple(busy))


def scenario(hosts: int) -> SlotQuery:
    rng = random.Random(hosts)
    rules = EventRules(
        length=30,
        event_type_id=1,
        slot_interval=15,
        minimum_notice=120,
        before_buffer=5,
        after_buffer=5,
        scheduling_type=SchedulingType.ROUND_ROBIN if hosts > 1 else SchedulingType.INDIVIDUAL,
    )
    return SlotQuery(
        hosts=tuple(make_host(i + 1, ZONES[i % len(ZONES)], rng, 500) for i in range(hosts)),
        rules=rules,
        now=NOW,
        start=WINDOW_START,
        end=WINDOW_END,
        time_zone="America/Los_Angeles",
    )


def unkept(query: SlotQuery) -> SlotQuery:
    """The same query with hosts whose busy rows are new objects: nothing the engine kept on them
    (merged busy time, open time) carries over, as when a listing's rows were just read."""
    hosts = tuple(
        replace(
            h,
            busy=BusyTimes(
                h.busy.starts,
                h.busy.ends,
                pads_before=h.busy.pads_before,
                pads_after=h.busy.pads_after,
                event_type_ids=h.busy.event_type_ids,
                codes=h.busy.codes,
                booking_uids=h.busy.booking_uids,
                attendees=h.busy.attendees,
            ),
        )
        for h in query.hosts
    )
    return replace(query, hosts=hosts)


def measure_unkept(query: SlotQuery, runs: int) -> tuple[float, float, float]:
    """list_slots on a fresh copy each run (copies made before timing)."""
    copies = [unkept(query) for _ in range(runs)]
    times = []
    for copy in copies:
        t0 = clock.perf_counter()
        list_slots(copy)
        times.append((clock.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], times[0]


def cold(fn) -> float:
    """One call with the per-(zone, date) conversion caches emptied."""
    tz._day.cache_clear()
    tz._utc_day_offsets.cache_clear()
    t0 = clock.perf_counter()
    fn()
    return (clock.perf_counter() - t0) * 1000


def measure(fn, runs: int) -> tuple[float, float, float]:
    fn()  # warm-up: the zone caches fill once per process
    times = []
    for _ in range(runs):
        t0 = clock.perf_counter()
        fn()
        times.append((clock.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], times[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"{'scenario':<28}{'median ms':>10}{'p95 ms':>10}{'min ms':>10}{'cold ms':>10}{'kept ms':>10}  slots")
    for name, n in (("one-host", 1), ("rr-25-hosts", 25)):
        query = scenario(n)
        listing = list_slots(query)
        count = len(listing.slots)
        fresh = unkept(query)
        first = cold(lambda fresh=fresh: list_slots(fresh))
        med, p95, low = measure_unkept(query, args.runs)
        kept, _, _ = measure(
            lambda query=query: list_slots(query), args.runs
        )  # the same hosts again: what a warm listing pays
        print(f"{name + ' list_slots':<28}{med:>10.2f}{p95:>10.2f}{low:>10.2f}{first:>10.2f}{kept:>10.2f}  {count}")
        probe = listing.slots[count // 2].start
        request = query.booking_request(probe)
        assert check_booking(request).ok
        first = cold(lambda request=request: check_booking(request))
        med, p95, low = measure(lambda request=request: check_booking(request), args.runs)
        print(f"{name + ' check_booking':<28}{med:>10.2f}{p95:>10.2f}{low:>10.2f}{first:>10.2f}")


if __name__ == "__main__":
    main()
