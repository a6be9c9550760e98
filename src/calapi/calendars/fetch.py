"""One calendar's busy intervals, fetched now: from its CalDAV server or its feed, then parsed
(in a thread: a large calendar takes a moment of CPU, which must not stall the event loop).

Used by the refresh job (into the cache), by ``GET /v2/calendars/busy-times`` and when a
connection is made (to prove it works).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime

from calapi.calendars import caldav_client, feeds, ical
from calapi.calendars.caldav_client import Account, CalendarUnreachable
from calapi.calendars.models import CalendarCredential, CredentialType
from calapi.calendars.results import Interval
from calapi.calendars.secrets import SecretUnreadable
from calapi.calendars.settings import CalendarSettings


@dataclass(frozen=True)
class Source:
    """Where one calendar's data comes from: a CalDAV collection of an account, or a feed URL."""

    external_id: str
    account: Account | None = None
    feed_url: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class Secrets:
    """A credential's secret, opened: the CalDAV account, or the feed URLs by external id."""

    account: Account | None
    feeds: dict[str, str]

    def source(self, external_id: str, *, time_zone: str | None = None) -> Source:
        if self.account is not None:
            return Source(external_id, account=self.account, time_zone=time_zone)
        url = self.feeds.get(external_id)
        if url is None:
            raise CalendarUnreachable("this feed is not part of the connection any more")
        return Source(external_id, feed_url=url, time_zone=time_zone)


def open_secrets(credential: CalendarCredential, config: CalendarSettings) -> Secrets:
    """Raises ``SecretUnreadable`` for a secret written under another key."""
    value = config.cipher.open(credential.secret)
    if credential.type == CredentialType.ics_feed.value:
        feeds_by_id = value.get("feeds")
        if not isinstance(feeds_by_id, dict):
            raise SecretUnreadable("the stored feeds are damaged: save the feeds again")
        return Secrets(None, {str(k): str(v) for k, v in feeds_by_id.items()})
    account = Account(
        url=credential.url or "", username=credential.username or "", password=str(value.get("password", ""))
    )
    return Secrets(account, {})


def feed_id(url: str) -> str:
    """A feed calendar's ``externalId``: stable for its URL and telling nothing of it (a private
    feed's URL is a password)."""
    return "ics-" + hashlib.sha256(feeds.normal_url(url).encode()).hexdigest()[:24]


async def texts(source: Source, start: datetime, end: datetime, config: CalendarSettings) -> list[str | bytes]:
    if source.account is not None:
        return list(
            await caldav_client.events_between(
                source.account,
                source.external_id,
                start,
                end,
                timeout=config.timeout,
                allow_private=config.allow_private,
            )
        )
    assert source.feed_url is not None
    return [await feeds.fetch(source.feed_url, timeout=config.timeout, allow_private=config.allow_private)]


def content_hash(parts: list[str | bytes], *, host_zone: str, start: datetime, end: datetime) -> str:
    digest = hashlib.sha256(f"{host_zone}|{start.isoformat()}|{end.isoformat()}".encode())
    for part in parts:
        digest.update(b"\x00")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Fetched:
    """``intervals`` None: the data is what was parsed last time (same ``content_hash``)."""

    intervals: list[Interval] | None
    content_hash: str


async def busy(
    source: Source,
    start: datetime,
    end: datetime,
    *,
    host_zone: str,
    config: CalendarSettings,
    known_hash: str | None = None,
) -> Fetched:
    """Raises ``CalendarUnreachable``, ``CredentialsRefused`` or ``ical.CalendarDataError``."""
    parts = await texts(source, start, end, config)
    digest = content_hash(parts, host_zone=host_zone, start=start, end=end)
    if digest == known_hash:
        return Fetched(None, digest)
    intervals = await asyncio.to_thread(
        ical.busy_intervals, parts, start=start, end=end, host_zone=host_zone, calendar_zone=source.time_zone
    )
    return Fetched(intervals, digest)
