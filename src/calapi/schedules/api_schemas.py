"""Declared response bodies of schedules in each API version."""

from __future__ import annotations

from calapi.core.api_schemas import ResponseModel


class TimeRange(ResponseModel):
    startTime: str
    endTime: str


class WeeklyRange(TimeRange):
    days: list[str]


class DateOverride(TimeRange):
    date: str


class Schedule(ResponseModel):
    """v2 (2024-06-11) schedule."""

    id: int
    ownerId: int
    name: str
    timeZone: str
    availability: list[WeeklyRange]
    isDefault: bool
    overrides: list[DateOverride]


# --- legacy v2 (2024-04-15)


class LegacyAvailabilityRow(ResponseModel):
    id: int
    userId: int | None
    eventTypeId: int | None
    days: list[int]
    startTime: str
    endTime: str
    date: str | None
    scheduleId: int | None


class WorkingHours(ResponseModel):
    days: list[int]
    startTime: int
    endTime: int


class StartEnd(ResponseModel):
    start: str
    end: str


class LegacyDateOverride(ResponseModel):
    ranges: list[StartEnd]


class LegacySchedule(ResponseModel):
    id: int
    name: str
    isManaged: bool
    workingHours: list[WorkingHours]
    schedule: list[LegacyAvailabilityRow]
    availability: list[list[StartEnd]]
    timeZone: str
    dateOverrides: list[LegacyDateOverride]
    isDefault: bool
    isLastSchedule: bool
    readOnly: bool


class LegacyEventTypeRef(ResponseModel):
    id: int
    eventName: str | None = None


class LegacyUpdatedScheduleDetail(ResponseModel):
    id: int
    userId: int
    name: str
    availability: list[LegacyAvailabilityRow]
    timeZone: str | None
    eventType: list[LegacyEventTypeRef]


class LegacyUpdatedSchedule(ResponseModel):
    schedule: LegacyUpdatedScheduleDetail
    availability: list[list[StartEnd]]
    timeZone: str
    isDefault: bool
    prevDefaultId: int | None
    currentDefaultId: int | None


# --- v1


class V1ScheduleRow(ResponseModel):
    id: int
    eventTypeId: int | None
    date: str | None
    days: list[int]
    startTime: str
    endTime: str


class V1Schedule(ResponseModel):
    id: int
    userId: int
    name: str
    timeZone: str | None
    availability: list[V1ScheduleRow]


class V1Owner(ResponseModel):
    userId: int


class V1Availability(ResponseModel):
    id: int
    startTime: str
    endTime: str
    date: str | None
    scheduleId: int | None
    days: list[int]
    Schedule: V1Owner
