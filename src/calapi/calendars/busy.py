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

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import Label, and_, case, null, select, update
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


# Calendars whose decoded intervals are kept in process (``_decoded``).
MAX_DECODED = 10_000


@dataclass(slots=True)
class _Decoded:
    """A calendar's stored intervals, decoded once per stored version: ``starts`` and ``ends`` are
    sorted (the stored list is sorted and merged), so a window is two bisections. ``window`` keeps the
    last window's slice, the same list while the window's bounds select the same intervals."""

    version: datetime | None
    starts: list[int]
    ends: list[int]
    intervals: list[Interval]
    window: tuple[int, int, list[Interval]] = field(default=(0, 0, []))

    def inside(self, low: int, high: int) -> list[Interval]:
        """The intervals meeting [low, high) (shared: never changed in place)."""
        first, last = bisect_right(self.ends, low), bisect_left(self.starts, high)
        if last <= first:
            return []
        if self.window[:2] != (first, last):
            self.window = (first, last, self.intervals[first:last])
        return self.window[2]


# Per calendar id, its decoded intervals and the stored version they were decoded from; per host,
# the calendars its last read found (whose kept versions the next read sends). A statement returns
# a calendar's stored list unless its stored version is the kept one, so what is used is never
# older than what the database holds: only the transfer and the decoding are skipped.
_decoded: OrderedDict[int, _Decoded] = OrderedDict()
_calendars_of: dict[int, tuple[int, ...]] = {}


def _version(row: Any) -> datetime | None:
    """What identifies a stored interval list: its ``fetched_at``. The refresh job's ``record`` (the
    only writer of the list) writes a new one with every list; a row never fetched is decoded every
    time."""
    fetched_at: datetime | None = row.fetched_at
    return fetched_at


def _unless_kept(known: dict[int, _Decoded]) -> Label[Any]:
    """The stored intervals, NULL for a calendar whose kept version is still the stored one."""
    if not known:
        return CalendarBusy.intervals.label("intervals")
    whens = [
        (and_(ExternalCalendar.id == calendar_id, CalendarBusy.fetched_at == kept.version), null())
        for calendar_id, kept in known.items()
    ]
    return case(*whens, else_=CalendarBusy.intervals).label("intervals")


def _decode(calendar_id: int, version: datetime | None, stored: Any, kept: _Decoded | None) -> _Decoded:
    if stored is None and kept is not None and version is not None and kept.version == version:
        if calendar_id in _decoded:
            _decoded.move_to_end(calendar_id)
        return kept
    intervals = merge((int(s), int(e)) for s, e in stored or ())  # stored merged; once per version
    decoded = _Decoded(version, [s for s, _ in intervals], [e for _, e in intervals], intervals)
    if version is not None:
        _decoded[calendar_id] = decoded
        _decoded.move_to_end(calendar_id)
        while len(_decoded) > MAX_DECODED:
            _decoded.popitem(last=False)
    return decoded


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


@dataclass(frozen=True, slots=True)
class KeptCalendar:
    """A host's selected calendar as stored: its name for the answers, how fresh and how far its
    busy times are, and its intervals decoded (once per stored version)."""

    label: str
    fetched_at: datetime | None
    covers: tuple[datetime, datetime] | None
    decoded: _Decoded


async def read_calendars(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, tuple[KeptCalendar, ...]]:
    """Each host's selected calendars as stored, one statement, no network; every host asked is a key
    (an empty tuple: no selected calendar)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    # The kept versions of the calendars these hosts had last time, taken before the statement: the
    # rows it answers NULL for are decoded from this snapshot (another listing may replace entries).
    known = {
        calendar_id: _decoded[calendar_id]
        for user_id in ids
        for calendar_id in _calendars_of.get(user_id, ())
        if calendar_id in _decoded
    }
    rows = (
        await session.execute(
            select(
                SelectedCalendar.user_id,
                ExternalCalendar.id,
                ExternalCalendar.name,
                ExternalCalendar.external_id,
                _unless_kept(known),
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
    found: dict[int, list[KeptCalendar]] = {user_id: [] for user_id in ids}
    calendars_of: dict[int, list[int]] = {user_id: [] for user_id in ids}
    for row in rows:
        covers = (row.covers_from, row.covers_until) if row.covers_from is not None else None
        decoded = _decode(row.id, _version(row), row.intervals, known.get(row.id))
        found[row.user_id].append(KeptCalendar(row.name or row.external_id, row.fetched_at, covers, decoded))
        calendars_of[row.user_id].append(row.id)
    for user_id, calendar_ids in calendars_of.items():
        if calendar_ids:
            _calendars_of[user_id] = tuple(calendar_ids)
        else:
            _calendars_of.pop(user_id, None)
    return {user_id: tuple(calendars) for user_id, calendars in found.items()}


def busy_inside(
    calendars_of: dict[int, tuple[KeptCalendar, ...]], start: datetime, end: datetime, *, now: datetime, ttl: float
) -> HostsBusy:
    """Each host's busy intervals inside ``start``–``end`` from these calendars, and the calendars
    whose data is stale or does not cover the range. Hosts without a calendar are absent from ``busy``."""
    low, high = int(start.timestamp()), int(end.timestamp())
    busy: dict[int, list[Interval]] = {}
    stale: set[str] = set()
    for user_id, calendars in calendars_of.items():
        if not calendars:
            continue
        for calendar in calendars:
            if is_stale(calendar.fetched_at, calendar.covers, now=now, ttl=ttl, start=start, end=end):
                stale.add(calendar.label)
        # One calendar's list is already sorted and merged: it is passed on as it is (the same list
        # while nothing changed, which lets the slot cache keep its merge).
        parts = [calendar.decoded.inside(low, high) for calendar in calendars]
        busy[user_id] = parts[0] if len(parts) == 1 else merge(i for part in parts for i in part)
    return HostsBusy(busy, sorted(stale))


async def busy_for_hosts(
    session: AsyncSession, user_ids: Iterable[int], start: datetime, end: datetime, *, now: datetime, ttl: float
) -> HostsBusy:
    """Each host's busy intervals from their selected calendars inside ``start``–``end``: one query,
    no network. Hosts without a selected calendar are absent from ``busy``."""
    return busy_inside(await read_calendars(session, user_ids), start, end, now=now, ttl=ttl)


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
