"""``/v2/insights/bookings/…``: Cal.com's four booking insights, and what calapi adds.

Cal.com's (every one a POST of ``BookingInsightsInput``, answered 200): ``kpi-stats``,
``event-trends``, ``members``, ``average-duration``. Added: ``busiest-times``, ``lead-time``,
``revenue`` (same body) and ``GET export`` (the same fields as query parameters, ``columnFilters`` as JSON),
a CSV stream of the filtered bookings. No version header is needed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import StreamingResponse

from calapi.core.api_schemas import Envelope, declare
from calapi.core.auth import CurrentPrincipal, Principal
from calapi.core.clock import Now
from calapi.core.envelopes import iso_ms, success
from calapi.core.errors import BadRequest
from calapi.core.wire import TimeZoneName
from calapi.db import SessionDep
from calapi.insights import localtime, service
from calapi.insights.api_schemas import (
    AverageDurationPoint,
    BookingInsightsInput,
    BusiestTimesData,
    ColumnFilter,
    EventTrendPoint,
    KpiStatsData,
    LeadTimeData,
    MemberStatsData,
    RevenueData,
)
from calapi.insights.query import InsightsQuery
from calapi.insights.results import (
    BusiestTimes,
    DurationPoint,
    ExportRow,
    KpiStats,
    LeadTime,
    MemberCount,
    MemberStats,
    Metric,
    Revenue,
    RevenueStats,
    TrendPoint,
    percent_change,
)

router = APIRouter(prefix="/v2/insights/bookings", tags=["Insights"])

_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


async def _reading(session: SessionDep) -> AsyncSession:
    await service.begin_read(session)
    return session


ReadSession = Annotated[AsyncSession, Depends(_reading)]


def _query(body: BookingInsightsInput, principal: Principal) -> InsightsQuery:
    return body.to_query(week_start=getattr(principal.profile, "week_start", None))


# ---------------------------------------------------------------- presenters


def _metric(metric: Metric) -> dict[str, float]:
    return {"count": metric.count, "deltaPrevious": metric.delta_previous}


def present_kpi(stats: KpiStats) -> dict[str, Any]:
    return {
        "empty": stats.empty,
        "created": _metric(stats.created),
        "scheduled": _metric(stats.scheduled),
        "completed": _metric(stats.completed),
        "rescheduled": _metric(stats.rescheduled),
        "cancelled": _metric(stats.cancelled),
        "no_show": _metric(stats.no_show_host),
        "no_show_guest": _metric(stats.no_show_guests),
        "rating": _metric(stats.rating),
        "csat": _metric(stats.csat),
        "previousRange": {
            "startDate": localtime.format_day(stats.previous_first_day),
            "endDate": localtime.format_day(stats.previous_last_day),
        },
    }


def present_trend(point: TrendPoint) -> dict[str, Any]:
    tally = point.tally
    return {
        "formattedDateFull": point.bucket.label_full,
        "isToday": point.bucket.is_today,
        "Month": point.bucket.label,
        "Created": tally.created,
        "Completed": tally.completed,
        "Rescheduled": tally.rescheduled,
        "Cancelled": tally.cancelled,
        "No-Show (Host)": tally.no_show_host,
        "No-Show (Guest)": tally.no_show_guests,
        "Scheduled": tally.scheduled,
    }


def present_duration(point: DurationPoint) -> dict[str, Any]:
    return {
        "Date": point.bucket.label,
        "formattedDateFull": point.bucket.label_full,
        "isToday": point.bucket.is_today,
        "Average": point.average_minutes,
    }


def _member(entry: MemberCount) -> dict[str, Any]:
    member = entry.member
    return {
        "userId": member.id,
        "user": {
            "id": member.id,
            "username": member.username,
            "name": member.name,
            "email": member.email,
            # Cal.com's fallback for a member without a picture
            "avatarUrl": member.avatar_url or f"/{member.username}/avatar.png",
        },
        "emailMd5": hashlib.md5(member.email.encode(), usedforsecurity=False).hexdigest(),
        "count": entry.count,
    }


def present_members(stats: MemberStats) -> dict[str, Any]:
    return {
        "mostBookings": [_member(m) for m in stats.most_bookings],
        "leastBookings": [_member(m) for m in stats.least_bookings],
        "mostCancelled": [_member(m) for m in stats.most_cancelled],
        "mostCompleted": [_member(m) for m in stats.most_completed],
        "leastCompleted": [_member(m) for m in stats.least_completed],
        "mostNoShow": [_member(m) for m in stats.most_no_show],
        "highestRatings": [_member(m) for m in stats.highest_ratings],
        "lowestRatings": [_member(m) for m in stats.lowest_ratings],
    }


def present_busiest(times: BusiestTimes) -> dict[str, Any]:
    return {
        "zone": "host",
        "weekdays": [{"weekday": i, "day": _DAYS[i], "count": count} for i, count in enumerate(times.by_weekday)],
        "hours": [{"hour": hour, "count": count} for hour, count in enumerate(times.by_hour)],
        "byWeekdayHour": [list(row) for row in times.by_weekday_hour],
    }


def present_lead_time(lead: LeadTime) -> dict[str, Any]:
    return {
        "count": lead.count,
        "averageMinutes": lead.average_minutes,
        "minMinutes": lead.min_minutes,
        "maxMinutes": lead.max_minutes,
        "percentiles": {f"p{percent}": value for percent, value in lead.percentiles},
    }


def _figure(current: int, previous: int) -> dict[str, Any]:
    return {"current": current, "previous": previous, "deltaPrevious": percent_change(current, previous)}


def _amounts(currency: str, money: Revenue) -> dict[str, Any]:
    return {"currency": currency, "paid": money.paid, "refunded": money.refunded, "paidBookings": money.paid_bookings}


def present_revenue(stats: RevenueStats) -> dict[str, Any]:
    return {
        "currencies": [
            {
                "currency": entry.currency,
                "paid": _figure(entry.current.paid, entry.previous.paid),
                "refunded": _figure(entry.current.refunded, entry.previous.refunded),
                "paidBookings": _figure(entry.current.paid_bookings, entry.previous.paid_bookings),
            }
            for entry in stats.currencies
        ],
        "previousRange": {
            "startDate": localtime.format_day(stats.previous_first_day),
            "endDate": localtime.format_day(stats.previous_last_day),
        },
        "series": [
            {
                "Date": point.bucket.label,
                "formattedDateFull": point.bucket.label_full,
                "isToday": point.bucket.is_today,
                "currencies": [_amounts(currency, money) for currency, money in point.by_currency],
            }
            for point in stats.series
        ],
    }


CSV_COLUMNS = (
    "id",
    "uid",
    "title",
    "status",
    "timeStatus",
    "eventTypeId",
    "hostUserId",
    "hostEmail",
    "hostUsername",
    "startTime",
    "endTime",
    "startTimeLocal",
    "durationMinutes",
    "createdAt",
    "noShowHost",
    "noShowGuests",
    "attendees",
    "rating",
)


def _cell(value: Any) -> Any:
    # A spreadsheet runs a cell that starts with one of these as a formula: a title or a name
    # typed by a booker must stay text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def present_csv(rows: list[ExportRow], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.uid,
                _cell(row.title),
                row.status,
                row.time_status.name,
                row.event_type_id if row.event_type_id is not None else "",
                row.host_id,
                _cell(row.host_email or ""),
                _cell(row.host_username or ""),
                iso_ms(row.start_time),
                iso_ms(row.end_time),
                row.start_time.astimezone(zone).isoformat(timespec="minutes"),
                int((row.end_time - row.start_time).total_seconds() // 60),
                iso_ms(row.created_at),
                "true" if row.no_show_host else "false",
                row.no_show_guests,
                _cell(row.attendees or ""),
                row.rating if row.rating is not None else "",
            ]
        )
    return out.getvalue()


async def _csv_stream(batches: AsyncIterator[list[ExportRow]], zone: ZoneInfo) -> AsyncIterator[str]:
    header = io.StringIO()
    csv.writer(header).writerow(CSV_COLUMNS)
    yield header.getvalue()
    async for batch in batches:
        yield present_csv(batch, zone)


# ---------------------------------------------------------------- routes


@router.post("/kpi-stats", status_code=200, **declare(Envelope[KpiStatsData]))
async def kpi_stats(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return success(present_kpi(await service.kpi_stats(session, principal, _query(body, principal), now)))


@router.post("/event-trends", status_code=200, **declare(Envelope[list[EventTrendPoint]]))
async def event_trends(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    points = await service.event_trends(session, principal, _query(body, principal), now)
    return success([present_trend(p) for p in points])


@router.post("/members", status_code=200, **declare(Envelope[MemberStatsData]))
async def members(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return success(present_members(await service.member_stats(session, principal, _query(body, principal), now)))


@router.post("/average-duration", status_code=200, **declare(Envelope[list[AverageDurationPoint]]))
async def average_duration(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    points = await service.average_duration(session, principal, _query(body, principal), now)
    return success([present_duration(p) for p in points])


@router.post("/busiest-times", status_code=200, **declare(Envelope[BusiestTimesData]))
async def busiest_times(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return success(present_busiest(await service.busiest_times(session, principal, _query(body, principal), now)))


@router.post("/lead-time", status_code=200, **declare(Envelope[LeadTimeData]))
async def lead_time(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return success(present_lead_time(await service.lead_time(session, principal, _query(body, principal), now)))


@router.post("/revenue", status_code=200, **declare(Envelope[RevenueData]))
async def revenue(
    body: BookingInsightsInput, session: ReadSession, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return success(present_revenue(await service.revenue(session, principal, _query(body, principal), now)))


_FILTERS = TypeAdapter(list[ColumnFilter])


def _column_filters(text: str | None) -> list[ColumnFilter]:
    if not text:
        return []
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"columnFilters must be a JSON array of column filters: {exc}") from None
    try:
        return _FILTERS.validate_python(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("query", "columnFilters", *error["loc"])} for error in exc.errors()]
        ) from None


_CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The filtered bookings as CSV (RFC 4180), one row per booking, in start order",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get("/export", response_model=None, responses=_CSV_ANSWER, response_class=StreamingResponse)
async def export(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
    scope: Annotated[Literal["user", "team", "org"], Query()],
    timeZone: Annotated[TimeZoneName, Query()],
    selectedTeamId: Annotated[int | None, Query(ge=1)] = None,
    columnFilters: Annotated[str | None, Query(max_length=20_000)] = None,
) -> StreamingResponse:
    body = BookingInsightsInput(
        scope=scope,
        selectedTeamId=selectedTeamId,
        timeZone=timeZone,
        columnFilters=_column_filters(columnFilters),
    )
    query = _query(body, principal)
    batches = await service.export(session, request.app.state.sessionmaker, principal, query, now)
    return StreamingResponse(
        _csv_stream(batches, ZoneInfo(query.time_zone)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="bookings.csv"'},
    )
