"""The internal booking body Cal.com's API v1 create (and v2's legacy create) accepts, and its
translation into the create service's input. Shared by both routers so one parser serves both."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from calapi.bookings.commands import AttendeeInput, NewBooking
from calapi.core.errors import BadRequest
from calapi.core.wire import TimeZoneName
from calapi.event_types import custom_input_service


class LocationAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: str
    optionValue: str | None = None


class NameParts(BaseModel):
    """The name as Cal.com's booking form may send it (v2 legacy create accepts either form)."""

    model_config = ConfigDict(extra="ignore")

    firstName: str = Field(min_length=1)
    lastName: str = ""

    def full(self) -> str:
        return f"{self.firstName.strip()} {self.lastName.strip()}".strip()


class Responses(BaseModel):
    model_config = ConfigDict(extra="allow")  # custom booking-field answers by slug

    name: str | NameParts
    email: str
    location: LocationAnswer | str | None = None
    guests: list[str] | None = None
    notes: str | None = None


class CustomInputAnswer(BaseModel):
    """A legacy answer to an event type's custom input, by the input's label."""

    model_config = ConfigDict(extra="ignore")

    label: str = Field(max_length=255)
    value: str | bool | int | float


class CreateBookingV1(BaseModel):
    """v1's create body; not strict (unknown keys, like ``title`` or ``status``, are dropped)."""

    model_config = ConfigDict(extra="ignore")

    eventTypeId: int
    start: str
    end: str | None = None
    timeZone: TimeZoneName
    language: str
    metadata: dict[str, str]
    responses: Responses | None = None
    name: str | None = None
    email: str | None = None
    location: str | None = None
    guests: list[str] | None = None
    notes: str | None = None
    customInputs: list[CustomInputAnswer] | None = Field(default=None, max_length=100)
    recurringCount: int | None = Field(default=None, ge=1)

    @field_validator("eventTypeId", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("Bad request, eventTypeId must be a number")
        return value


def to_new_booking(body: CreateBookingV1) -> NewBooking:
    legacy = {
        "name": body.name,
        "email": body.email,
        "location": body.location,
        "guests": body.guests,
        "notes": body.notes,
    }
    if body.responses is not None:
        if any(v is not None for v in legacy.values()) or body.customInputs is not None:
            raise BadRequest("Legacy Props: name,email,location,guests,notes. They can't be used with `responses`")
        answers = body.responses.model_dump(exclude_none=True)
    elif body.name is not None and body.email is not None:
        # Custom inputs were answered by label; a booking's responses hold them by the label's slug.
        custom = {custom_input_service.answer_key(a.label): a.value for a in body.customInputs or []}
        answers = {k: v for k, v in custom.items() if k} | {k: v for k, v in legacy.items() if v is not None}
    else:
        raise BadRequest("invalid_type in 'responses': Required")
    name, email = answers.pop("name"), answers.pop("email")
    if isinstance(name, dict):  # {firstName, lastName}
        name = NameParts.model_validate(name).full()
    location = answers.pop("location", None)
    if isinstance(location, dict):
        location = location.get("optionValue") or location.get("value")
    guests = tuple(answers.pop("guests", None) or ())
    return NewBooking(
        start=body.start,
        attendee=AttendeeInput(name=name, time_zone=body.timeZone, email=email, language=body.language),
        event_type_id=body.eventTypeId,
        guests=guests,
        location=location,
        responses=answers,
        metadata=dict(body.metadata),
        recurrence_count=body.recurringCount,
        responses_field="responses",
    )
