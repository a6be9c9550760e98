"""The cold fetch of a 500-event calendar from Radicale, as the refresh job does it (issue 14).

A Radicale server started here (the test dependency) holds one calendar: 480 single events and 20
weekly series (26 weeks each, RRULE), each event its own object. Timed: ``calendars.fetch.busy``
over the refresh window (yesterday + 180 days): the CalDAV ``calendar-query`` and the expansion
into busy intervals (a cold fetch), then the same with the content hash known (what a refresh of
an unchanged calendar costs: the query, no parsing). The figures are medians of ``--runs`` runs.

Run: .venv/bin/python bench/bench_calendar_cold_fetch.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.common import machine, today

USER, PASSWORD = "bench", "bench-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_radicale(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            f"--server-hosts=127.0.0.1:{port}",
            f"--storage-filesystem-folder={folder / 'collections'}",
            "--auth-type=htpasswd",
            f"--auth-htpasswd-filename={users}",
            "--auth-htpasswd-encryption=plain",
            "--auth-delay=0",
            "--rights-type=owner_only",
            "--logging-level=warning",
        ]
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("radicale did not start") from None
            time.sleep(0.1)


def _event(uid: str, start: datetime, minutes: int, rule: str | None = None) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calapi bench//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261201T000000Z",
        f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/London:{start + timedelta(minutes=minutes):%Y%m%dT%H%M%S}",
        f"SUMMARY:{uid}",
    ]
    if rule:
        lines.append(rule)
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


async def _fill(base: str) -> str:
    rng = random.Random(20261207)
    url = f"{base}/{USER}/work/"
    first = datetime.now(UTC).date()
    async with httpx.AsyncClient(auth=(USER, PASSWORD), timeout=30) as http:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            "<D:displayname>Work</D:displayname></D:prop></D:set></C:mkcalendar>"
        )
        assert (await http.request("MKCALENDAR", url, content=body.encode())).status_code in (200, 201)
        events = []
        for i in range(480):  # single events, 30–90 minutes, 07:00–20:00, over the horizon
            day = first + timedelta(days=rng.randrange(180))
            start = datetime(day.year, day.month, day.day, 7) + timedelta(minutes=15 * rng.randrange(52))
            events.append((f"single-{i}", _event(f"single-{i}", start, rng.choice((30, 60, 90)))))
        for i in range(20):  # weekly series, an hour, 26 weeks
            day = first + timedelta(days=rng.randrange(7))
            start = datetime(day.year, day.month, day.day, rng.randrange(8, 18))
            events.append((f"weekly-{i}", _event(f"weekly-{i}", start, 60, "RRULE:FREQ=WEEKLY;COUNT=26")))
        for uid, text in events:
            response = await http.put(
                f"{url}{uid}.ics", content=text.encode(), headers={"Content-Type": "text/calendar"}
            )
            assert response.status_code in (201, 204), response.text
    return url


async def _run(args: argparse.Namespace) -> None:
    from calapi.calendars import fetch
    from calapi.calendars.caldav_client import Account
    from calapi.calendars.refresh import window
    from calapi.calendars.settings import calendar_settings
    from calapi.config import load_settings

    folder = Path(tempfile.mkdtemp(prefix="calapi-bench-radicale-"))
    process, base = _start_radicale(folder)
    try:
        url = await _fill(base)
        settings = load_settings(
            database_url="sqlite+aiosqlite:///:memory:",
            calendar_private_networks_allowed=True,
            calendar_timeout="60s",
        )
        config = calendar_settings(settings)
        source = fetch.Source(url, account=Account(f"{base}/{USER}/", USER, PASSWORD))
        start, end = window(datetime.now(UTC), config.horizon_days)
        cold: list[float] = []
        unchanged: list[float] = []
        intervals = 0
        for _ in range(args.runs):
            began = time.perf_counter()
            got = await fetch.busy(source, start, end, host_zone="Europe/London", config=config)
            cold.append((time.perf_counter() - began) * 1000)
            intervals = len(got.intervals or ())
            began = time.perf_counter()
            again = await fetch.busy(
                source, start, end, host_zone="Europe/London", config=config, known_hash=got.content_hash
            )
            unchanged.append((time.perf_counter() - began) * 1000)
            assert again.intervals is None
        objects = len(await fetch.texts(source, start, end, config))
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"Machine: {machine()}. Date: {today()}.")
    print(f"500 events (480 single, 20 weekly series of 26): {objects} objects answered, {intervals} busy intervals.")
    print("| fetch | median ms | min ms |\n| --- | ---: | ---: |")
    print(f"| cold (query + expansion) | {statistics.median(cold):.0f} | {min(cold):.0f} |")
    print(f"| unchanged (query, hash known) | {statistics.median(unchanged):.0f} | {min(unchanged):.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
