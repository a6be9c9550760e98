"""Reminders: 2,000 due in the same minute, sent by ``calapi worker`` to a local SMTP server.

Setup (PostgreSQL): one host, 1,000 accepted bookings each with one attendee, then a workflow
added afterwards — "10 minutes before", one step to the host and one to the attendees — whose
reminders for the existing bookings are planned by the workflow's sync (timed: that is the
"workflow added later" path at scale). Every reminder is then made due at the same instant T (the
next whole minute), as after a burst of bookings for the same slot. ``calapi worker`` processes
(``--workers``) started before T send them to an ``aiosmtpd`` server in this process, which
records when each message (by Message-ID) is accepted.

Reported: planning time; time from T until the last message is accepted; lag from T per message
(p50, p95, max; target p95 < 30 s); every message must arrive exactly once per Message-ID and be
logged "sent".

Run: .venv/bin/python bench/bench_reminders.py [--bookings 1000] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import free_port, machine, today  # noqa: E402

POSTGRES_BASE = os.environ.get("CALAPI_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


class Inbox:
    """An SMTP handler recording the arrival time of each Message-ID."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.arrivals.setdefault(str(headers["Message-ID"]), []).append(now)
        return "250 2.0.0 Ok: queued"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


async def seed(url: str, bookings: int) -> tuple[int, float]:
    """The host, the bookings, the workflow; its reminders planned. → (messages, planning seconds)."""
    from sqlalchemy import func, select

    from calapi.bookings.models import Attendee, Booking
    from calapi.db import make_engine, make_sessionmaker, utcnow
    from calapi.event_types.models import EventType
    from calapi.users import service as users_service
    from calapi.workflows import planning
    from calapi.workflows.models import Workflow, WorkflowMessage, WorkflowStep

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        host = await users_service.create(
            session, email="host@example.com", username="host", name="Host", time_zone="Europe/London"
        )
        kind = EventType(owner_id=host.id, title="Call", slug="call", length_in_minutes=30)
        session.add(kind)
        await session.flush()
        start = datetime(2050, 1, 3, 9, tzinfo=UTC)
        rows = [
            Booking(
                uid=f"bench-{n:06d}",
                user_id=host.id,
                event_type_id=kind.id,
                title=f"Call between Host and Person {n}",
                start_time=start + timedelta(minutes=30 * n),
                end_time=start + timedelta(minutes=30 * n + 30),
                status="accepted",
                ical_uid=f"bench-{n:06d}@calapi",
                responses={"name": f"Person {n}", "email": f"p{n}@example.com"},
            )
            for n in range(bookings)
        ]
        session.add_all(rows)
        await session.flush()
        session.add_all(
            Attendee(booking_id=b.id, name=f"Person {n}", email=f"p{n}@example.com", time_zone="America/New_York")
            for n, b in enumerate(rows)
        )
        workflow = Workflow(
            user_id=host.id,
            name="Reminder",
            trigger="BEFORE_EVENT",
            offset_value=10,
            offset_unit="MINUTE",
            active_on_all=True,
        )
        session.add(workflow)
        await session.flush()
        for number, action in ((1, "EMAIL_ATTENDEE"), (2, "EMAIL_HOST")):
            session.add(
                WorkflowStep(
                    workflow_id=workflow.id,
                    step_number=number,
                    action=action,
                    template="REMINDER",
                    sender="Bench",
                    subject="Reminder: {EVENT_NAME} at {EVENT_DATE_ddd, MMM D, YYYY h:mma}",
                    body="<p>Hi {ATTENDEE_FIRST_NAME}, see you at {EVENT_TIME} ({TIMEZONE}).</p>",
                )
            )
        await session.commit()
    started = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        await planning.sync_workflow(session, workflow.id, now=utcnow())
    planned_in = time.perf_counter() - started
    async with sessionmaker() as session:
        count = int(await session.scalar(select(func.count()).select_from(WorkflowMessage)) or 0)
    await engine.dispose()
    return count, planned_in


async def make_due(url: str, at: datetime) -> None:
    from sqlalchemy import select, update

    from calapi.db import make_engine, make_sessionmaker
    from calapi.jobs.models import Job
    from calapi.workflows.models import WorkflowMessage

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        waiting = select(WorkflowMessage.job_id).where(WorkflowMessage.status == "scheduled")
        await session.execute(update(Job).where(Job.id.in_(waiting.scalar_subquery())).values(run_at=at))
        await session.execute(
            update(WorkflowMessage).where(WorkflowMessage.status == "scheduled").values(scheduled_at=at)
        )
    await engine.dispose()


async def sent_count(url: str) -> int:
    from sqlalchemy import func, select

    from calapi.db import make_engine, make_sessionmaker
    from calapi.workflows.models import WorkflowMessage

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        count = int(
            await session.scalar(
                select(func.count()).select_from(WorkflowMessage).where(WorkflowMessage.status == "sent")
            )
            or 0
        )
    await engine.dispose()
    return count


def start_worker(url: str, smtp_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    env.update(
        CALAPI_DATABASE_URL=url,
        CALAPI_SMTP_URL=smtp_url,
        CALAPI_EMAIL_FROM="Bench <bench@calapi.test>",
        CALAPI_LOG_LEVEL="warning",
        PYTHONPATH=str(ROOT / "src"),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "calapi", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(bookings: int, workers: int) -> dict[str, Any]:
    from tests.support.databases import create_postgres_database, drop_postgres_database

    from calapi.cli import migrate_database
    from calapi.config import load_settings

    url = await create_postgres_database(POSTGRES_BASE)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(migrate_database, load_settings(database_url=url))
        expected, planned_in = await seed(url, bookings)
        now = datetime.now(UTC)
        due = (now + timedelta(seconds=70)).replace(second=0, microsecond=0)  # the next whole minute ≥ 10 s away
        await make_due(url, due)
        procs = [start_worker(url, f"smtp://127.0.0.1:{port}") for _ in range(workers)]
        while datetime.now(UTC) < due + timedelta(seconds=120) and inbox.count() < expected:  # noqa: ASYNC110
            await asyncio.sleep(0.2)  # (the inbox fills in the SMTP server's thread)
        await asyncio.sleep(1.0)  # the last outcomes recorded
        logged = await sent_count(url)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
        controller.stop()
        await drop_postgres_database(POSTGRES_BASE, url)
    t = due.timestamp()
    firsts = [min(times) for times in inbox.arrivals.values()]
    lags = [max(0.0, a - t) for a in firsts]
    early = [a for a in firsts if a < t]
    return {
        "expected": expected,
        "arrived": len(inbox.arrivals),
        "copies": sum(len(v) for v in inbox.arrivals.values()),
        "logged_sent": logged,
        "early": len(early),
        "planned_s": planned_in,
        "last_s": max(lags) if lags else float("nan"),
        "p50_s": statistics.median(lags) if lags else float("nan"),
        "p95_s": percentile(lags, 0.95) if lags else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=1000, help="two reminders each")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(run(args.bookings, args.workers))
    print(f"Machine: {machine()}. Date: {today()}.")
    print(
        f"{result['expected']} reminders due at the same instant, {args.workers} `calapi worker` process(es): "
        f"planned in {result['planned_s']:.2f} s (workflow added after the bookings); "
        f"last accepted {result['last_s']:.2f} s after the due time; lag p50 {result['p50_s']:.2f} s, "
        f"p95 {result['p95_s']:.2f} s (target < 30 s); arrived {result['arrived']}/{result['expected']} "
        f"({result['copies']} copies), logged sent {result['logged_sent']}, early {result['early']}"
    )
    ok = result["arrived"] == result["expected"] == result["logged_sent"] and result["early"] == 0
    raise SystemExit(0 if ok and result["p95_s"] < 30 else 1)


if __name__ == "__main__":
    main()
