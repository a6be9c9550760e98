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
    emailSettings: dict[str, bool] | None = None  # when a default email is turned off


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


# --- the event type row of Cal.com's older shapes (legacy v2 2024-04-15/2024-06-11, API v1)


class StoredLocation(ResponseModel):
    """A location in Cal.com's stored shape (``{"type": "inPerson", "address": …}``)."""

    type: str
    link: str | None = None
    address: str | None = None
    hostPhoneNumber: str | None = None


class EventTypeRow(ResponseModel):
    """The fields both the legacy v2 and the v1 event type carry."""

    id: int
    title: str
    slug: str
    description: str | None
    length: int
    hidden: bool
    position: int
    userId: int | None
    teamId: int | None
    parentId: int | None
    schedulingType: str | None
    scheduleId: int | None
    timeZone: str | None
    bookingFields: list[dict[str, Any]]
    minimumBookingNotice: int
    beforeEventBuffer: int
    afterEventBuffer: int
    slotInterval: int | None
    periodType: str
    periodStartDate: str | None
    periodEndDate: str | None
    periodDays: int | None
    periodCountCalendarDays: bool | None
    requiresConfirmation: bool
    seatsPerTimeSlot: int | None
    seatsShowAttendees: bool
    seatsShowAvailabilityCount: bool
    onlyShowFirstAvailableSlot: bool
    bookingLimits: dict[str, int] | None
    durationLimits: dict[str, int] | None
    eventName: str | None
    successRedirectUrl: str | None
    disableGuests: bool
    hideCalendarNotes: bool
    metadata: dict[str, Any]
    price: int
    currency: str
    hashedLink: list[Any]
    children: list[Any]


class LegacyEventType(EventTypeRow):
    assignAllTeamMembers: bool
    locations: list[StoredLocation]
    offsetStart: int
    recurringEvent: dict[str, Any] | None
    lockTimeZoneToggleOnBookingPage: bool
    requiresBookerEmailVerification: bool
    managedBy: dict[str, Any]
    userIds: list[int]


class LegacyProfile(ResponseModel):
    slug: str | None
    name: str | None
    image: str


class LegacyGroupMetadata(ResponseModel):
    membershipCount: int
    readOnly: bool


class LegacyEventTypeGroup(ResponseModel):
    """The caller's own event types, then one group per team they belong to."""

    teamId: int | None
    parentId: int | None = None
    bookerUrl: str
    membershipRole: str | None
    profile: LegacyProfile
    metadata: LegacyGroupMetadata
    eventTypes: list[LegacyEventType]


class LegacyProfileEntry(LegacyProfile, LegacyGroupMetadata):
    teamId: int | None
    membershipRole: str | None


class LegacyEventTypeListing(ResponseModel):
    eventTypeGroups: list[LegacyEventTypeGroup]
    profiles: list[LegacyProfileEntry]
    allUsersAcrossAllEventTypes: dict[str, Any]


class LegacyEventTypeOne(ResponseModel):
    eventType: LegacyEventType


class LegacyDeletedEventType(ResponseModel):
    id: int
    length: int
    slug: str
    title: str


class V1CustomInputOption(ResponseModel):
    label: str
    type: str


class V1CustomInput(ResponseModel):
    """An event type's custom input, as API v1 answers it (every column)."""

    id: int
    eventTypeId: int
    label: str
    type: str
    options: list[V1CustomInputOption] | None
    required: bool
    placeholder: str


class V1RecurringEvent(ResponseModel):
    freq: int
    count: int
    interval: int


class V1Host(ResponseModel):
    userId: int
    isFixed: bool


class V1EventType(EventTypeRow):
    locations: list[StoredLocation] | None
    recurringEvent: V1RecurringEvent | None
    hosts: list[V1Host]
    customInputs: list[V1CustomInput]
    link: str | None
