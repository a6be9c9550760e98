"""The CalDAV adapter: list an account's calendars, read events in a window, write and delete one.

Built on the ``caldav`` library's asyncio client (``caldav.aio``), so a slow server holds no
thread. Every call is bounded by the caller's ``timeout`` as a whole (``asyncio.timeout``: an
answer that never comes is cancelled, not waited for), and the server's address passes the SSRF
guard (``core/ssrf.py``) before each call. The guard checks the address the name resolves to just
before the library connects; unlike webhook attempts the library resolves the name again itself,
which leaves a DNS change in between possible — the window is the same few milliseconds.

Errors come out as two kinds: ``CredentialsRefused`` (the server said 401/403: the connection is
invalid until the user fixes it) and ``CalendarUnreachable`` (anything else: a timeout, a refused
connection, an error answer; the last good data stays in use).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urljoin

from caldav import aio
from caldav.lib import error as caldav_error

from calapi.core import ssrf


class CalendarUnreachable(Exception):
    """The calendar could not be read or written now; the message is the reason, without secrets."""


class CredentialsRefused(Exception):
    """The server refused the username or password."""


@dataclass(frozen=True)
class Account:
    url: str
    username: str
    password: str = ""

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Account(url={self.url!r}, username={self.username!r})"


@dataclass(frozen=True)
class RemoteCalendar:
    external_id: str  # the collection's URL
    name: str | None
    time_zone: str | None = None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "the calendar server did not answer in time"
    text = str(exc).split("\n", 1)[0][:200]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


@asynccontextmanager
async def _client(
    account: Account, *, timeout: float, allow_private: bool, also: str | None = None
) -> AsyncIterator[aio.AsyncDAVClient]:
    """A client for one operation; ``also``: a calendar URL the operation uses (a server such as
    iCloud lists calendars on other hosts than the account's URL), checked by the guard too."""
    client: aio.AsyncDAVClient | None = None
    try:
        async with asyncio.timeout(timeout):  # the address checks' DNS lookups included
            for url in (account.url, also) if also else (account.url,):
                try:
                    await ssrf.resolve(url, allow_private=allow_private)
                except ssrf.UrlNotAllowed as exc:
                    raise CalendarUnreachable(f"the calendar server's address is not allowed: {exc}") from None
            client = aio.AsyncDAVClient(
                url=account.url,
                username=account.username,
                password=account.password,
                timeout=max(1, round(timeout)),
                enable_rfc6764=False,
            )
            yield client
    except (CredentialsRefused, CalendarUnreachable):
        raise
    except caldav_error.AuthorizationError:
        raise CredentialsRefused("the calendar server refused the username or password") from None
    except Exception as exc:  # network errors, timeouts, error answers, unparsable answers
        raise CalendarUnreachable(_reason(exc)) from None
    finally:
        if client is not None:
            try:
                await client.close()
            except Exception:  # a connection already broken; nothing left to release
                pass


async def list_calendars(account: Account, *, timeout: float, allow_private: bool) -> list[RemoteCalendar]:
    """The account's calendars that hold events, in the server's order."""
    async with _client(account, timeout=timeout, allow_private=allow_private) as client:
        principal = await client.get_principal()
        listed = []
        for calendar in await client.get_calendars(principal):
            name = calendar.get_display_name()  # the listing's own answer (cached), awaited on this client
            if inspect.isawaitable(name):
                name = await name
            listed.append(RemoteCalendar(external_id=str(calendar.url), name=str(name) if name else None))
    return listed


async def events_between(
    account: Account, calendar_url: str, start: datetime, end: datetime, *, timeout: float, allow_private: bool
) -> list[str]:
    """The calendar objects with an instance inside ``start``–``end`` (CalDAV ``calendar-query``),
    as iCalendar text, recurring ones unexpanded."""
    async with _client(account, timeout=timeout, allow_private=allow_private, also=calendar_url) as client:
        response = await client.calendar_query(url=calendar_url, start=start, end=end, event=True)
        if response.status not in (200, 207):
            raise CalendarUnreachable(f"the calendar server answered {response.status} to the query")
        results = list(getattr(response, "results", None) or [])
        texts = [r.calendar_data for r in results if r.calendar_data]
        missing = [r.href for r in results if not r.calendar_data]
        if missing:  # a server that answers with hrefs only: fetch those objects in one more request
            fetched = await client.calendar_multiget(url=calendar_url, hrefs=missing)
            texts += [r.calendar_data for r in getattr(fetched, "results", None) or [] if r.calendar_data]
    return [str(text) for text in texts]


def event_url(calendar_url: str, uid: str) -> str:
    """Where a calendar object with this UID lives: ``<calendar>/<uid>.ics``."""
    return urljoin(calendar_url if calendar_url.endswith("/") else calendar_url + "/", quote(uid, safe="@") + ".ics")


async def put_event(
    account: Account, calendar_url: str, uid: str, body: str, *, timeout: float, allow_private: bool
) -> str:
    """Create or replace the object for ``uid``; its URL."""
    url = event_url(calendar_url, uid)
    async with _client(account, timeout=timeout, allow_private=allow_private, also=calendar_url) as client:
        response = await client.put(url, body, headers={"Content-Type": "text/calendar; charset=utf-8"})
        if response.status not in (200, 201, 204):
            raise CalendarUnreachable(f"the calendar server answered {response.status} to the event")
    return url


async def delete_event(account: Account, calendar_url: str, uid: str, *, timeout: float, allow_private: bool) -> None:
    """Delete the object for ``uid``; one that is gone already is fine."""
    async with _client(account, timeout=timeout, allow_private=allow_private, also=calendar_url) as client:
        response = await client.delete(event_url(calendar_url, uid))
        if response.status not in (200, 204, 404, 410):
            raise CalendarUnreachable(f"the calendar server answered {response.status} to the deletion")
