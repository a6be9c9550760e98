"""Webhook delivery: throughput against bare httpx POSTs, and commit-to-delivery latency.

1. Throughput (PostgreSQL): N events are written to the outbox (a user-level subscription matches
   each), then one — and in a second round two — ``calapi worker`` processes fan them out and
   deliver them to a local asyncio receiver. Rate = deliveries ÷ (last arrival − first arrival);
   every event must arrive. The worker runs with the default per-subscriber in-flight limit
   (``webhook_max_in_flight_per_subscriber``). Baselines in the same run, same receiver, same body
   size: bare ``httpx`` POSTs from a process of their own on the worker's event loop (uvloop), at
   the concurrency the worker is allowed toward that one subscriber and at 32 (a worker's whole
   pool), and, as in earlier runs, from inside the receiver's process. The reference is the faster
   of the two bare runs at the per-subscriber limit (target: one worker ≥ 0.5 × it). Also the
   worker's CPU per delivery (Linux /proc).
2. Latency: sequential bookings through the API with an idle queue; time from the booking response
   (sent after commit) to the receiver's arrival, p50/p95 (target: p50 < 250 ms). Embedded mode
   (SQLite, in-process worker woken on commit), and PostgreSQL with one ``calapi worker`` process
   at its default poll interval (woken by NOTIFY).

Run: .venv/bin/python bench/bench_webhooks.py [--events 2000] [--bookings 60]
     [--worker-prefix "py-spy record -o worker.svg --"]   (profile the one-worker round)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench.common import machine, today  # noqa: E402  (after the path is set)

POSTGRES_BASE = os.environ.get("CALAPI_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


class Receiver:
    """A minimal keep-alive HTTP/1.1 receiver: records arrival time per ``webhook-id`` / booking uid."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.by_body: dict[str, float] = {}
        self.server: asyncio.AbstractServer | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                now = time.perf_counter()
                self.arrivals.append(now)
                marker = body.find(b'"uid":"')
                if marker >= 0:
                    uid = body[marker + 7 : body.index(b'"', marker + 7)].decode()
                    self.by_body.setdefault(uid, now)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def bare_posts(url: str, count: int, concurrency: int, body: bytes) -> float:
    """``count`` POSTs of ``body`` from ``concurrency`` tasks on one httpx client; → POSTs per second."""
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:
        queue = iter(range(count))

        async def one() -> None:
            for _ in queue:
                await client.post(url, content=body, headers={"Content-Type": "application/json"})

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


def run_loop(main: Any) -> Any:
    """Run a coroutine on uvloop when installed — the loop ``calapi worker`` runs on."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def bare_process(receiver: Receiver, count: int, concurrency: int, body: bytes) -> float:
    """Bare httpx POSTs from a process of their own (as a worker is one), on the worker's event loop;
    rate measured like the worker's: arrivals at the receiver ÷ (last − first)."""
    receiver.arrivals.clear()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--bare-client", receiver.url, str(count), str(concurrency), str(len(body)), cwd=ROOT
    )
    await proc.wait()
    arrivals = receiver.arrivals
    if len(arrivals) != count:
        raise SystemExit(f"bare client: {len(arrivals)} of {count} POSTs arrived")
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def bare_body(size: int) -> bytes:
    head = b'{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-01-01T00:00:00.000Z","payload":{"pad":"'
    return head + b"x" * (size - len(head) - 3) + b'"}}'


async def worker_round(
    url: str, receiver: Receiver, events: int, workers: int, user_id: int, profile: str | None = None
) -> tuple[float, float]:
    """→ (deliveries per second, worker CPU µs per event)."""
    from calapi.db import make_engine, make_sessionmaker
    from calapi.jobs.outbox import record_event

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        for n in range(events):
            await record_event(
                session, "BOOKING_CREATED", {"uid": f"w{workers}-{n}", "n": n, "pad": "x" * 1500}, owner_user_id=user_id
            )
        await session.commit()
    await engine.dispose()
    receiver.arrivals.clear()
    # --worker-prefix: the (first) worker runs under a profiler, e.g. "py-spy record -o w.svg --"
    prefix = shlex.split(profile) if profile else []
    procs = [start_worker(url, "--poll-interval", "0.05", prefix=prefix if n == 0 else []) for n in range(workers)]
    try:
        deadline = time.monotonic() + 120
        while not receiver.arrivals and time.monotonic() < deadline:  # noqa: ASYNC110  (a poll that measures)
            await asyncio.sleep(0.002)
        # CPU from the first arrival on: start-up (imports, connecting) left out
        cpu_start, first_seen = sum(_cpu_seconds(proc.pid) for proc in procs), len(receiver.arrivals)
        while len(receiver.arrivals) < events and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        cpu = sum(_cpu_seconds(proc.pid) for proc in procs) - cpu_start
    finally:
        for proc in procs:
            # SIGINT to the whole group: the worker stops, a profiler wrapping it writes its output
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    missing = [n for n in range(events) if f"w{workers}-{n}" not in receiver.by_body]
    if missing:
        raise SystemExit(f"{len(missing)} of {events} events never arrived (with {workers} worker(s))")
    arrivals = receiver.arrivals[:events]
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]), cpu * 1e6 / max(1, len(arrivals) - first_seen)


def start_worker(url: str, *options: str, prefix: list[str] | None = None) -> subprocess.Popen[bytes]:
    """A `calapi worker` process on ``url`` with the default settings (per-subscriber limit included:
    what a real deployment gives one subscriber), in a process group of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALAPI_")}
    env.update(CALAPI_DATABASE_URL=url, CALAPI_LOG_LEVEL="warning")
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-m", "calapi", "worker", *options],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc), start-up included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(
    events: int, limit: int, profile: str | None
) -> tuple[Bare, tuple[float, float], tuple[float, float]]:
    import uuid

    from tests.support.databases import create_postgres_database, drop_postgres_database

    from calapi.cli import migrate_database
    from calapi.config import load_settings
    from calapi.db import make_engine, make_sessionmaker, utcnow
    from calapi.users import service as users_service
    from calapi.webhooks.models import Webhook

    receiver = Receiver()
    await receiver.start()
    url = await create_postgres_database(POSTGRES_BASE)
    try:
        await asyncio.to_thread(migrate_database, load_settings(database_url=url))
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            user = await users_service.create(
                session, email="b@example.com", username="bench", name="Bench", time_zone="UTC", admin=False
            )
            session.add(
                Webhook(
                    id=str(uuid.uuid4()),
                    user_id=user.id,
                    subscriber_url=receiver.url,
                    triggers=["BOOKING_CREATED"],
                    active=True,
                    secret="bench-secret",
                    created_at=utcnow(),
                )
            )
            await session.commit()
            user_id = user.id
        await engine.dispose()
        # the size of the worker's bodies: the envelope around {"uid", "n", "pad": 1,500 × "x"}
        body = bare_body(1620)
        bare_fair = await bare_process(receiver, events, limit, body)
        bare_32 = await bare_process(receiver, events, 32, body)
        bare_inline = await bare_posts(receiver.url, events, limit, body)
        one = await worker_round(url, receiver, events, 1, user_id, profile)
        two = await worker_round(url, receiver, events, 2, user_id)
    finally:
        await drop_postgres_database(POSTGRES_BASE, url)
    return Bare(bare_fair, bare_32, bare_inline), one, two


@dataclass
class Bare:
    fair: float  # own process, at the per-subscriber limit: the reference
    pool: float  # own process, 32 concurrent (a worker's whole pool)
    inline: float  # in the receiver's process (the baseline of the earlier runs)


async def commit_to_delivery(app: Any, receiver: Receiver, bookings: int) -> tuple[float, float]:
    """Sequential bookings through the API, idle between them; → p50, p95 of booking response → arrival (ms)."""
    from asgi_lifespan import LifespanManager
    from tests.bookings.conftest import book, make_event_type, make_schedule
    from tests.support.factories import make_user

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        host = await make_user(app, "host", time_zone="UTC")
        await make_schedule(client, host)
        event_type = await make_event_type(client, host, "bench")
        await client.post(
            "/v2/webhooks",
            headers=host.headers,
            json={"subscriberUrl": receiver.url, "active": True, "triggers": ["BOOKING_CREATED"], "secret": "s"},
        )
        samples = []
        for n in range(bookings + 1):  # the first one warms up (and is not counted)
            day, slot = divmod(n, 16)
            start = f"2050-{9 + day // 20:02d}-{1 + day % 20:02d}"
            response = await book(
                client,
                event_type,
                f"2050-09-{5 + (day % 5):02d}T{9 + slot // 2:02d}:{30 * (slot % 2):02d}:00.000Z"
                if day < 5
                else f"{start}T09:00:00.000Z",
            )
            committed = time.perf_counter()
            uid = response.json()["data"]["uid"]
            while uid not in receiver.by_body:
                if time.perf_counter() - committed > 30:
                    raise SystemExit(f"booking {uid} was not delivered within 30 s")
                await asyncio.sleep(0.001)
            if n:
                samples.append((receiver.by_body[uid] - committed) * 1000)
            await asyncio.sleep(0.2)  # idle queue between bookings
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def latency_embedded(bookings: int) -> tuple[float, float]:
    """Embedded mode: SQLite, the worker inside the API process, woken on commit."""
    from calapi.app import create_app
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    receiver = Receiver()
    await receiver.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(database_url=f"sqlite+aiosqlite:///{folder}/bench.db", run_worker=True)
        await asyncio.to_thread(migrate_database, settings)
        return await commit_to_delivery(create_app(settings), receiver, bookings)


async def latency_worker_process(bookings: int) -> tuple[float, float]:
    """Scaled mode: PostgreSQL, one `calapi worker` process with its default poll interval (1 s)."""
    from tests.support.databases import create_postgres_database, drop_postgres_database

    from calapi.app import create_app
    from calapi.cli import migrate_database
    from calapi.config import load_settings

    receiver = Receiver()
    await receiver.start()
    url = await create_postgres_database(POSTGRES_BASE)
    try:
        settings = load_settings(database_url=url, run_worker=False)
        await asyncio.to_thread(migrate_database, settings)
        proc = start_worker(url)
        try:
            return await commit_to_delivery(create_app(settings), receiver, bookings)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    finally:
        await drop_postgres_database(POSTGRES_BASE, url)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--bookings", type=int, default=60)
    parser.add_argument(
        "--worker-prefix", help='run the one-worker round under this command, e.g. "py-spy record -o w.svg --"'
    )
    args = parser.parse_args()
    from calapi.config import Settings

    limit = Settings().webhook_max_in_flight_per_subscriber
    print(f"Machine: {machine()}. Date: {today()}.")
    print("| measure | value | target |\n| --- | ---: | --- |", flush=True)
    bare, (one, one_cpu), (two, two_cpu) = await throughput(args.events, limit, args.worker_prefix)
    print(f"| bare httpx POSTs, own process, {limit} concurrent (= per-subscriber limit) | {bare.fair:.0f}/s | |")
    print(f"| bare httpx POSTs, own process, 32 concurrent | {bare.pool:.0f}/s | |")
    print(f"| bare httpx POSTs, in the receiver's process, {limit} concurrent | {bare.inline:.0f}/s | |")
    best = max(bare.fair, bare.inline)  # the reference: the faster of the two bare runs at the limit
    print(
        f"| 1 `calapi worker` (PostgreSQL, limit {limit}) | {one:.0f}/s ({one / best:.2f} × best bare {limit}) "
        f"| ≥ 0.5 × bare {'✔' if one / best >= 0.5 else '✘'} |"
    )
    print(
        f"| 2 `calapi worker` (PostgreSQL, limit {limit} each) | {two:.0f}/s ({two / best:.2f} × best bare {limit}) | |"
    )
    print(
        f"| worker CPU per delivery (from the first arrival on: sending + recording; fan-outs ran before) "
        f"| 1 worker {one_cpu:.0f} µs, 2 workers {two_cpu:.0f} µs | |",
        flush=True,
    )
    p50, p95 = await latency_embedded(min(args.bookings, 75))
    print(
        f"| commit → delivery, embedded (SQLite), idle queue | p50 {p50:.1f} ms, p95 {p95:.1f} ms | p50 < 250 ms {'✔' if p50 < 250 else '✘'} |",
        flush=True,
    )
    pg_p50, pg_p95 = await latency_worker_process(min(args.bookings, 75))
    print(
        f"| commit → delivery, PostgreSQL + 1 `calapi worker` (poll 1 s, NOTIFY), idle queue | p50 {pg_p50:.1f} ms, p95 {pg_p95:.1f} ms "
        f"| p50 < 250 ms {'✔' if pg_p50 < 250 else '✘'} |"
    )


def bare_client(url: str, count: int, concurrency: int, size: int) -> None:
    run_loop(bare_posts(url, count, concurrency, bare_body(size)))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--bare-client":
        bare_client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        asyncio.run(main())
