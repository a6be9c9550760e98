"""Insights over HTTP: every ``/v2/insights/bookings`` route over 100,000 bookings of 50 hosts, on
SQLite and on PostgreSQL, and the CSV export's rows per second.

A team of 50 hosts in five zones (the first one its owner), three team event types and a personal
one each; 2,000 bookings per host spread over two years around today (created 0–30 days ahead of
their start; 8 % cancelled, 3 % rejected, 5 % pending, 4 % cancelled by a reschedule, 2 % host
no-shows, a rating on 30 %, one guest each and a no-show guest on 5 %, a co-host on 10 % of the
team bookings; a payment on 30 %, in euros or dollars, paid unless the booking is pending, 5 % of
the paid refunded) — seeded with bulk inserts through SQLAlchemy Core, then ANALYZE (VACUUM ANALYZE on PostgreSQL).

Each route is asked the same question over and over on one keep-alive connection for
``--duration`` seconds (after a warm-up), in three scopes: the team's owner for the whole team
(all 100,000 bookings) over the last 30 and the last 365 days of ``createdAt``, and one host for
their own bookings over the last 365 days. Target: p95 < 100 ms. The export streams the team's
bookings of the last 365 days (about 50,000 rows) and is timed end to end.

PostgreSQL: a fresh database ``calapi_bench_<random>`` is created, migrated, and dropped afterwards.

Run: .venv/bin/python bench/bench_insights.py [--duration 5] [--skip-postgres | --skip-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import POSTGRES_BASE, _admin, machine, on_each_database, today, uvicorn_server

HOSTS = 50
PER_HOST = 2_000
CHUNK = 2_000
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin")
ROUTES = ("kpi-stats", "event-trends", "members", "average-duration", "busiest-times", "lead-time", "revenue")


async def seed(url: str) -> tuple[str, str, int]:
    """Hosts, a team, event types, bookings, attendees, co-hosts. Returns (owner key, host key, team id)."""
    from sqlalchemy import insert, select, text

    from calapi.api_keys import service as api_keys_service
    from calapi.bookings.models import Attendee, Booking, BookingHost
    from calapi.config import load_settings
    from calapi.db import make_engine, make_sessionmaker
    from calapi.event_types.models import EventType
    from calapi.payments.models import Payment, PaymentStatus
    from calapi.teams.models import Membership, Team
    from calapi.users import service as users_service

    rng = random.Random(18)
    settings = load_settings(database_url=url)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    async with make_sessionmaker(engine)() as session:
        hosts = [
            await users_service.create(
                session, email=f"host{i}@example.com", username=f"host{i}", name=f"Host {i}", time_zone=ZONES[i % 5]
            )
            for i in range(HOSTS)
        ]
        owner_key = (await api_keys_service.mint(session, user_id=hosts[0].id, prefix=settings.api_key_prefix)).key
        host_key = (await api_keys_service.mint(session, user_id=hosts[7].id, prefix=settings.api_key_prefix)).key
        team = Team(name="Everyone", slug="everyone")
        session.add(team)
        await session.flush()
        session.add_all(
            Membership(team_id=team.id, user_id=h.id, accepted=True, role="OWNER" if i == 0 else "MEMBER")
            for i, h in enumerate(hosts)
        )
        team_types = [
            EventType(
                team_id=team.id,
                title=f"Team {i}",
                slug=f"team-{i}",
                length_in_minutes=30,
                scheduling_type="ROUND_ROBIN",
            )
            for i in range(3)
        ]
        personal = [EventType(owner_id=h.id, title="Mine", slug="mine", length_in_minutes=45) for h in hosts]
        session.add_all(team_types + personal)
        await session.flush()
        rows, co_hosted = [], []
        for h_index, host in enumerate(hosts):
            for n in range(PER_HOST):
                start = now - timedelta(days=365) + timedelta(minutes=rng.randrange(0, 730 * 24 * 4) * 15)
                on_team = rng.random() < 0.7
                roll = rng.random()
                status, rescheduled = "accepted", False
                if roll < 0.08:
                    status = "cancelled"
                elif roll < 0.11:
                    status = "rejected"
                elif roll < 0.16:
                    status = "pending"
                elif roll < 0.20:
                    status, rescheduled = "cancelled", True
                created = start - timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
                uid = uuid.uuid4().hex
                rows.append(
                    {
                        "uid": uid,
                        "user_id": host.id,
                        "event_type_id": rng.choice(team_types).id if on_team else personal[h_index].id,
                        "title": f"Meeting {n}",
                        "start_time": start,
                        "end_time": start + timedelta(minutes=rng.choice((15, 30, 45, 60))),
                        "status": status,
                        "rescheduled": rescheduled,
                        "absent_host": rng.random() < 0.02,
                        "rating": rng.randint(1, 5) if rng.random() < 0.3 else None,
                        "responses": {},
                        "booking_metadata": {},
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                if on_team and rng.random() < 0.1:
                    co_hosted.append((uid, hosts[(h_index + 1 + rng.randrange(HOSTS - 1)) % HOSTS]))
        rows.sort(key=lambda row: row["created_at"])  # as a live server writes them: in the order they are made
        ids: dict[str, int] = {}
        for first in range(0, len(rows), CHUNK):
            result = await session.execute(
                insert(Booking).returning(Booking.id, Booking.uid), rows[first : first + CHUNK]
            )
            ids.update({uid: booking_id for booking_id, uid in result.all()})
        attendees = [
            {
                "booking_id": ids[row["uid"]],
                "name": f"Guest {i}",
                "email": f"guest{i % 5000}@guests.test",
                "time_zone": "UTC",
                "absent": rng.random() < 0.05,
                "created_at": row["created_at"],
            }
            for i, row in enumerate(rows)
        ] + [
            {"booking_id": ids[uid], "name": co.name, "email": co.email, "time_zone": co.time_zone, "absent": False}
            for uid, co in co_hosted
        ]
        for first in range(0, len(attendees), CHUNK):
            await session.execute(insert(Attendee), attendees[first : first + CHUNK])
        co_rows = [{"booking_id": ids[uid], "user_id": co.id} for uid, co in co_hosted]
        for first in range(0, len(co_rows), CHUNK):
            await session.execute(insert(BookingHost), co_rows[first : first + CHUNK])
        # Payments as the payments service leaves them (its own generator: the bookings stay the same).
        paying = random.Random(1818)
        payments = []
        for row in rows:
            if paying.random() >= 0.3:
                continue
            paid = row["status"] != "pending"
            refunded = paid and paying.random() < 0.05
            status = PaymentStatus.refunded if refunded else PaymentStatus.succeeded if paid else PaymentStatus.pending
            payments.append(
                {
                    "uid": secrets.token_urlsafe(16),
                    "booking_id": ids[row["uid"]],
                    "amount": paying.choice((1500, 2500, 5000)),
                    "fee": 0,
                    "currency": "eur" if paying.random() < 0.7 else "usd",
                    "payment_option": "ON_BOOKING",
                    "status": status.value,
                    "provider": "stripe",
                    "external_id": f"pi_bench_{row['uid']}",
                    "success": paid,
                    "refunded": refunded,
                    "data": {},
                    "hold_until": row["created_at"] + timedelta(minutes=15),
                    "created_at": row["created_at"],
                    "updated_at": row["created_at"],
                }
            )
        for first in range(0, len(payments), CHUNK):
            await session.execute(insert(Payment), payments[first : first + CHUNK])
        await session.commit()
        team_id = team.id
        assert (await session.scalar(select(Booking.id).order_by(Booking.id.desc()).limit(1))) is not None
    # What autovacuum does soon after a bulk load (the test server runs without it): statistics, and
    # on PostgreSQL the visibility map, without which no index-only scan is planned.
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    await engine.dispose()
    return owner_key, host_key, team_id


def prepare(url: str) -> tuple[str, str, int]:
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    migrate_database(load_settings(database_url=url))
    started = time.perf_counter()
    seeded = asyncio.run(seed(url))
    print(f"  seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return seeded


def _period(days: int) -> dict:
    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    data = {"startDate": start.isoformat(), "endDate": end.isoformat(), "preset": "c"}
    return {"id": "createdAt", "value": {"type": "dr", "data": data}}


def _latency(base: str, route: str, key: str, body: dict, duration: float) -> dict:
    from bench.loadgen import run_load

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    result = asyncio.run(
        run_load(
            f"{base}/v2/insights/bookings/{route}",
            method="POST",
            headers=headers,
            body=json.dumps(body).encode(),
            connections=1,
            duration=duration,
            warmup=1.0,
        )
    )
    assert set(result.statuses) == {200}, result.statuses
    return result.summary()


def _export(base: str, key: str, team_id: int, rounds: int = 3) -> dict:
    import httpx

    params = {
        "scope": "team",
        "selectedTeamId": str(team_id),
        "timeZone": "Europe/London",
        "columnFilters": json.dumps([_period(365)]),
    }
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        rows = 0
        with httpx.stream(
            "GET",
            f"{base}/v2/insights/bookings/export",
            params=params,
            headers={"Authorization": f"Bearer {key}"},
            timeout=600,
        ) as response:
            assert response.status_code == 200, response.read()
            first_byte = None
            for chunk in response.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                rows += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        runs.append(
            {
                "rows": rows - 1,
                "seconds": round(seconds, 2),
                "rows_per_s": round((rows - 1) / seconds),
                "first_byte_ms": round((first_byte or 0) * 1000, 1),
            }
        )
    runs.sort(key=lambda r: r["rows_per_s"])
    return {**runs[len(runs) // 2], "rounds": runs}


def measure(url: str, label: str, args: argparse.Namespace) -> dict:
    owner_key, host_key, team_id = prepare(url)
    env = {"CALAPI_DATABASE_URL": url, "CALAPI_RATE_LIMIT": "100000000/minute", "CALAPI_RUN_WORKER": "false"}
    scenarios = {
        "team, 30 days": (owner_key, {"scope": "team", "selectedTeamId": team_id, "columnFilters": [_period(30)]}),
        "team, 365 days": (owner_key, {"scope": "team", "selectedTeamId": team_id, "columnFilters": [_period(365)]}),
        "one host, 365 days": (host_key, {"scope": "user", "columnFilters": [_period(365)]}),
    }
    results: dict = {}
    with uvicorn_server("calapi.asgi:app", env, health="/health") as base:
        import httpx

        for scenario, (key, body) in scenarios.items():
            body = {**body, "timeZone": "Europe/London"}
            kpi = httpx.post(
                f"{base}/v2/insights/bookings/kpi-stats",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
            assert kpi.status_code == 200, kpi.text
            results[scenario] = {"bookings": kpi.json()["data"]["created"]["count"]}
            for route in ROUTES:
                results[scenario][route] = _latency(base, route, key, body, args.duration)
                print(f"  {label} {scenario} {route}: {results[scenario][route]}", file=sys.stderr)
        export = _export(base, owner_key, team_id)
        print(f"  {label} export: {export}", file=sys.stderr)
    return {"database": label, "scenarios": results, "export": export}


def _on_postgres(run: Callable[[str, str], dict]) -> dict:
    """``run`` on a fresh PostgreSQL database alone (``on_each_database`` runs SQLite first)."""
    name = f"calapi_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    try:
        return run(POSTGRES_BASE.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL")
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if args.skip_sqlite:
        results = [_on_postgres(lambda url, label: measure(url, label, args))]
    else:
        results = on_each_database(lambda url, label: measure(url, label, args), skip_postgres=args.skip_postgres)
    report = {
        "benchmark": f"/v2/insights/bookings/* over {HOSTS * PER_HOST} bookings of {HOSTS} hosts",
        "date": today(),
        "machine": machine(),
        "duration_s": args.duration,
        "results": results,
        "p95_ms_median_of_routes": {
            r["database"]: statistics.median(
                v["p95_ms"] for s in r["scenarios"].values() for k, v in s.items() if k != "bookings"
            )
            for r in results
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
