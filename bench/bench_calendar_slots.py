"""``GET /v2/slots`` for a host whose selected calendar holds 500 events, warm, against the same host
without a calendar, in the same run (issue 14; target: at most 1.2 ×).

In process (the app over httpx's ASGI transport, SQLite, the availability cache in process, no
worker): two hosts with the same schedule (Mon–Fri 09:00–17:00 Europe/London), the same 30-minute
event type and the same 300 bookings over the 30 days listed; the second host's selected calendar
holds the busy times of 480 single events and 20 weekly series (26 weeks each), stored as the
refresh job stores them (``calendar_busy``, fetched now). Rounds alternate the two listings; figures
are p50/p95 of every round's requests pooled.

Also printed: the SQL statements one warm listing of each sends.

Not measured here: the cold fetch from Radicale, see ``bench/bench_calendar_cold_fetch.py``.

Run: .venv/bin/python bench/bench_calendar_slots.py [--rounds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import machine, today

ZONE = "Europe/London"
DAYS = 30
BOOKINGS = 300
HEADERS = {"cal-api-version": "2024-09-04"}


async def _seed(url: str) -> dict[str, str]:
    from sqlalchemy import insert

    from calapi.bookings.models import Booking
    from calapi.calendars.ical import merge
    from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.schedules.models import Availability, Schedule
    from calapi.users import service as users_service

    rng = random.Random(20261207)
    zone = ZoneInfo(ZONE)
    first_day = datetime.now(UTC).date() + timedelta(days=1)
    weekdays = [d for d in (first_day + timedelta(days=i) for i in range(DAYS)) if d.weekday() < 5]
    engine = make_engine(url)
    paths = {}
    async with make_sessionmaker(engine)() as session:
        for name in ("plain", "calendar"):
            user = await users_service.create(session, email=f"{name}@example.com", username=name, time_zone=ZONE)
            schedule = Schedule(user_id=user.id, name="Working hours", time_zone=ZONE)
            session.add(schedule)
            await session.flush()
            session.add(
                Availability(schedule_id=schedule.id, days=[1, 2, 3, 4, 5], start_time=clock(9), end_time=clock(17))
            )
            user.default_schedule_id = schedule.id
            event = EventType(owner_id=user.id, title="Thirty", slug="thirty", length_in_minutes=30)
            session.add(event)
            await session.flush()
            rows = []
            for _ in range(BOOKINGS):
                day = rng.choice(weekdays)
                start = (datetime.combine(day, clock(9), zone) + timedelta(minutes=30 * rng.randrange(16))).astimezone(
                    UTC
                )
                rows.append(
                    {
                        "uid": uuid.uuid4().hex,
                        "user_id": user.id,
                        "event_type_id": event.id,
                        "title": "Meeting",
                        "start_time": start,
                        "end_time": start + timedelta(minutes=30),
                        "status": "accepted",
                    }
                )
            await session.execute(insert(Booking), rows)
            paths[name] = (
                f"/v2/slots?eventTypeId={event.id}&start={first_day.isoformat()}"
                f"&end={(first_day + timedelta(days=DAYS - 1)).isoformat()}&timeZone={ZONE}"
            )
            if name != "calendar":
                continue
            credential = CalendarCredential(
                user_id=user.id, type="caldav", url="http://calendar.invalid/", username="x", secret="-"
            )
            session.add(credential)
            await session.flush()
            calendar = ExternalCalendar(
                credential_id=credential.id, external_id="http://calendar.invalid/work/", name="Work"
            )
            session.add(calendar)
            session.add(
                SelectedCalendar(
                    user_id=user.id, integration="caldav", external_id=calendar.external_id, credential_id=credential.id
                )
            )
            await session.flush()
            intervals = []
            horizon = [first_day - timedelta(days=1) + timedelta(days=i) for i in range(180)]
            for _ in range(480):  # single events, 30–90 minutes, 07:00–20:00
                start = datetime.combine(rng.choice(horizon), clock(7), zone) + timedelta(
                    minutes=15 * rng.randrange(52)
                )
                intervals.append(
                    (int(start.timestamp()), int((start + timedelta(minutes=rng.choice((30, 60, 90)))).timestamp()))
                )
            for _ in range(20):  # weekly series, an hour, 26 weeks
                start = datetime.combine(rng.choice(horizon[:7]), clock(rng.randrange(8, 18)), zone)
                for week in range(26):
                    at = datetime.combine(start.date() + timedelta(weeks=week), start.time(), zone)
                    intervals.append((int(at.timestamp()), int(at.timestamp()) + 3600))
            now = datetime.now(UTC)
            session.add(
                CalendarBusy(
                    calendar_id=calendar.id,
                    intervals=[list(i) for i in merge(intervals)],
                    covers_from=now - timedelta(days=1),
                    covers_until=now + timedelta(days=180),
                    fetched_at=now + timedelta(days=1),  # fresh for the whole run (no worker refreshes it)
                )
            )
        await session.commit()
    await engine.dispose()
    return paths


async def _statements(app: object, client: object, path: str) -> int:
    """SQL statements one warm listing sends to the database."""
    from sqlalchemy import event

    engine = app.state.engine.sync_engine  # type: ignore[attr-defined]
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        await client.get(path, headers=HEADERS)  # type: ignore[attr-defined]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(sent)


def _percentile(data: list[float], p: float) -> float:
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _run(args: argparse.Namespace) -> None:
    import httpx

    from calapi.app import create_app
    from calapi.cli.migrate import migrate_database
    from calapi.config import load_settings

    folder = tempfile.mkdtemp(prefix="calapi-bench-cal-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    settings = load_settings(
        database_url=url,
        run_worker=False,
        availability_cache="process",
        rate_limit="100000000/minute",
        log_level="warning",
    )
    await asyncio.to_thread(migrate_database, settings)  # Alembic runs its own event loop
    paths = await _seed(url)
    app = create_app(settings)
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        for path in paths.values():  # warm up
            for _ in range(20):
                response = await client.get(path, headers=HEADERS)
                assert response.status_code == 200, response.text
        statements = {name: await _statements(app, client, path) for name, path in paths.items()}
        plain = (await client.get(paths["plain"], headers=HEADERS)).json()["data"]
        busy = (await client.get(paths["calendar"], headers=HEADERS)).json()["data"]
        counts = {"plain": sum(map(len, plain.values())), "calendar": sum(map(len, busy.values()))}
        for round_ in range(args.rounds):
            order = list(paths) if round_ % 2 == 0 else list(reversed(paths))
            for name in order:
                for _ in range(args.requests):
                    began = time.perf_counter()
                    await client.get(paths[name], headers=HEADERS)
                    latencies[name].append((time.perf_counter() - began) * 1000)
    print(f"Machine: {machine()}. Date: {today()}.")
    print("| host | slots listed | statements (warm) | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: | ---: |")
    for name, data in latencies.items():
        print(
            f"| {name} | {counts[name]} | {statements[name]} | {statistics.median(data):.2f} "
            f"| {_percentile(data, 95):.2f} |"
        )
    ratio = _percentile(latencies["calendar"], 95) / _percentile(latencies["plain"], 95)
    print(f"| **p95 ratio** | | | **{ratio:.2f}** (target ≤ 1.2) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
