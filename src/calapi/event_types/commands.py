"""Typed input of the event types services, built by each API version's router from its request body.

The structured settings (locations, booking fields, booking window, limits, seats, confirmation
policy, recurrence …) are stored as JSON documents in the 2024-06-14 shape, whichever version
wrote them: the commands carry those documents as they are stored (``Document``); v1 and legacy
v2 routers translate their own shapes into them before validating with the 2024-06-14 schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calapi.core.commands import Changes

Document = dict[str, Any]  # a structured setting, as stored


@dataclass(frozen=True, kw_only=True)
class EventTypeFields(Changes):
    """The settings of an event type: on create, what is not given keeps Cal.com's defaults."""

    title: str | None = None
    slug: str | None = None
    description: str | None = None
    hidden: bool | None = None
    length_in_minutes: int | None = None
    length_in_minutes_options: list[int] | None = None
    slot_interval: int | None = None
    minimum_booking_notice: int | None = None
    before_event_buffer: int | None = None
    after_event_buffer: int | None = None
    offset_start: int | None = None
    only_show_first_available_slot: bool | None = None
    schedule_id: int | None = None
    booking_window: Document | None = None
    booking_limits_count: Document | None = None
    booking_limits_duration: Document | None = None
    locations: list[Document] | None = None
    booking_fields: list[Document] | None = None
    recurrence: Document | None = None
    seats: Document | None = None
    confirmation_policy: Document | None = None
    metadata: dict[str, Any] | None = None
    # {"disableStandardEmailsToAttendees", "disableStandardEmailsToHosts"}: the default booking emails off
    email_settings: Document | None = None
    # Kept and echoed; nothing calapi computes reads them.
    disable_guests: bool | None = None
    booker_layouts: Document | None = None
    requires_booker_email_verification: bool | None = None
    hide_calendar_notes: bool | None = None
    lock_time_zone_toggle_on_booking_page: bool | None = None
    color: Document | None = None
    custom_name: str | None = None
    destination_calendar: Document | None = None
    use_destination_calendar_email: bool | None = None
    hide_calendar_event_details: bool | None = None
    success_redirect_url: str | None = None
    hide_organizer_email: bool | None = None
    cal_video_settings: Document | None = None
    booking_requires_authentication: bool | None = None
    position: int | None = None  # API v1's
    time_zone: str | None = None  # API v1's


@dataclass(frozen=True)
class NewEventType:
    """What a new event type must have; ``fields`` (these three included) holds everything given."""

    title: str
    slug: str
    length_in_minutes: int
    fields: EventTypeFields

    @classmethod
    def of(cls, fields: EventTypeFields) -> NewEventType:
        """From a create body's fields, which every version's create schema checked for these three."""
        if fields.title is None or fields.slug is None or fields.length_in_minutes is None:
            raise ValueError("a new event type needs a title, a slug and a length")
        return cls(fields.title, fields.slug, fields.length_in_minutes, fields)


@dataclass(frozen=True)
class HostChoice:
    """A team event type's host, as a client picks it."""

    user_id: int
    mandatory: bool = False
    priority: int = 2  # 0 lowest … 4 highest
    weight: int | None = None  # round-robin weight; None: the default (100)


@dataclass(frozen=True)
class NewTeamEventType:
    event_type: NewEventType
    scheduling_type: str  # COLLECTIVE | ROUND_ROBIN | MANAGED
    hosts: tuple[HostChoice, ...] = ()
    assign_all_team_members: bool = False  # every accepted member hosts (``hosts`` is then ignored)


@dataclass(frozen=True)
class TeamEventTypeChanges:
    """A partial update: ``fields`` as for a personal event type; ``hosts`` (None: not given)
    replaces the hosts; the scheduling type is fixed at creation."""

    fields: EventTypeFields
    hosts: tuple[HostChoice, ...] | None = None
    assign_all_team_members: bool | None = None


@dataclass(frozen=True, kw_only=True)
class CustomInputFields(Changes):
    """A custom input's settings (API v1 ``/custom-inputs``); on create, ``event_type_id``,
    ``label``, ``type`` and ``required`` are given."""

    event_type_id: int | None = None
    label: str | None = None
    type: str | None = None  # TEXT | TEXTLONG | NUMBER | BOOL | RADIO | PHONE
    required: bool | None = None
    placeholder: str | None = None
    options: list[Document] | None = None  # RADIO's choices: [{"label": …, "type": …}]
