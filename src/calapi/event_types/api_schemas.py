"""Declared response bodies of event types (v2 2024-06-14 personal and team)."""

from __future__ import annotations

from typing import Any

from calapi.core.api_schemas import ResponseModel


class EventTypeUser(ResponseModel):
    id: int
    name: str | None
    username: str | None
    avatarUrl: str | None
    brandColor: str
    darkBrandColor: str
    weekStart: str | None
    metadata: dict[str, Any]


class EventTypeCommon(ResponseModel):
    """The fields every v2 event type carries; the optional ones appear only when set."""

    id: int
    lengthInMinutes: int
    lengthInMinutesOptions: list[int] | None = None
    title: str
    slug: str
    description: str
    locations: list[dict[str, Any]]
    bookingFields: list[dict[str, Any]]
    recurrence: dict[str, Any] | None
    disableGuests: bool
    slotInterval: int | None
    minimumBookingNotice: int
    beforeEventBuffer: int
    afterEventBuffer: int
    metadata: dict[str, Any]
    price: int
    currency: str
    lockTimeZoneToggleOnBookingPage: bool
    forwardParamsSuccessRedirect: bool
    successRedirectUrl: str | None
    isInstantEvent: bool
    scheduleId: int | None
    bookingLimitsCount: dict[str, Any] | None = None
    bookingLimitsDuration: dict[str, Any] | None = None
    onlyShowFirstAvailableSlot: bool
    offsetStart: int
    bookingWindow: dict[str, Any]
    bookerLayouts: dict[str, Any] | None = None
    confirmationPolicy: dict[str, Any]
    requiresBookerEmailVerification: bool
    hideCalendarNotes: bool
    color: dict[str, Any] | None = None
    seats: dict[str, Any]
    customName: str | None = None
    destinationCalendar: dict[str, Any] | None = None
    useDestinationCalendarEmail: bool
    hideCalendarEventDetails: bool
    hideOrganizerEmail: bool
    calVideoSettings: dict[str, Any] | None
    hidden: bool
    bookingRequiresAuthentication: bool


class EventType(EventTypeCommon):
    ownerId: int
    users: list[EventTypeUser]


class DeletedEventType(ResponseModel):
    id: int
    lengthInMinutes: int
    slug: str
    title: str


class TeamEventTypeHost(ResponseModel):
    userId: int
    name: str | None
    username: str | None
    avatarUrl: str | None
    mandatory: bool | None = None
    priority: str | None = None
    weight: int | None = None


class TeamSummary(ResponseModel):
    id: int
    name: str
    slug: str | None
    bannerUrl: str | None
    logoUrl: str | None
    weekStart: str | None
    brandColor: str | None
    darkBrandColor: str | None
    theme: str | None


class TeamEventType(EventTypeCommon):
    teamId: int
    ownerId: int | None
    parentEventTypeId: int | None
    hosts: list[TeamEventTypeHost]
    assignAllTeamMembers: bool | None
    schedulingType: str | None
    team: TeamSummary


class DeletedTeamEventType(ResponseModel):
    id: int
    title: str
