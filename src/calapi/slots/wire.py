"""What the slots routers (current, legacy and v1) share: the booker cookie, Cal.com's wording for a
bad query value, and the listing limits from the settings. (The request clock is ``calapi.core.clock``.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import Depends
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from calapi.availability.cache import AvailabilityCache
from calapi.calendars.busy import STALE_HEADER, stale_header_value
from calapi.core.envelopes import iso_ms
from calapi.core.errors import BadRequest
from calapi.core.wire import BOOKER_COOKIE
from calapi.scheduling import tz
from calapi.slots.listing import AvailableSlots, SlotLimits

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")


def wrong_property(prop: str, *texts: str) -> BadRequest:
    # Cal.com's custom query pipe: "<prop> property is wrong,<constraints joined by ', '> <children>"
    return BadRequest(f"{prop} property is wrong,{', '.join(texts)} ")


def parse_instant(name: str, raw: str) -> datetime:
    """A strict ISO-8601 date or datetime, read as UTC when it carries no offset."""
    text = raw.strip()
    try:
        if _DATE_ONLY.match(text):
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        if _DATE_TIME.match(text):
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except ValueError:
        pass
    raise wrong_property(name, f"{name} must be a valid ISO 8601 date string")


def remember_booker(response: Response, reservation_uid: str) -> None:
    """Set the booker cookie (legacy API), so this client's own hold does not block it."""
    response.set_cookie(BOOKER_COOKIE, reservation_uid, path="/", httponly=True, samesite="lax")


async def slot_limits(request: Request) -> SlotLimits:  # async: a plain one would run in the thread pool
    return SlotLimits.from_settings(request.app.state.settings)


SlotLimitsDep = Annotated[SlotLimits, Depends(slot_limits)]


async def availability_cache(request: Request) -> AvailabilityCache | None:
    cache: AvailabilityCache | None = request.app.state.availability_cache
    return cache


# Hosts' busy time kept between listings (None when the setting turns it off).
AvailabilityCacheDep = Annotated[AvailabilityCache | None, Depends(availability_cache)]


# Answers of up to this many items (slots, or busy and free ranges) are encoded on the event loop:
# a few hundred take about a millisecond, less than a hand-off to a worker thread on a busy machine.
INLINE_MAX_ITEMS = 1_000


def mark_stale_calendars(response: Response, found: AvailableSlots) -> None:
    """Name the hosts' calendars whose busy times the listing used stale (every API version)."""
    if found.stale_calendars:
        response.headers[STALE_HEADER] = stale_header_value(found.stale_calendars)


async def json_text_off_loop(build: Callable[[], str], *, items: int) -> Response:
    """``build()``'s JSON text as a response, built in a worker thread when it holds more than
    ``INLINE_MAX_ITEMS`` items (as ``json_off_loop``), for answers written as text in one pass."""
    if items <= INLINE_MAX_ITEMS:
        return Response(build().encode(), media_type="application/json")
    return await to_thread.run_sync(lambda: Response(build().encode(), media_type="application/json"))


# "HH:MM:00.000" for every minute of a day.
_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:00.000" for m in range(1440))


class Stamps:
    """Epoch seconds → the text a slot listing prints for an instant: the local time in ``zone``
    with its offset and milliseconds (``datetime.isoformat``'s shape), or UTC with ``Z`` when no
    zone is given (``iso_ms``).

    Why not a datetime per instant: a 25-host listing prints about 4,000 instants; each date's
    text and each offset's are formed once, and an instant costs one string format.
    """

    __slots__ = ("_days", "_key", "_suffixes", "_zone")

    def __init__(self, zone: str | None) -> None:
        self._key = zone
        self._zone = ZoneInfo(zone) if zone else None
        self._days: dict[int, str] = {}
        self._suffixes: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        offset = tz.offset_at(self._key, epoch) if self._key else 0
        day, second = divmod(epoch + offset, tz.DAY)
        prefix = self._days.get(day)
        suffix = self._suffixes.get(offset)
        if prefix is None or suffix is None or second % 60:
            return self._first(epoch, day, offset)
        return prefix + _CLOCK[second // 60] + suffix

    def _first(self, epoch: int, day: int, offset: int) -> str:
        """An instant on a date or at an offset not seen yet (or not on a whole minute)."""
        try:
            local_date = date.fromordinal(tz.EPOCH_ORDINAL + day)
        except ValueError:
            return self._general(epoch)
        # strftime does not zero-pad years below 1000 (iso_ms); offsets with seconds are historical
        if epoch % 60 or offset % 60 or local_date.year < 1000:
            return self._general(epoch)
        self._days[day] = local_date.isoformat() + "T"
        sign, minutes = ("-", -offset // 60) if offset < 0 else ("+", offset // 60)
        self._suffixes[offset] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}" if self._key else "Z"
        return self(epoch)

    def _general(self, epoch: int) -> str:
        moment = datetime.fromtimestamp(epoch, UTC)
        return moment.astimezone(self._zone).isoformat(timespec="milliseconds") if self._zone else iso_ms(moment)


async def json_off_loop(build: Callable[[], Any], *, items: int) -> JSONResponse:
    """``build()``'s body as a JSONResponse, built and encoded in a worker thread when it holds
    more than ``INLINE_MAX_ITEMS`` items.

    A listing of thousands of slots takes tens of milliseconds to turn into JSON: time the event
    loop owes to the other requests. The body is plain JSON values, so FastAPI's encoder walk is
    skipped too.
    """
    if items <= INLINE_MAX_ITEMS:
        return JSONResponse(build())
    return await to_thread.run_sync(lambda: JSONResponse(build()))
