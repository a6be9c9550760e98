"""Cal.com's insights body, parsed into ``InsightsQuery``, and the declared answers of every route.

The body is Cal.com's ``BookingInsightsInput``: ``scope``, ``selectedTeamId``, ``timeZone`` and
data-table ``columnFilters`` (``ss`` single select, ``ms`` multi select, ``t`` text, ``n`` number,
``dr`` date range). The columns insights filter on: ``eventTypeId``, ``status``, ``userId``
(``ss``/``ms``), ``attendeeEmail``, ``attendeeName`` (``t``), ``startTime``, ``createdAt`` (``dr``).
A date given without a time is a whole local day in ``timeZone``; a time without an offset is
local time there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from calapi.bookings.models import BookingStatus
from calapi.core.api_schemas import ResponseModel
from calapi.core.errors import BadRequest
from calapi.core.wire import TimeZoneName, WireModel
from calapi.insights.query import (
    BookingFilters,
    DateColumn,
    InsightsQuery,
    Scope,
    TextMatch,
    TextOperator,
    TimeRange,
)

MAX_FILTERS = 20
MAX_VALUES = 100
_WEEKDAYS = {"Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6}
_STATUSES = tuple(status.value for status in BookingStatus)
_COLUMN_IDS = ("eventTypeId", "status", "userId", "attendeeEmail", "attendeeName", "startTime", "createdAt")
ORG_SCOPE = "scope org is not served: calapi has no organizations (use user or team)"

# ---------------------------------------------------------------- the body

Value = Annotated[int | str, Field(union_mode="left_to_right")]


class SingleSelectValue(WireModel):
    type: Literal["ss"]
    data: Value


class MultiSelectValue(WireModel):
    type: Literal["ms"]
    data: list[Value] = Field(max_length=MAX_VALUES)


class TextData(WireModel):
    operator: TextOperator
    operand: str = Field(default="", max_length=320)


class TextValue(WireModel):
    type: Literal["t"]
    data: TextData


class NumberData(WireModel):
    operator: Literal["eq", "neq", "gt", "gte", "lt", "lte"]
    operand: float


class NumberValue(WireModel):
    type: Literal["n"]
    data: NumberData


class DateRangeData(WireModel):
    startDate: str | None = Field(default=None, max_length=64)
    endDate: str | None = Field(default=None, max_length=64)
    preset: str | None = Field(default=None, max_length=64)


class DateRangeValue(WireModel):
    type: Literal["dr"]
    data: DateRangeData


FilterValue = Annotated[
    SingleSelectValue | MultiSelectValue | TextValue | NumberValue | DateRangeValue, Field(discriminator="type")
]


class ColumnFilter(WireModel):
    id: str = Field(max_length=64)
    value: FilterValue


class BookingInsightsInput(WireModel):
    scope: Literal["user", "team", "org"]
    selectedTeamId: int | None = Field(default=None, ge=1)
    timeZone: TimeZoneName
    columnFilters: list[ColumnFilter] = Field(default_factory=list, max_length=MAX_FILTERS)

    def to_query(self, *, week_start: str | None) -> InsightsQuery:
        if self.scope == "org":
            raise BadRequest(ORG_SCOPE)
        return InsightsQuery(
            scope=Scope(self.scope),
            time_zone=self.timeZone,
            team_id=self.selectedTeamId,
            filters=_filters(self.columnFilters, self.timeZone),
            week_start=_WEEKDAYS.get(week_start or "", 0),
        )


def _refuse(column: str, why: str) -> BadRequest:
    return BadRequest(f"columnFilters: {column} {why}")


def _selected(column: ColumnFilter) -> list[int | str]:
    value = column.value
    if isinstance(value, SingleSelectValue):
        return [value.data]
    if isinstance(value, MultiSelectValue):
        return list(value.data)
    raise _refuse(column.id, f"takes a filter of type ss or ms, got {value.type}")


def _ids(column: ColumnFilter) -> tuple[int, ...]:
    out = []
    for item in _selected(column):
        text = str(item).strip()
        if not text.isdigit() or int(text) < 1:
            raise _refuse(column.id, f"takes positive whole numbers, got {item!r}")
        out.append(int(text))
    return tuple(dict.fromkeys(out))


def _statuses(column: ColumnFilter) -> tuple[str, ...]:
    out = []
    for item in _selected(column):
        status = str(item).strip().lower()
        if status not in _STATUSES:
            raise _refuse(column.id, f"values must be among {', '.join(_STATUSES)}, got {item!r}")
        out.append(status)
    return tuple(dict.fromkeys(out))


def _text(column: ColumnFilter) -> TextMatch:
    if not isinstance(column.value, TextValue):
        raise _refuse(column.id, f"takes a filter of type t, got {column.value.type}")
    return TextMatch(column.value.data.operator, column.value.data.operand)


def _instant(column: str, name: str, text: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A wire date: a whole local day (its start, or for an end its last microsecond), a local
    time, or an instant with an offset."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end:
                return datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC) - timedelta(
                    microseconds=1
                )
            return datetime.combine(day, time(), zone).astimezone(UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _refuse(column, f"{name} must be an ISO 8601 date or date-time, got {text!r}") from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)).astimezone(UTC)


def _range(column: ColumnFilter, zone_name: str) -> TimeRange:
    value = column.value
    if not isinstance(value, DateRangeValue):
        raise _refuse(column.id, f"takes a filter of type dr, got {value.type}")
    zone = ZoneInfo(zone_name)
    data = value.data
    start = _instant(column.id, "startDate", data.startDate, zone, end=False) if data.startDate else None
    end = _instant(column.id, "endDate", data.endDate, zone, end=True) if data.endDate else None
    if start is not None and end is not None and start > end:
        raise _refuse(column.id, "startDate must not be after endDate")
    return TimeRange(DateColumn(column.id), start, end)


def _filters(columns: list[ColumnFilter], zone: str) -> BookingFilters:
    fields: dict[str, Any] = {}
    ranges: list[TimeRange] = []
    seen: set[str] = set()
    for column in columns:
        if column.id in seen and column.id not in ("startTime", "createdAt"):
            raise _refuse(column.id, "is filtered twice: give one filter per column (ms for several values)")
        seen.add(column.id)
        if column.id == "eventTypeId":
            fields["event_type_ids"] = _ids(column)
        elif column.id == "userId":
            fields["host_ids"] = _ids(column)
        elif column.id == "status":
            fields["statuses"] = _statuses(column)
        elif column.id == "attendeeEmail":
            fields["attendee_email"] = _text(column)
        elif column.id == "attendeeName":
            fields["attendee_name"] = _text(column)
        elif column.id in ("startTime", "createdAt"):
            ranges.append(_range(column, zone))
        else:
            raise _refuse(repr(column.id), f"is not a column insights filter on (they are {', '.join(_COLUMN_IDS)})")
    return BookingFilters(ranges=tuple(ranges), **fields)


# ---------------------------------------------------------------- the answers


class InsightsMetric(ResponseModel):
    count: float
    deltaPrevious: float


class PreviousRange(ResponseModel):
    startDate: str
    endDate: str


class KpiStatsData(ResponseModel):
    empty: bool
    created: InsightsMetric
    scheduled: InsightsMetric
    completed: InsightsMetric
    rescheduled: InsightsMetric
    cancelled: InsightsMetric
    no_show: InsightsMetric
    no_show_guest: InsightsMetric
    rating: InsightsMetric
    csat: InsightsMetric
    previousRange: PreviousRange


class EventTrendPoint(ResponseModel):
    formattedDateFull: str
    isToday: bool
    Month: str
    Created: int
    Completed: int
    Rescheduled: int
    Cancelled: int
    no_show_host: int = Field(alias="No-Show (Host)")
    no_show_guest: int = Field(alias="No-Show (Guest)")
    Scheduled: int  # beyond Cal.com: Created − Completed − Rescheduled − Cancelled


class MemberUser(ResponseModel):
    id: int
    username: str | None
    name: str | None
    email: str
    avatarUrl: str | None


class MemberStat(ResponseModel):
    userId: int
    user: MemberUser
    emailMd5: str
    count: float


class MemberStatsData(ResponseModel):
    mostBookings: list[MemberStat]
    leastBookings: list[MemberStat]
    mostCancelled: list[MemberStat]
    mostCompleted: list[MemberStat]
    leastCompleted: list[MemberStat]
    mostNoShow: list[MemberStat]
    highestRatings: list[MemberStat]
    lowestRatings: list[MemberStat]


class AverageDurationPoint(ResponseModel):
    Date: str
    formattedDateFull: str
    isToday: bool
    Average: float


class WeekdayCount(ResponseModel):
    weekday: int  # 0 = Sunday
    day: Literal["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    count: int


class HourCount(ResponseModel):
    hour: int
    count: int


class BusiestTimesData(ResponseModel):
    zone: Literal["host"]  # each booking counted at its start in its host's time zone
    weekdays: list[WeekdayCount]
    hours: list[HourCount]
    byWeekdayHour: list[list[int]]  # [weekday][hour], Sunday first


class LeadTimePercentiles(ResponseModel):
    p50: float | None
    p75: float | None
    p90: float | None
    p95: float | None
    p99: float | None


class LeadTimeData(ResponseModel):
    count: int
    averageMinutes: float | None
    minMinutes: float | None
    maxMinutes: float | None
    percentiles: LeadTimePercentiles


class RevenueFigure(ResponseModel):
    current: int
    previous: int  # over the range of equal length just before (``previousRange``)
    deltaPrevious: float  # percent change, 0 when equal or when previous is 0


class CurrencyRevenueData(ResponseModel):
    currency: str  # lower case ISO 4217, as the payment provider takes it
    paid: RevenueFigure  # minor units (cents) of payments that succeeded and were not refunded
    refunded: RevenueFigure  # minor units refunded
    paidBookings: RevenueFigure  # bookings whose payment counts in ``paid``


class RevenueAmounts(ResponseModel):
    currency: str
    paid: int
    refunded: int
    paidBookings: int


class RevenuePointData(ResponseModel):
    Date: str
    formattedDateFull: str
    isToday: bool
    currencies: list[RevenueAmounts]  # every currency of ``currencies``, zero where nothing was paid


class RevenueData(ResponseModel):
    currencies: list[CurrencyRevenueData]
    previousRange: PreviousRange
    series: list[RevenuePointData]  # the period by local day, week, month or year (as event-trends)
