"""The CalDAV adapter: list an account's calendars, read events in a window, write and delete one.

A small client over ``httpx`` (asyncio: a slow server holds no thread) speaking the few requests
calapi needs — PROPFIND for the principal, its calendar home and the calendars in it, REPORT
``calendar-query`` (and ``calendar-multiget`` for servers that answer with hrefs only), PUT, DELETE.
(The ``caldav`` package was tried first: its HTTP library, niquests, pulls in ``urllib3-future``,
which installs over ``urllib3`` and breaks ``requests`` in the same environment.)

Every call is bounded by the caller's ``timeout`` as a whole (``asyncio.timeout``: an answer that
never comes is cancelled, not waited for). Every request — redirects included — first passes the
SSRF guard (``core/ssrf.py``); the client then resolves the name again itself, which leaves a DNS
change in between possible (a few milliseconds), unlike webhook attempts that connect to the
checked address. Basic authentication is sent at once; a server that asks for Digest gets Digest.

Errors come out as two kinds: ``CredentialsRefused`` (the server said 401/403: the connection is
invalid until the user fixes it) and ``CalendarUnreachable`` (anything else: a timeout, a refused
connection, an error answer; the last good data stays in use).
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin

import httpx

from calapi import __version__
from calapi.core import ssrf

_DAV, _CALDAV = "DAV:", "urn:ietf:params:xml:ns:caldav"
_NS = f'xmlns:D="{_DAV}" xmlns:C="{_CALDAV}"'
_MAX_ANSWER_BYTES = 20 * 1024 * 1024
_USER_AGENT = f"calapi/{__version__}"


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
    read_only: bool = False
    time_zone: str | None = None


@dataclass(frozen=True)
class CalendarObject:
    href: str  # absolute URL
    data: str


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "the calendar server did not answer in time"
    text = str(exc).split("\n", 1)[0][:200]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class _Session:
    """One operation's HTTP client, with the account's credentials."""

    def __init__(self, http: httpx.AsyncClient, account: Account) -> None:
        self.http = http
        self.auth: httpx.Auth = httpx.BasicAuth(account.username, account.password)
        self.account = account

    async def request(
        self, method: str, url: str, *, body: str | None = None, depth: str | None = None, content_type: str = ""
    ) -> httpx.Response:
        headers = {"User-Agent": _USER_AGENT}
        if depth is not None:
            headers["Depth"] = depth
        if body is not None:
            headers["Content-Type"] = content_type or "application/xml; charset=utf-8"
        response = await self._send(method, url, body, headers)
        if response.status_code == 401 and "digest" in response.headers.get("www-authenticate", "").lower():
            self.auth = httpx.DigestAuth(self.account.username, self.account.password)
            response = await self._send(method, url, body, headers)
        if response.status_code in (401, 403):
            raise CredentialsRefused("the calendar server refused the username or password")
        return response

    async def _send(self, method: str, url: str, body: str | None, headers: dict[str, str]) -> httpx.Response:
        content = body.encode() if body is not None else None
        response = await self.http.request(method, url, content=content, headers=headers, auth=self.auth)
        if len(response.content) > _MAX_ANSWER_BYTES:
            raise CalendarUnreachable("the calendar server's answer is too large")
        return response


@asynccontextmanager
async def _session(account: Account, *, timeout: float, allow_private: bool) -> AsyncIterator[_Session]:
    async def guard(request: httpx.Request) -> None:
        try:
            await ssrf.resolve(str(request.url), allow_private=allow_private)
        except ssrf.UrlNotAllowed as exc:
            raise CalendarUnreachable(f"the calendar server's address is not allowed: {exc}") from None

    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=True, max_redirects=5, event_hooks={"request": [guard]}
            ) as http,
        ):
            yield _Session(http, account)
    except (CredentialsRefused, CalendarUnreachable):
        raise
    except Exception as exc:  # network errors, timeouts, unparsable answers
        raise CalendarUnreachable(_reason(exc)) from None


# ---------------------------------------------------------------- XML


def _multistatus(response: httpx.Response, what: str) -> list[tuple[str, ElementTree.Element]]:
    """(href, propstat-merged prop element) for each ``response`` of a 207 answer."""
    if response.status_code != 207:
        raise CalendarUnreachable(f"the calendar server answered {response.status_code} to the {what}")
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        raise CalendarUnreachable(f"the calendar server's answer to the {what} is not valid XML") from None
    found = []
    for item in root.iter(f"{{{_DAV}}}response"):
        href = (item.findtext(f"{{{_DAV}}}href") or "").strip()
        merged = ElementTree.Element("prop")
        for propstat in item.iter(f"{{{_DAV}}}propstat"):
            status = propstat.findtext(f"{{{_DAV}}}status") or ""
            if " 200 " not in status + " ":
                continue
            prop = propstat.find(f"{{{_DAV}}}prop")
            if prop is not None:
                merged.extend(list(prop))
        found.append((href, merged))
    return found


def _href_of(prop: ElementTree.Element, name: str) -> str | None:
    element = prop.find(name)
    if element is None:
        return None
    return (element.findtext(f"{{{_DAV}}}href") or "").strip() or None


_TZID = re.compile(r"^TZID:(\S+)\s*$", re.MULTILINE)
_WRITE = {"write", "write-content", "all", "bind"}


def _calendar_of(url: str, prop: ElementTree.Element) -> RemoteCalendar | None:
    kinds = prop.find(f"{{{_DAV}}}resourcetype")
    if kinds is None or kinds.find(f"{{{_CALDAV}}}calendar") is None:
        return None
    components = prop.find(f"{{{_CALDAV}}}supported-calendar-component-set")
    if components is not None and len(components):
        names = {c.get("name", "").upper() for c in components}
        if "VEVENT" not in names:
            return None
    privileges = prop.find(f"{{{_DAV}}}current-user-privilege-set")
    read_only = False
    if privileges is not None:
        granted = {p.tag.rsplit("}", 1)[-1] for privilege in privileges for p in privilege}
        read_only = not granted & _WRITE
    zone_text = prop.findtext(f"{{{_CALDAV}}}calendar-timezone") or ""
    match = _TZID.search(zone_text.replace("\r\n", "\n"))
    name = (prop.findtext(f"{{{_DAV}}}displayname") or "").strip() or None
    return RemoteCalendar(url, name, read_only, match.group(1) if match else None)


# ---------------------------------------------------------------- operations

_PRINCIPAL = (
    f'<?xml version="1.0" encoding="utf-8"?><D:propfind {_NS}><D:prop>'
    "<D:current-user-principal/><C:calendar-home-set/></D:prop></D:propfind>"
)
_HOME = f'<?xml version="1.0" encoding="utf-8"?><D:propfind {_NS}><D:prop><C:calendar-home-set/></D:prop></D:propfind>'
_LIST = (
    f'<?xml version="1.0" encoding="utf-8"?><D:propfind {_NS}><D:prop>'
    "<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><C:calendar-timezone/>"
    "<D:current-user-privilege-set/></D:prop></D:propfind>"
)


async def list_calendars(account: Account, *, timeout: float, allow_private: bool) -> list[RemoteCalendar]:
    """The account's calendars that hold events, in the server's order."""
    async with _session(account, timeout=timeout, allow_private=allow_private) as dav:
        base = account.url
        answer = _multistatus(await dav.request("PROPFIND", base, body=_PRINCIPAL, depth="0"), "principal lookup")
        home = principal = None
        for _, prop in answer:
            home = home or _href_of(prop, f"{{{_CALDAV}}}calendar-home-set")
            principal = principal or _href_of(prop, f"{{{_DAV}}}current-user-principal")
        if home is None and principal is not None:
            principal_url = urljoin(base, principal)
            for _, prop in _multistatus(
                await dav.request("PROPFIND", principal_url, body=_HOME, depth="0"), "calendar home lookup"
            ):
                home = home or _href_of(prop, f"{{{_CALDAV}}}calendar-home-set")
        home_url = urljoin(base, home) if home else base
        listed = _multistatus(await dav.request("PROPFIND", home_url, body=_LIST, depth="1"), "calendar listing")
    calendars = [_calendar_of(urljoin(home_url, href), prop) for href, prop in listed]
    return [c for c in calendars if c is not None]


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _data_of(pairs: list[tuple[str, ElementTree.Element]], base: str) -> tuple[list[CalendarObject], list[str]]:
    objects, missing = [], []
    for href, prop in pairs:
        data = prop.findtext(f"{{{_CALDAV}}}calendar-data")
        url = urljoin(base, href)
        if data and data.strip():
            objects.append(CalendarObject(url, data))
        elif href and not href.endswith("/"):
            missing.append(href)
    return objects, missing


async def calendar_objects(
    account: Account,
    calendar_url: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    timeout: float,
    allow_private: bool,
) -> list[CalendarObject]:
    """The calendar's event objects (CalDAV ``calendar-query``), those with an instance inside
    ``start``–``end`` when given, recurring ones unexpanded."""
    time_range = f'<C:time-range start="{_stamp(start)}" end="{_stamp(end)}"/>' if start and end else ""
    query = (
        f'<?xml version="1.0" encoding="utf-8"?><C:calendar-query {_NS}><D:prop><D:getetag/><C:calendar-data/>'
        f'</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{time_range}'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )
    async with _session(account, timeout=timeout, allow_private=allow_private) as dav:
        answer = _multistatus(await dav.request("REPORT", calendar_url, body=query, depth="1"), "calendar query")
        objects, missing = _data_of(answer, calendar_url)
        if missing:  # a server that answers with hrefs only: fetch those objects in one more request
            hrefs = "".join(f"<D:href>{quote(h, safe='/:@%')}</D:href>" for h in missing)
            multiget = (
                f'<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget {_NS}><D:prop><D:getetag/>'
                f"<C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>"
            )
            fetched = _multistatus(await dav.request("REPORT", calendar_url, body=multiget, depth="1"), "multiget")
            objects += _data_of(fetched, calendar_url)[0]
    return objects


async def events_between(
    account: Account, calendar_url: str, start: datetime, end: datetime, *, timeout: float, allow_private: bool
) -> list[str]:
    """The iCalendar text of the objects with an instance inside ``start``–``end``."""
    found = await calendar_objects(
        account, calendar_url, start=start, end=end, timeout=timeout, allow_private=allow_private
    )
    return [o.data for o in found]


def event_url(calendar_url: str, uid: str) -> str:
    """Where a calendar object with this UID lives: ``<calendar>/<uid>.ics``."""
    return urljoin(calendar_url if calendar_url.endswith("/") else calendar_url + "/", quote(uid, safe="@") + ".ics")


async def put_event(
    account: Account, calendar_url: str, uid: str, body: str, *, timeout: float, allow_private: bool
) -> str:
    """Create or replace the object for ``uid``; its URL."""
    url = event_url(calendar_url, uid)
    async with _session(account, timeout=timeout, allow_private=allow_private) as dav:
        response = await dav.request("PUT", url, body=body, content_type="text/calendar; charset=utf-8")
    if response.status_code not in (200, 201, 204):
        raise CalendarUnreachable(f"the calendar server answered {response.status_code} to the event")
    return url


async def delete_event(account: Account, calendar_url: str, uid: str, *, timeout: float, allow_private: bool) -> None:
    """Delete the object for ``uid``; one that is gone already is fine."""
    async with _session(account, timeout=timeout, allow_private=allow_private) as dav:
        response = await dav.request("DELETE", event_url(calendar_url, uid))
    if response.status_code not in (200, 204, 404, 410):
        raise CalendarUnreachable(f"the calendar server answered {response.status_code} to the deletion")
