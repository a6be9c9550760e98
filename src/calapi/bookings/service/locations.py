"""Where a new booking takes place: the booker's choice among its event type's locations, or free text.

The booking keeps the location's text (``Booking.location``) and, in its answers, how Cal.com
records its kind (``responses.location``: ``{value, optionValue}``).
"""

from __future__ import annotations

import re
from typing import Any

from calapi.core.errors import BadRequest
from calapi.event_types.models import EventType

# Booking location types → the ``{value}`` Cal.com stores in ``responses.location``.
_INTEGRATION_IDS = {
    "cal-video": "integrations:daily",
    "google-meet": "integrations:google:meet",
    "zoom": "integrations:zoom",
    "office365-video": "integrations:office365_video",
}
# Kinds the booker fills in: (the field of the location holding the text, how the answers record it).
_ATTENDEE_GIVEN = {
    "attendeeAddress": ("address", "attendeeInPerson"),
    "attendeePhone": ("phone", "phone"),
    "attendeeDefined": ("location", "somewhereElse"),
}
# Every kind a booking may choose; ``organizersDefaultApp`` is the organizer's to set, not the booker's.
_KINDS = frozenset({"address", "link", "phone", "integration", *_ATTENDEE_GIVEN})
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_URLISH = re.compile(r"^(https?://|www\.)", re.IGNORECASE)


def is_phone_number(text: str) -> bool:
    """An international number (+<country code><number>), spaces, dots, dashes and brackets aside."""
    return bool(_PHONE.match(re.sub(r"[\s().-]", "", text)))


def _integration_id(name: str) -> str:
    return _INTEGRATION_IDS.get(name, "integrations:" + name.removesuffix("-video").replace("-", "_"))


def _event_location(event_type: EventType, kind: str) -> dict[str, Any] | None:
    return next((loc for loc in (event_type.locations or []) if loc.get("type") == kind), None)


def resolve_location(
    event_type: EventType, given: dict[str, Any] | str | None, meeting_url: str | None
) -> tuple[str | None, dict[str, str] | None]:
    """(``booking.location`` text, ``responses.location`` as ``{value, optionValue}``)."""
    if given is None and meeting_url:
        given = meeting_url
    if isinstance(given, str):
        # Legacy string: accepted without checking the event type's locations (contract §2.6.2).
        text = given.strip()
        if _URLISH.match(text):
            return text, {"value": "link", "optionValue": text}
        if is_phone_number(text):
            return text, {"value": "phone", "optionValue": text}
        return text, {"value": "somewhereElse", "optionValue": text}
    locations = event_type.locations or []
    if given is None:
        # No choice made: the event type's first location, when it needs nothing from the booker.
        first = locations[0] if locations else None
        if first is None:
            return None, None
        given = {"type": first["type"], **({"integration": first["integration"]} if "integration" in first else {})}
        if first["type"] in ("attendeeAddress", "attendeePhone", "attendeeDefined"):
            return None, None
    kind = given.get("type")
    allowed_types = [loc.get("type") for loc in locations]
    matches = isinstance(kind, str) and kind in allowed_types and kind in _KINDS
    if kind == "integration":
        matches = any(
            loc.get("type") == "integration" and loc.get("integration") == given.get("integration") for loc in locations
        )
    if not matches or not isinstance(kind, str):
        listed = ", ".join(str(t) for t in allowed_types)
        raise BadRequest(
            f"Booking location with type {kind} not valid for event type with id={event_type.id}. The event type has "
            f"following location types: {listed}, and only these types are allowed for booking location."
        )
    configured = _event_location(event_type, kind) or {}
    if kind == "address":
        return configured.get("address"), {"value": "inPerson", "optionValue": ""}
    if kind == "link":
        return configured.get("link"), {"value": "link", "optionValue": ""}
    if kind == "phone":
        return configured.get("phone"), {"value": "userPhone", "optionValue": ""}
    if kind == "integration":
        ident = _integration_id(given["integration"])
        return ident, {"value": ident, "optionValue": ""}
    key, value = _ATTENDEE_GIVEN[kind]
    answer = given.get(key)
    if not isinstance(answer, str) or not answer.strip():
        raise BadRequest(f"location.{key} property is wrong,{key} is required for a location of type {kind} ")
    return answer, {"value": value, "optionValue": answer}
