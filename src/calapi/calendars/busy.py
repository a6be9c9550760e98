"""Busy times from the hosts' calendars, as the slot engine's inputs need them.

The request path never calls a calendar server: ``busy_for_hosts`` reads the per-calendar cache
(``calendar_busy``) in one statement. The cache is kept by the job engine: each connection has one
``calendars.refresh`` job that runs again every half of ``CALAPI_CALENDAR_CACHE_TTL``
(``calendars/refresh.py``), and connecting or selecting a calendar runs it at once
(``request_refresh``). So while the worker runs, the data is never older than the bound; a calendar
whose last good data is older — its server is down, slow or refusing, or the worker is — is still
used (its last good data), and named in ``stale`` so an answer can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.calendars.ical import merge
from calapi.calendars.models import CalendarBusy, ExternalCalendar, SelectedCalendar
from calapi.calendars.results import HostsBusy, Interval
from calapi.db import utcnow
from calapi.jobs.models import Job, JobStatus
from calapi.jobs.worker import enqueue

REFRESH_JOB = "calendars.refresh"
# Names the calendars an answer used stale busy times of (percent-encoded, ", "-separated).
STALE_HEADER = "Calapi-Stale-Calendars"


def stale_header_value(names: Iterable[str]) -> str:
    return ", ".join(quote(name, safe=" ") for name in names)


def is_stale(
    fetched_at: datetime | None,
    covers: tuple[datetime, datetime] | None,
    *,
    now: datetime,
    ttl: float,
    start: datetime | None = None,
    end: datetime | None = None,
) -> bool:
    """No good data yet, data older than the bound, or data that does not cover ``start``–``end``."""
    if fetched_at is None or covers is None or now - fetched_at > timedelta(seconds=ttl):
        return True
    if start is not None and start < covers[0]:
        return True
    return end is not None and end > covers[1]


async def busy_for_hosts(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime, *, now: datetime, ttl: float
) -> HostsBusy:
    """Each host's busy intervals from their selected calendars inside ``start``–``end``: one query,
    no network. Hosts without a selected calendar are absent from ``busy``."""
    ids = sorted(set(user_ids))
    if not ids:
        return HostsBusy({}, [])
    rows = (
        await session.execute(
            select(
                SelectedCalendar.user_id,
                ExternalCalendar.name,
                ExternalCalendar.external_id,
                CalendarBusy.intervals,
                CalendarBusy.covers_from,
                CalendarBusy.covers_until,
                CalendarBusy.fetched_at,
            )
            .join(
                ExternalCalendar,
                and_(
                    ExternalCalendar.credential_id == SelectedCalendar.credential_id,
                    ExternalCalendar.external_id == SelectedCalendar.external_id,
                ),
            )
            .outerjoin(CalendarBusy, CalendarBusy.calendar_id == ExternalCalendar.id)
            .where(SelectedCalendar.user_id.in_(ids))
        )
    ).all()
    low, high = int(start.timestamp()), int(end.timestamp())
    found: dict[int, list[Interval]] = {}
    stale: list[str] = []
    for row in rows:
        covers = (row.covers_from, row.covers_until) if row.covers_from is not None else None
        if is_stale(row.fetched_at, covers, now=now, ttl=ttl, start=start, end=end):
            stale.append(row.name or row.external_id)
        inside = [(s, e) for s, e in row.intervals or () if s < high and e > low]
        found.setdefault(row.user_id, []).extend(inside)
    return HostsBusy({user: merge(intervals) for user, intervals in found.items()}, sorted(set(stale)))


async def request_refresh(session: AsyncSession, credential_id: int) -> None:
    """Run the connection's refresh job now (in the caller's transaction): the waiting one is moved
    up, or a new one is added when there is none. A running one picks the change up next time."""
    waiting = (
        await session.execute(
            select(Job.id, Job.status).where(
                Job.kind == REFRESH_JOB,
                Job.status.in_([JobStatus.pending.value, JobStatus.running.value]),
                Job.payload["credentialId"].as_integer() == credential_id,
            )
        )
    ).first()
    if waiting is None:
        enqueue(session, REFRESH_JOB, {"credentialId": credential_id})
    elif waiting.status == JobStatus.pending.value:
        await session.execute(update(Job).where(Job.id == waiting.id).values(run_at=utcnow()))
