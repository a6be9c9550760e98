"""What insights should answer, worked out from what ``GET /v2/bookings`` lists.

The list is asked with every filter it has (``teamId``, ``eventTypeIds``, ``attendeeEmail``,
``attendeeName``, ``afterStart``, ``afterCreatedAt``/``beforeCreatedAt``, ``status``); the
filters it lacks (a start range's end, raw statuses, the host, text operators other than
equality) are applied here to the bookings it returned, from their wire fields only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.bookings.conftest import v2

CANCELLED = ("cancelled", "rejected")


@dataclass(frozen=True)
class Text:
    column: str  # attendeeEmail | attendeeName
    operator: str
    operand: str

    def wire(self) -> dict[str, Any]:
        return {"id": self.column, "value": {"type": "t", "data": {"operator": self.operator, "operand": self.operand}}}

    def _has(self, value: str) -> bool:
        o, v = self.operand.lower(), value.lower()
        if self.operator in ("equals", "notEquals"):
            return value == self.operand
        if self.operator in ("contains", "notContains"):
            return o in v
        if self.operator == "startsWith":
            return v.startswith(o)
        if self.operator == "endsWith":
            return v.endswith(o)
        return value != ""

    def keeps(self, booking: dict[str, Any]) -> bool:
        key = "email" if self.column == "attendeeEmail" else "name"
        found = any(self._has(a[key]) for a in booking["attendees"])
        return not found if self.operator in ("notEquals", "notContains", "isEmpty") else found


@dataclass(frozen=True)
class Period:
    column: str  # createdAt | startTime
    first: date
    last: date

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        z = ZoneInfo(zone)
        start = datetime.combine(self.first, time(), z).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), z).astimezone(UTC) - timedelta(microseconds=1)
        return start, end

    def previous(self) -> Period:
        days = (self.last - self.first).days + 1
        return Period(self.column, self.first - timedelta(days=days), self.first - timedelta(days=1))

    def wire(self) -> dict[str, Any]:
        data = {"startDate": self.first.isoformat(), "endDate": self.last.isoformat(), "preset": "c"}
        return {"id": self.column, "value": {"type": "dr", "data": data}}


@dataclass(frozen=True)
class Ask:
    """One insights question, and the same question for the bookings list."""

    caller: Any  # TestUser
    scope: str
    zone: str
    period: Period
    team_id: int | None = None
    other_range: Period | None = None  # a second date range, on the other column
    event_type: int | None = None
    event_type_family: tuple[int, ...] = ()  # the event type and its managed children
    statuses: tuple[str, ...] = ()
    host: Any = None  # TestUser
    texts: tuple[Text, ...] = field(default_factory=tuple)

    def body(self, period: Period | None = None) -> dict[str, Any]:
        filters = [(period or self.period).wire()]
        if self.other_range is not None:
            filters.append(self.other_range.wire())
        if self.event_type is not None:
            filters.append({"id": "eventTypeId", "value": {"type": "ss", "data": self.event_type}})
        if self.statuses:
            filters.append({"id": "status", "value": {"type": "ms", "data": list(self.statuses)}})
        if self.host is not None:
            filters.append({"id": "userId", "value": {"type": "ss", "data": self.host.id}})
        filters += [t.wire() for t in self.texts]
        body: dict[str, Any] = {"scope": self.scope, "timeZone": self.zone, "columnFilters": filters}
        if self.team_id is not None:
            body["selectedTeamId"] = self.team_id
        return body

    def _list_params(self, period: Period) -> dict[str, str]:
        params: dict[str, str] = {"take": "250"}
        if self.team_id is not None:
            params["teamId"] = str(self.team_id)
        if self.event_type_family:
            params["eventTypeIds"] = ",".join(map(str, self.event_type_family))
        for text in self.texts:
            if text.operator == "equals":
                params[text.column] = text.operand
        for p in (period, self.other_range):
            if p is None:
                continue
            start, end = p.bounds(self.zone)
            if p.column == "createdAt":
                params["afterCreatedAt"], params["beforeCreatedAt"] = _iso(start), _iso(end)
            else:
                params["afterStart"] = _iso(start)
        return params

    def _keeps(self, booking: dict[str, Any], period: Period) -> bool:
        for p in (period, self.other_range):
            if p is not None and p.column == "startTime" and _instant(booking["start"]) > p.bounds(self.zone)[1]:
                return False
        if self.statuses and booking["status"] not in self.statuses:
            return False
        if self.host is not None and not hosted_by(booking, self.host):
            return False
        return all(t.keeps(booking) for t in self.texts if t.operator != "equals")

    async def listed(
        self, client: httpx.AsyncClient, period: Period | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The bookings ``GET /v2/bookings`` lists for this question (every page)."""
        period = period or self.period
        params = self._list_params(period)
        if status is not None:
            params["status"] = status
        out: list[dict[str, Any]] = []
        while True:
            response = await client.get(
                "/v2/bookings", params={**params, "skip": str(len(out))}, headers=v2(self.caller)
            )
            assert response.status_code == 200, response.text
            body = response.json()
            out += body["data"]
            if not body["pagination"]["hasNextPage"]:
                break
        return [b for b in out if self._keeps(b, period)]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def hosted_by(booking: dict[str, Any], user: Any) -> bool:
    """The organizer, or a co-host (whose attendee row carries the user's own address)."""
    return booking["hosts"][0]["id"] == user.id or any(a["email"] == user.email for a in booking["attendees"])


def time_status(booking: dict[str, Any], now: datetime) -> str:
    if booking.get("rescheduledToUid"):
        return "rescheduled"
    if booking["status"] in CANCELLED:
        return "cancelled"
    return "completed" if _instant(booking["end"]) < now else "scheduled"


def taking_place(booking: dict[str, Any]) -> bool:
    return booking["status"] not in CANCELLED and not booking.get("rescheduledToUid")


def tally(bookings: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    states = Counter(time_status(b, now) for b in bookings)
    ratings = [b["rating"] for b in bookings if b["rating"] is not None]
    return {
        "created": len(bookings),
        "scheduled": states["scheduled"],
        "completed": states["completed"],
        "cancelled": states["cancelled"],
        "rescheduled": states["rescheduled"],
        "no_show": sum(1 for b in bookings if b["absentHost"]),
        "no_show_guest": sum(1 for b in bookings for a in b["attendees"] if a["absent"]),
        "rating": round(sum(ratings) / len(ratings), 1) if ratings else 0.0,
        "csat": round(sum(1 for r in ratings if r > 3) * 100 / len(ratings), 2) if ratings else 0.0,
    }


def change(current: float, previous: float) -> float:
    if current == previous or previous == 0:
        return 0.0
    return round((current - previous) * 100 / previous, 2)


def local_day(booking: dict[str, Any], column: str, zone: str) -> date:
    key = "createdAt" if column == "createdAt" else "start"
    return _instant(booking[key]).astimezone(ZoneInfo(zone)).date()


def minutes(booking: dict[str, Any]) -> float:
    return (_instant(booking["end"]) - _instant(booking["start"])).total_seconds() / 60


def lead_seconds(booking: dict[str, Any]) -> int:
    return int((_instant(booking["start"]) - _instant(booking["createdAt"])).total_seconds())


def host_clock(booking: dict[str, Any]) -> tuple[int, int]:
    """(weekday with Sunday 0, hour) of the start in the organizer's zone."""
    local = _instant(booking["start"]).astimezone(ZoneInfo(booking["hosts"][0]["timeZone"]))
    return (local.weekday() + 1) % 7, local.hour
