"""Wire schemas of ``/v2/event-types`` (2024-06-14): the create/update body, validated by shape.

Rules that need the database or the stored row (slug taken, schedule owned, length options
containing the length on update, the e-mail booking field) are the service's.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from calapi.core.wire import EventTypeMetadata, WireModel, snake_case
from calapi.event_types.commands import (
    EventTypeFields,
    HostChoice,
    NewEventType,
    NewTeamEventType,
    TeamEventTypeChanges,
)

INTEGRATIONS = [
    "cal-video",
    "google-meet",
    "zoom",
    "whereby-video",
    "whatsapp-video",
    "webex-video",
    "telegram-video",
    "tandem",
    "sylaps-video",
    "skype-video",
    "sirius-video",
    "signal-video",
    "shimmer-video",
    "salesroom-video",
    "roam-video",
    "riverside-video",
    "ping-video",
    "office365-video",
    "mirotalk-video",
    "jitsi",
    "jelly-video",
    "jelly-conferencing",
    "huddle",
    "facetime-video",
    "element-call-video",
    "eightxeight-video",
    "discord-video",
    "demodesk-video",
    "campfire-video",
]
if TYPE_CHECKING:  # the checker cannot read a Literal built from a tuple
    Integration = str
else:
    Integration = Literal[tuple(INTEGRATIONS)]
Layout = Literal["month", "week", "column"]
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_SLUG = re.compile(r"^[^\s/?#%]+$")


def _check_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"must be an http(s) URL, got {value[:100]!r}")
    return value


def _check_hex(value: str) -> str:
    if not _HEX_COLOR.match(value):
        raise ValueError(f"must be a hex colour such as '#292929', got {value[:20]!r}")
    return value


Url = Annotated[str, AfterValidator(_check_url)]
HexColor = Annotated[str, AfterValidator(_check_hex)]


class Part(BaseModel):
    """A nested object: unknown keys dropped, as for whole bodies."""

    model_config = ConfigDict(extra="ignore")


class Disabled(Part):
    disabled: Literal[True]


def _enabled_or_disabled(value: Any) -> str:
    if isinstance(value, dict) and value.get("disabled") is True:
        return "disabled"
    if isinstance(value, BaseModel):
        return "disabled" if isinstance(value, Disabled) else "enabled"
    return "enabled"


def OrDisabled(model: type) -> Any:
    """``model`` or ``{"disabled": true}`` (Cal.com's way of switching a setting off)."""
    return Annotated[
        Annotated[model, Tag("enabled")] | Annotated[Disabled, Tag("disabled")],
        Discriminator(_enabled_or_disabled),
    ]


# --- locations ---------------------------------------------------------------------------------


class AddressLocation(Part):
    type: Literal["address"]
    address: str = Field(min_length=1, max_length=1000)
    public: bool


class LinkLocation(Part):
    type: Literal["link"]
    link: Url
    public: bool


class IntegrationLocation(Part):
    type: Literal["integration"]
    integration: Integration


class PhoneLocation(Part):
    type: Literal["phone"]
    phone: str = Field(min_length=3, max_length=64)
    public: bool


class AttendeeAddressLocation(Part):
    type: Literal["attendeeAddress"]


class AttendeePhoneLocation(Part):
    type: Literal["attendeePhone"]


class AttendeeDefinedLocation(Part):
    type: Literal["attendeeDefined"]


Location = Annotated[
    AddressLocation
    | LinkLocation
    | IntegrationLocation
    | PhoneLocation
    | AttendeeAddressLocation
    | AttendeePhoneLocation
    | AttendeeDefinedLocation,
    Field(discriminator="type"),
]

# --- booking fields ----------------------------------------------------------------------------

SYSTEM_FIELD_TYPES = ("name", "email")  # addressed by type
SYSTEM_FIELD_SLUGS = ("title", "location", "notes", "guests", "rescheduleReason")  # addressed by slug
PLAIN_CUSTOM_TYPES = ("phone", "address", "text", "number", "textarea", "multiemail", "url")
OPTION_TYPES = ("select", "multiselect", "checkbox", "radio")
CUSTOM_TYPES = (*PLAIN_CUSTOM_TYPES, *OPTION_TYPES, "boolean")


class SystemFieldInput(Part):
    """Customising a default field: name/email by ``type``, the others by ``slug``."""

    type: str | None = None
    slug: str | None = None
    label: str | None = Field(default=None, max_length=1000)
    placeholder: str | None = Field(default=None, max_length=1000)
    required: bool | None = None
    hidden: bool | None = None
    disableOnPrefill: bool | None = None


class CustomFieldInput(Part):
    type: Literal[CUSTOM_TYPES]  # type: ignore[valid-type]
    slug: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_-]+$")
    label: str = Field(min_length=1, max_length=1000)
    required: bool
    hidden: bool
    placeholder: str | None = Field(default=None, max_length=1000)
    options: list[str] | None = None
    disableOnPrefill: bool | None = None

    @model_validator(mode="after")
    def _per_type(self) -> CustomFieldInput:
        if self.type in OPTION_TYPES and not self.options:
            raise ValueError(f"a {self.type} field needs 'options', a non-empty list of strings")
        if self.type not in OPTION_TYPES and self.options is not None:
            raise ValueError(f"a {self.type} field takes no 'options'")
        if self.type in (*PLAIN_CUSTOM_TYPES, "select") and self.placeholder is None:
            raise ValueError(f"a {self.type} field needs 'placeholder' (it may be an empty string)")
        return self


def _system_or_custom(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "system" if isinstance(value, SystemFieldInput) else "custom"
    if isinstance(value, dict):
        if value.get("type") in SYSTEM_FIELD_TYPES and value.get("slug") in (None, value.get("type")):
            return "system"
        if value.get("slug") in SYSTEM_FIELD_SLUGS:
            return "system"
    return "custom"


BookingFieldInput = Annotated[
    Annotated[SystemFieldInput, Tag("system")] | Annotated[CustomFieldInput, Tag("custom")],
    Discriminator(_system_or_custom),
]

# --- the other structured settings -------------------------------------------------------------


class DaysWindow(Part):
    type: Literal["businessDays", "calendarDays"]
    value: int = Field(ge=1, le=3650)
    rolling: bool = False


class RangeWindow(Part):
    type: Literal["range"]
    value: list[date] = Field(min_length=2, max_length=2)

    @field_validator("value")
    @classmethod
    def _ordered(cls, value: list[date]) -> list[date]:
        if value[0] > value[1]:
            raise ValueError(f"the range starts {value[0]} after it ends {value[1]}")
        return value


def _window_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return {Disabled: "disabled", RangeWindow: "range"}.get(type(value), "days")
    if isinstance(value, dict):
        if value.get("disabled") is True:
            return "disabled"
        if value.get("type") == "range":
            return "range"
    return "days"


BookingWindow = Annotated[
    Annotated[DaysWindow, Tag("days")] | Annotated[RangeWindow, Tag("range")] | Annotated[Disabled, Tag("disabled")],
    Discriminator(_window_kind),
]

_PERIODS = ("day", "week", "month", "year")


class _Limits(Part):
    day: int | None = Field(default=None, ge=1)
    week: int | None = Field(default=None, ge=1)
    month: int | None = Field(default=None, ge=1)
    year: int | None = Field(default=None, ge=1)
    disabled: bool | None = None

    @model_validator(mode="after")
    def _ascending(self) -> _Limits:
        given = [(p, getattr(self, p)) for p in _PERIODS if getattr(self, p) is not None]
        for (short, a), (long, b) in itertools.pairwise(given):
            if a > b:
                raise ValueError(f"the {short} limit ({a}) must not be more than the {long} limit ({b})")
        if not given and self.disabled is not True:
            raise ValueError('give at least one of day, week, month, year, or {"disabled": true}')
        return self


class CountLimits(_Limits):
    pass


class DurationLimits(_Limits):
    @model_validator(mode="after")
    def _quarter_hours(self) -> DurationLimits:
        for period in _PERIODS:
            minutes = getattr(self, period)
            if minutes is not None and minutes % 15:
                raise ValueError(f"{period} is in minutes and must be a multiple of 15, got {minutes}")
        return self


class BookerLayouts(Part):
    defaultLayout: Layout
    enabledLayouts: list[Layout] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_enabled(self) -> BookerLayouts:
        if self.defaultLayout not in self.enabledLayouts:
            raise ValueError(f"defaultLayout {self.defaultLayout!r} must be one of enabledLayouts")
        return self


class NoticeThreshold(Part):
    unit: Literal["minutes", "hours"]
    count: int = Field(ge=1)


class ConfirmationPolicy(Part):
    type: Literal["always", "time"]
    noticeThreshold: NoticeThreshold | None = None
    blockUnconfirmedBookingsInBooker: bool

    @model_validator(mode="after")
    def _threshold(self) -> ConfirmationPolicy:
        if self.type == "time" and self.noticeThreshold is None:
            raise ValueError("noticeThreshold ({unit, count}) is required when type is 'time'")
        if self.type == "always":
            self.noticeThreshold = None  # meaningless for "always"; not echoed
        return self


class Recurrence(Part):
    interval: int = Field(ge=1)
    occurrences: int = Field(ge=1)
    frequency: Literal["yearly", "monthly", "weekly"]


MAX_SEATS = 1000


class Seats(Part):
    seatsPerTimeSlot: int = Field(ge=1, le=MAX_SEATS)
    showAttendeeInfo: bool
    showAvailabilityCount: bool


class Color(Part):
    lightThemeHex: HexColor
    darkThemeHex: HexColor


class DestinationCalendar(Part):
    integration: str = Field(min_length=1, max_length=255)
    externalId: str = Field(min_length=1, max_length=1000)


class CalVideoSettings(Part):
    disableRecordingForOrganizer: bool | None = None
    disableRecordingForGuests: bool | None = None
    redirectUrlOnExit: Url | None = None
    enableAutomaticRecordingForOrganizer: bool | None = None
    enableAutomaticTranscription: bool | None = None
    disableTranscriptionForGuests: bool | None = None
    disableTranscriptionForOrganizer: bool | None = None


class EmailSettings(Part):
    """The default booking emails turned off, to the attendees and to the hosts (workflow messages
    still go)."""

    disableStandardEmailsToAttendees: bool | None = None
    disableStandardEmailsToHosts: bool | None = None


Minutes = Annotated[int, Field(ge=0, le=525_600)]  # up to a year


# What a team event type's body gives besides the event type's own fields.
_NOT_EVENT_TYPE_FIELDS = frozenset({"schedulingType", "hosts", "assignAllTeamMembers"})


class UpdateEventTypeInput(WireModel):
    """Every field optional (PATCH); ``null`` counts as not sent."""

    lengthInMinutes: int | None = Field(default=None, ge=1, le=1440 * 31)
    lengthInMinutesOptions: list[Annotated[int, Field(ge=1, le=1440 * 31)]] | None = Field(default=None, min_length=1)
    title: str | None = Field(default=None, min_length=1, max_length=255)
    slug: str | None = Field(default=None, min_length=1, max_length=255, pattern=_SLUG.pattern)
    description: str | None = Field(default=None, max_length=10_000)
    locations: list[Location] | None = Field(default=None, max_length=50)
    bookingFields: list[BookingFieldInput] | None = Field(default=None, max_length=100)
    disableGuests: bool | None = None
    slotInterval: int | None = Field(default=None, ge=1, le=1440)
    minimumBookingNotice: Minutes | None = None
    beforeEventBuffer: Minutes | None = None
    afterEventBuffer: Minutes | None = None
    scheduleId: int | None = None
    bookingLimitsCount: OrDisabled(CountLimits) | None = None  # type: ignore[valid-type]
    onlyShowFirstAvailableSlot: bool | None = None
    bookingLimitsDuration: OrDisabled(DurationLimits) | None = None  # type: ignore[valid-type]
    bookingWindow: BookingWindow | None = None
    offsetStart: Minutes | None = None
    bookerLayouts: BookerLayouts | None = None
    confirmationPolicy: OrDisabled(ConfirmationPolicy) | None = None  # type: ignore[valid-type]
    recurrence: OrDisabled(Recurrence) | None = None  # type: ignore[valid-type]
    requiresBookerEmailVerification: bool | None = None
    hideCalendarNotes: bool | None = None
    lockTimeZoneToggleOnBookingPage: bool | None = None
    color: Color | None = None
    seats: OrDisabled(Seats) | None = None  # type: ignore[valid-type]
    customName: str | None = Field(default=None, max_length=1000)
    destinationCalendar: DestinationCalendar | None = None
    useDestinationCalendarEmail: bool | None = None
    hideCalendarEventDetails: bool | None = None
    successRedirectUrl: Url | None = None
    hideOrganizerEmail: bool | None = None
    calVideoSettings: CalVideoSettings | None = None
    hidden: bool | None = None
    bookingRequiresAuthentication: bool | None = None
    metadata: EventTypeMetadata | None = None
    emailSettings: EmailSettings | None = None

    def to_fields(self) -> EventTypeFields:
        """The fields sent (``null`` counts as not sent); structured settings as the JSON documents
        stored, their optional keys left out when absent."""
        given: dict[str, Any] = {}
        for name in self.model_fields_set - _NOT_EVENT_TYPE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json", exclude_none=True)
            elif isinstance(value, list):
                value = [v.model_dump(mode="json", exclude_none=True) if isinstance(v, BaseModel) else v for v in value]
            given[snake_case(name)] = value
        return EventTypeFields.of(**given)


class CreateEventTypeInput(UpdateEventTypeInput):
    lengthInMinutes: int = Field(ge=1, le=1440 * 31)
    title: str = Field(min_length=1, max_length=255)
    slug: str = Field(min_length=1, max_length=255, pattern=_SLUG.pattern)

    def to_command(self) -> NewEventType:
        return NewEventType(self.title, self.slug, self.lengthInMinutes, self.to_fields())


# --- team event types (/v2/teams/{teamId}/event-types) -----------------------------------------

# Wire name (and the stored enum names Cal.com also accepts) → stored name.
SCHEDULING_TYPES = {
    "collective": "COLLECTIVE",
    "roundRobin": "ROUND_ROBIN",
    "managed": "MANAGED",
    "COLLECTIVE": "COLLECTIVE",
    "ROUND_ROBIN": "ROUND_ROBIN",
    "MANAGED": "MANAGED",
}
PRIORITIES = {"lowest": 0, "low": 1, "medium": 2, "high": 3, "highest": 4}


def _scheduling_type(value: Any) -> str:
    if not isinstance(value, str) or value not in SCHEDULING_TYPES:
        raise ValueError(f"must be one of collective, roundRobin, managed, got {value!r}")
    return SCHEDULING_TYPES[value]


class HostInput(Part):
    userId: int = Field(ge=1)
    mandatory: bool = False
    priority: Literal["lowest", "low", "medium", "high", "highest"] = "medium"
    # Beyond Cal.com's v2: a round-robin weight (Cal.com keeps weights internal); default 100.
    weight: int | None = Field(default=None, ge=0, le=1_000_000)

    def to_choice(self) -> HostChoice:
        return HostChoice(self.userId, self.mandatory, PRIORITIES[self.priority], self.weight)


class UpdateTeamEventTypeInput(UpdateEventTypeInput):
    hosts: list[HostInput] | None = Field(default=None, max_length=1000)
    assignAllTeamMembers: bool | None = None

    @field_validator("hosts")
    @classmethod
    def _distinct_hosts(cls, hosts: list[HostInput] | None) -> list[HostInput] | None:
        seen: set[int] = set()
        for host in hosts or ():
            if host.userId in seen:
                raise ValueError(f"user {host.userId} is listed twice")
            seen.add(host.userId)
        return hosts

    def to_changes(self) -> TeamEventTypeChanges:
        return TeamEventTypeChanges(
            self.to_fields(),
            hosts=None if self.hosts is None else tuple(h.to_choice() for h in self.hosts),
            assign_all_team_members=self.assignAllTeamMembers,
        )


class CreateTeamEventTypeInput(UpdateTeamEventTypeInput, CreateEventTypeInput):
    schedulingType: Annotated[str, AfterValidator(_scheduling_type)]

    def to_team_command(self) -> NewTeamEventType:
        return NewTeamEventType(
            self.to_command(),
            self.schedulingType,
            hosts=tuple(h.to_choice() for h in self.hosts or ()),
            assign_all_team_members=bool(self.assignAllTeamMembers),
        )
