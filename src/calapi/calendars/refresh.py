"""``calendars.refresh``: one job per connection keeps its selected calendars' busy times fresh.

A two-phase job (``calapi.jobs.worker``): what a claimed batch needs is read in the claim's
transaction, the calendar servers are asked with no database connection held (each calendar bounded
by ``CALAPI_CALENDAR_TIMEOUT``, the calendars of a connection at once), and the outcome is written
in the worker's recording transaction. Then the job puts itself back for the next refresh, half a
staleness bound later — one job row per connection, however long it lives. It never fails for
good: a failure is recorded on the calendar (``error``) or the connection (``invalid``) and the next
refresh tries again. A connection that is gone ends its job.

Listing a CalDAV account's calendars each time keeps names up to date, finds new calendars, and is
how refused credentials are noticed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.calendars import caldav_client, fetch
from calapi.calendars.busy import REFRESH_JOB
from calapi.calendars.caldav_client import CalendarUnreachable, CredentialsRefused, RemoteCalendar
from calapi.calendars.ical import CalendarDataError
from calapi.calendars.models import CalendarBusy, CalendarCredential, ExternalCalendar, SelectedCalendar
from calapi.calendars.results import Interval
from calapi.calendars.secrets import SecretUnreadable
from calapi.calendars.settings import CalendarSettings
from calapi.db import utcnow
from calapi.jobs import worker as jobs
from calapi.jobs.models import Job
from calapi.users.models import User


@dataclass(frozen=True)
class Known:
    """A calendar of the connection as stored, with its cache's fingerprint."""

    id: int
    external_id: str
    time_zone: str | None
    selected: bool
    content_hash: str | None = None
    has_row: bool = False


@dataclass(frozen=True)
class RefreshContext:
    credential: CalendarCredential
    host_zone: str
    calendars: list[Known] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarOutcome:
    calendar_id: int
    intervals: list[Interval] | None = None  # None with no error: unchanged since last time
    content_hash: str | None = None
    error: str | None = None
    had_row: bool = False


@dataclass(frozen=True)
class RefreshOutcome:
    credential_id: int
    invalid_reason: str | None  # None: the credentials work (or could not be judged)
    judged: bool  # whether this refresh learnt anything about the credentials
    listed: list[RemoteCalendar] | None
    calendars: list[CalendarOutcome]
    covers_from: datetime
    covers_until: datetime


def window(now: datetime, horizon_days: int) -> tuple[datetime, datetime]:
    """What the cache covers: from yesterday's UTC midnight to the horizon (a day's margin each side:
    the window moves once a day, so an unchanged calendar parses once a day)."""
    start = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=1)
    return start, start + timedelta(days=horizon_days + 2)


async def load(session: AsyncSession, claimed: list[Job]) -> dict[int, RefreshContext]:
    """Everything the batch's refreshes need: four statements, whatever the batch size."""
    by_credential = {int(job.payload.get("credentialId") or 0): job.id for job in claimed}
    rows = (
        await session.execute(
            select(CalendarCredential, User.time_zone)
            .join(User, User.id == CalendarCredential.user_id)
            .where(CalendarCredential.id.in_(list(by_credential)))
        )
    ).all()
    if not rows:
        return {}
    ids = [credential.id for credential, _ in rows]
    calendars = (await session.scalars(select(ExternalCalendar).where(ExternalCalendar.credential_id.in_(ids)))).all()
    selected = {
        (row.credential_id, row.external_id)
        for row in (
            await session.execute(
                select(SelectedCalendar.credential_id, SelectedCalendar.external_id).where(
                    SelectedCalendar.credential_id.in_(ids)
                )
            )
        ).all()
    }
    hashes = {
        row.calendar_id: row.content_hash
        for row in (
            await session.execute(
                select(CalendarBusy.calendar_id, CalendarBusy.content_hash).where(
                    CalendarBusy.calendar_id.in_([c.id for c in calendars])
                )
            )
        ).all()
    }
    contexts: dict[int, RefreshContext] = {}
    for credential, time_zone in rows:
        known = [
            Known(
                id=c.id,
                external_id=c.external_id,
                time_zone=c.time_zone,
                selected=(credential.id, c.external_id) in selected,
                content_hash=hashes.get(c.id),
                has_row=c.id in hashes,
            )
            for c in calendars
            if c.credential_id == credential.id
        ]
        session.expunge(credential)
        contexts[by_credential[credential.id]] = RefreshContext(credential, time_zone or "UTC", known)
    return contexts


async def refresh(context: RefreshContext, config: CalendarSettings, *, now: datetime) -> RefreshOutcome:
    """Ask the servers; never raises (every failure is part of the outcome)."""
    credential = context.credential
    start, end = window(now, config.horizon_days)
    selected = [c for c in context.calendars if c.selected]
    try:
        secrets = fetch.open_secrets(credential, config)
    except SecretUnreadable as exc:
        failed = [CalendarOutcome(c.id, error=str(exc), had_row=c.has_row) for c in selected]
        return RefreshOutcome(credential.id, str(exc), True, None, failed, start, end)
    invalid: str | None = None
    judged = False
    listed: list[RemoteCalendar] | None = None
    if secrets.account is not None:
        try:
            listed = await caldav_client.list_calendars(
                secrets.account, timeout=config.timeout, allow_private=config.allow_private
            )
            judged = True
        except CredentialsRefused as exc:
            invalid, judged = str(exc), True
        except CalendarUnreachable:
            pass  # each selected calendar records its own failure below

    async def one(calendar: Known) -> CalendarOutcome:
        if invalid is not None:
            return CalendarOutcome(calendar.id, error=invalid, had_row=calendar.has_row)
        try:
            source = secrets.source(calendar.external_id, time_zone=calendar.time_zone)
            got = await fetch.busy(
                source, start, end, host_zone=context.host_zone, config=config, known_hash=calendar.content_hash
            )
        except (CalendarUnreachable, CredentialsRefused, CalendarDataError) as exc:
            return CalendarOutcome(calendar.id, error=str(exc), had_row=calendar.has_row)
        return CalendarOutcome(calendar.id, got.intervals, got.content_hash, had_row=calendar.has_row)

    outcomes = list(await asyncio.gather(*(one(c) for c in selected)))
    if secrets.account is None and selected and all(o.error is None for o in outcomes):
        judged = True  # every feed answered
    return RefreshOutcome(credential.id, invalid, judged, listed, outcomes, start, end)


async def record(session: AsyncSession, outcome: RefreshOutcome, *, now: datetime) -> bool:
    """Write what a refresh learnt; False when the connection is gone meanwhile (nothing written)."""
    credential = await session.get(CalendarCredential, outcome.credential_id)
    if credential is None:
        return False
    if outcome.judged:
        credential.invalid = outcome.invalid_reason is not None
        credential.invalid_reason = outcome.invalid_reason
    if outcome.listed is not None:
        await sync_listing(session, credential.id, outcome.listed)
    for calendar in outcome.calendars:
        values: dict[str, object]
        if calendar.error is not None:
            values = {"error": calendar.error[:500], "failed_at": now}
        elif calendar.intervals is None:
            values = {"fetched_at": now, "error": None, "failed_at": None}
        else:
            values = {
                "intervals": [list(i) for i in calendar.intervals],
                "covers_from": outcome.covers_from,
                "covers_until": outcome.covers_until,
                "fetched_at": now,
                "content_hash": calendar.content_hash,
                "error": None,
                "failed_at": None,
            }
        if calendar.had_row:
            await session.execute(
                update(CalendarBusy).where(CalendarBusy.calendar_id == calendar.calendar_id).values(**values)
            )
        else:
            base: dict[str, object] = {
                "calendar_id": calendar.calendar_id,
                "intervals": [],
                "covers_from": outcome.covers_from,
                "covers_until": outcome.covers_until,
                "fetched_at": None,
            }
            # As parameters, not inline values: the availability change log reads the calendar id.
            await session.execute(insert(CalendarBusy), [{**base, **values}])
    await session.flush()
    return True


async def sync_listing(session: AsyncSession, credential_id: int, listed: list[RemoteCalendar]) -> None:
    """Store an account's calendars as just listed: new ones added, names updated. One that is no
    longer listed stays (a selection or destination naming it keeps its meaning; its fetches fail)."""
    stored = {
        c.external_id: c
        for c in (
            await session.scalars(select(ExternalCalendar).where(ExternalCalendar.credential_id == credential_id))
        ).all()
    }
    first = not stored
    for position, remote in enumerate(listed):
        row = stored.get(remote.external_id)
        if row is None:
            session.add(
                ExternalCalendar(
                    credential_id=credential_id,
                    external_id=remote.external_id,
                    name=remote.name[:255] if remote.name else None,
                    read_only=remote.read_only,
                    primary=first and position == 0,
                    time_zone=remote.time_zone,
                )
            )
        else:
            if remote.name and row.name != remote.name[:255]:
                row.name = remote.name[:255]
            row.read_only = remote.read_only
            row.time_zone = remote.time_zone
    await session.flush()


def register(settings_of: CalendarSettings) -> None:
    config = settings_of

    async def perform(job: Job, context: RefreshContext | None) -> jobs.Record | None:
        if context is None:
            return None  # the connection is gone: the job ends here
        now = utcnow()
        outcome = await refresh(context, config, now=now)
        next_run = utcnow() + timedelta(seconds=config.refresh_every)

        async def write(session: AsyncSession) -> None:
            if await record(session, outcome, now=now):
                raise jobs.RetryLater("refreshed; the next refresh is due", at=next_run, count_attempt=False)

        return write

    jobs.register(REFRESH_JOB, jobs.Handler(load=load, perform=perform))
