"""The checks a new booking's input goes through, in Cal.com's words (contract §2.6.2).

Sizes first (``check_input_limits``: the same for every API version, before anything is read),
then the shape of each value, then what the event type asks for (its lengths and booking fields).
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from calapi.bookings.commands import AttendeeInput, NewBooking
from calapi.bookings.service.locations import is_phone_number
from calapi.core.errors import BadRequest
from calapi.core.limits import EMAIL, InputLimits
from calapi.core.wire import (
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
)
from calapi.event_types import custom_input_service
from calapi.event_types.custom_input_service import BookingQuestion
from calapi.event_types.models import EventType

NO_CONTACT = (
    "attendee email or phone property is wrong,Attendee must have at least one contact method (email or phone number) "
)
METADATA_RULE = (
    "metadata must be an object with up to 50 keys, each key name up to 40 characters, and values with a maximum "
    "length of 500 characters."
)
FIXED_LENGTH = (
    "Can't specify 'lengthInMinutes' because event type does not have multiple possible lengths. Please, remove the "
    "'lengthInMinutes' field from the request."
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")


def parse_start(value: str) -> datetime:
    """A strict ISO-8601 instant; no offset means UTC (Cal.com parses ``start`` in UTC)."""
    if not isinstance(value, str) or not _ISO.match(value):
        raise BadRequest(
            f"start property is wrong,start must be a valid ISO 8601 date string, got {str(value)[:64]!r} "
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"start property is wrong,start {value[:64]!r} is not a real date and time ") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_metadata(metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    ok = isinstance(metadata, dict) and len(metadata) <= METADATA_MAX_KEYS
    for key, value in metadata.items() if ok else ():
        if len(key) > METADATA_MAX_KEY_LENGTH or not (
            (isinstance(value, str) and len(value) <= METADATA_MAX_VALUE_LENGTH)
            or (isinstance(value, (int, float)) and not isinstance(value, bool))
            or isinstance(value, bool)
        ):
            ok = False
            break
    if not ok:
        raise BadRequest(METADATA_RULE)


def check_input_limits(new: NewBooking, limits: InputLimits) -> None:
    """Every size a booker controls, before anything is read or stored (the same for every API version)."""
    limits.check_name("attendee name", new.attendee.name)
    limits.check_guests("guests", new.guests)
    limits.check_responses(new.responses_field, new.responses)
    location = new.location.values() if isinstance(new.location, dict) else [new.location]
    for value in location:
        limits.check_location("location", value)


def check_attendee(attendee: AttendeeInput) -> None:
    if not attendee.email and not attendee.phone_number:
        raise BadRequest(NO_CONTACT)
    if attendee.email and not EMAIL.match(attendee.email):
        raise BadRequest("attendee.email property is wrong,email must be an email ")
    if attendee.phone_number and not is_phone_number(attendee.phone_number):
        raise BadRequest("attendee.phoneNumber property is wrong,phoneNumber must be a valid phone number ")


def duration(event_type: EventType, requested: int | None) -> int:
    options = list(event_type.length_in_minutes_options or [])
    variable = len(options) > 1 or (len(options) == 1 and options[0] != event_type.length_in_minutes)
    if requested is None:
        return event_type.length_in_minutes
    if not variable:
        raise BadRequest(FIXED_LENGTH)
    if requested != event_type.length_in_minutes and requested not in options:
        allowed = ", ".join(str(n) for n in sorted({event_type.length_in_minutes, *options}))
        raise BadRequest(
            f"Provided 'lengthInMinutes' is not one of the possible lengths for the event type. The possible lengths are: {allowed}"
        )
    return requested


_STRING_TYPES = ("phone", "address", "text", "textarea", "url")
_ARRAY_TYPES = ("multiemail", "multiselect", "checkbox")


def _js_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


MISSING_PHONE = (
    'Missing attendee phone number - it is required by the event type. Pass it as "attendee.phoneNumber" string '
    "in the request."
)

# Whether something above bookings needs the attendee's phone number for this event type (a
# workflow texting the attendee with ``phoneRequired``): registered at start-up by ``calapi.wiring``,
# since bookings cannot import the rooms that decide it.
PhoneRule = Callable[[AsyncSession, EventType], Awaitable[bool]]
_phone_rules: dict[str, PhoneRule] = {}


def require_attendee_phone_when(name: str, rule: PhoneRule) -> None:
    """Register (or replace) a rule that makes the attendee's phone number required."""
    _phone_rules[name] = rule


async def check_phone_required(session: AsyncSession, event_type: EventType, attendee: AttendeeInput) -> None:
    """400 when a registered rule needs the attendee's phone number and none was given."""
    if attendee.phone_number:
        return
    if not _phone_rules:
        raise RuntimeError("bookings have no phone rules: call calapi.wiring.register_domain_hooks() at start-up")
    for name in sorted(_phone_rules):
        if await _phone_rules[name](session, event_type):
            raise BadRequest(MISSING_PHONE)


def check_booking_fields(event_type: EventType, responses: dict[str, Any], attendee: AttendeeInput) -> None:
    for spec in event_type.booking_fields or []:
        slug = spec.get("slug")
        if spec.get("isDefault") and slug != "smsReminderNumber":
            if (
                slug == "attendeePhoneNumber"
                and spec.get("required")
                and not spec.get("hidden")
                and not attendee.phone_number
            ):
                raise BadRequest(MISSING_PHONE)
            continue
        kind = spec.get("type")
        value = responses.get(slug) if isinstance(slug, str) else None
        if value is None:
            if spec.get("required") and not spec.get("hidden"):
                raise BadRequest(
                    f"Missing required booking field response: {slug} - it is required by the event type. Pass it in "
                    f'"bookingFieldsResponses.{slug}".'
                )
            continue
        expected = (
            "string"
            if kind in _STRING_TYPES
            else "number"
            if kind == "number"
            else "boolean"
            if kind == "boolean"
            else "array"
            if kind in _ARRAY_TYPES
            else "string or number"
            if kind in ("select", "radio")
            else None
        )
        received = _js_type(value)
        if expected is not None and received not in expected.split(" or "):
            raise BadRequest(
                f"Invalid type for booking field '{slug}'. Expected type {expected} (compatible with field type '{kind}'), "
                f"but received {received}."
            )
        options = [str(o) for o in spec.get("options") or []]
        if options and kind in ("select", "radio", "multiselect", "checkbox"):
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in options:
                    raise BadRequest(
                        f"Invalid option '{item}' for booking field '{slug}'. Allowed options are: {', '.join(options)}."
                    )


def _custom_input_problem(question: BookingQuestion, value: Any) -> str | None:
    """What an answer to a custom input should have been (None: it is one)."""
    if question.type == "NUMBER":
        if isinstance(value, str):  # v1 forms sent numbers as text
            try:
                value = float(value)
            except ValueError:
                return "a number"
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "a number"
    if question.type == "BOOL":
        return None if isinstance(value, bool) else "a boolean (true or false)"
    if not isinstance(value, str):
        return "a string"
    if question.type == "PHONE" and not is_phone_number(value):
        return "a phone number in international format, like +14155550123"
    if question.type == "RADIO" and value not in question.choices:
        return f"one of its options ({', '.join(question.choices)})"
    return None


async def check_custom_inputs(session: AsyncSession, event_type_id: int, new: NewBooking) -> None:
    """The event type's custom inputs (API v1 ``/custom-inputs``): each required one answered and
    every answer of its input's type, under the slug of its label among the booking's responses.
    A required BOOL input is a box the booker must tick: false does not answer it."""
    for question in await custom_input_service.booking_questions(session, event_type_id):
        where = f'"{new.responses_field}.{question.slug}"'
        value = new.responses.get(question.slug)
        if value is None or value == "" or (question.required and value is False and question.type == "BOOL"):
            if question.required:
                answer = "true" if question.type == "BOOL" else "it"
                raise BadRequest(
                    f"Missing required custom input '{question.label}' ({question.type}) - it is required by the "
                    f"event type. Pass {answer} in {where}."
                )
            continue
        expected = _custom_input_problem(question, value)
        if expected is not None:
            shown = repr(value)[:64] if isinstance(value, str) else _js_type(value)
            raise BadRequest(
                f"Invalid answer to custom input '{question.label}' ({question.type}) in {where}: expected "
                f"{expected}, received {shown}."
            )
