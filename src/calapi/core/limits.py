"""Input limits: how much one request may make the server store and later send on.

A booking's notes, answers and guests are copied into every webhook body and every log entry
made for it, so an unbounded field is amplified. The numbers are settings (``CALAPI_BOOKING_*``);
every API version checks its input with the same ``InputLimits`` and answers 400 naming the setting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from calapi.config import Settings
from calapi.core.errors import BadRequest

# The shape class-validator's IsEmail and zod's email() agree on for practical addresses.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX_LENGTH = 320
LOCATION_MAX_LENGTH = 2048  # the width of the booking's location column


@dataclass(frozen=True)
class InputLimits:
    max_text_length: int = 10_000
    max_name_length: int = 255
    max_guests: int = 30
    max_response_keys: int = 200
    max_responses_bytes: int = 65_536

    @classmethod
    def of(cls, settings: Settings) -> InputLimits:
        return cls(
            max_text_length=settings.booking_max_text_length,
            max_name_length=settings.booking_max_name_length,
            max_guests=settings.booking_max_guests,
            max_response_keys=settings.booking_max_response_keys,
            max_responses_bytes=settings.booking_max_responses_bytes,
        )

    # ---- checks: each raises BadRequest naming the field, the limit and its setting

    def check_text(self, field: str, value: Any) -> None:
        if isinstance(value, str) and len(value) > self.max_text_length:
            raise BadRequest(
                f"{field} is {len(value)} characters long; at most {self.max_text_length} are allowed "
                f"(CALAPI_BOOKING_MAX_TEXT_LENGTH)."
            )

    def check_email(self, field: str, value: str | None) -> None:
        if value is not None and (len(value) > EMAIL_MAX_LENGTH or not EMAIL.match(value)):
            raise BadRequest(
                f"{field} must be an email address of at most {EMAIL_MAX_LENGTH} characters, got {value[:64]!r}."
            )

    def check_location(self, field: str, value: Any) -> None:
        if isinstance(value, str) and len(value) > LOCATION_MAX_LENGTH:
            raise BadRequest(f"{field} is {len(value)} characters long; at most {LOCATION_MAX_LENGTH} are allowed.")

    def check_name(self, field: str, value: str) -> None:
        if len(value) > self.max_name_length:
            raise BadRequest(
                f"{field} is {len(value)} characters long; at most {self.max_name_length} are allowed "
                f"(CALAPI_BOOKING_MAX_NAME_LENGTH)."
            )

    def check_guests(self, field: str, guests: Iterable[Any]) -> None:
        listed = list(guests)
        if len(listed) > self.max_guests:
            raise BadRequest(
                f"{field} lists {len(listed)} guests; at most {self.max_guests} are allowed per booking (CALAPI_BOOKING_MAX_GUESTS)."
            )
        for index, guest in enumerate(listed):
            if not isinstance(guest, str) or len(guest) > EMAIL_MAX_LENGTH or not EMAIL.match(guest):
                shown = guest[:64] if isinstance(guest, str) else guest
                raise BadRequest(f"{field}[{index}] must be an email address, got {shown!r}.")

    @property
    def max_attendees(self) -> int:
        """Attendees one booking may hold: its booker and ``max_guests`` guests (what a webhook's
        largest body is sized for)."""
        return 1 + self.max_guests

    def check_attendee_added(self, booking_id: int, attendees_now: int) -> None:
        """Whether one more attendee fits on a booking that holds ``attendees_now``."""
        if attendees_now >= self.max_attendees:
            raise BadRequest(
                f"Booking {booking_id} has {attendees_now} attendees; at most {self.max_attendees} are allowed per "
                f"booking (the booker and CALAPI_BOOKING_MAX_GUESTS guests)."
            )

    def check_responses(self, field: str, responses: Mapping[str, Any]) -> None:
        """Key count, encoded size, and every free-text answer's length (``notes`` among them)."""
        if len(responses) > self.max_response_keys:
            raise BadRequest(
                f"{field} has {len(responses)} keys; at most {self.max_response_keys} are allowed "
                f"(CALAPI_BOOKING_MAX_RESPONSE_KEYS)."
            )
        for key, value in responses.items():
            self.check_text(f"{field}.{key}", value)
        size = encoded_size(responses)
        if size > self.max_responses_bytes:
            raise BadRequest(
                f"{field} is {size} bytes as JSON; at most {self.max_responses_bytes} are allowed "
                f"(CALAPI_BOOKING_MAX_RESPONSES_BYTES)."
            )


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON, as it is stored and sent."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())


def limits_of(request: Request) -> InputLimits:
    return InputLimits.of(request.app.state.settings)


async def input_limits(request: Request) -> InputLimits:
    """The dependency (async: FastAPI would run a plain function in its thread pool, a thread hop
    per request)."""
    return limits_of(request)


InputLimitsDep = Annotated[InputLimits, Depends(input_limits)]
