"""Custom inputs: the questions an event type asks its bookers (API v1 ``/custom-inputs``).

A custom input belongs to an event type and so to the event type's owner: only personal event
types have them, and a caller reaches another user's input or event type as one that does not
exist (404). Each input is shown among the event type's booking fields, as the booking field
Cal.com turns it into (the slug of its label, ``text``/``textarea``/``number``/``boolean``/
``radio``/``phone``), and a booking answers it under that slug in its responses
(``booking_questions`` gives the booking checks what to enforce).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from calapi.core.errors import BadRequest, NotFound
from calapi.event_types.commands import CustomInputFields
from calapi.event_types.models import EventType, EventTypeCustomInput
from calapi.teams.service import slugify

TYPES = ("TEXT", "TEXTLONG", "NUMBER", "BOOL", "RADIO", "PHONE")
# The booking field type each input type is shown as.
FIELD_TYPES = {
    "TEXT": "text",
    "TEXTLONG": "textarea",
    "NUMBER": "number",
    "BOOL": "boolean",
    "RADIO": "radio",
    "PHONE": "phone",
}
# Slugs every event type's booking fields already use (its system fields).
_SYSTEM_SLUGS = frozenset(
    ("name", "email", "location", "title", "notes", "guests", "rescheduleReason", "attendeePhoneNumber")
)


def not_found(input_id: int) -> NotFound:
    return NotFound(f"EventTypeCustomInput with id: {input_id} not found")


def _event_type_not_found(event_type_id: int) -> NotFound:
    return NotFound(f"Event type with id: {event_type_id} not found")


@dataclass(frozen=True)
class BookingQuestion:
    """A custom input as a booking answers it: under ``slug`` in the booking's responses."""

    slug: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...]  # RADIO: the labels of its options


def answer_key(label: str) -> str:
    """Where a booking's responses hold the answer to the input labelled ``label`` ("" for a label
    with no letter or digit, whose key depends on its position)."""
    return slugify(label, empty="")


def _slug(label: str, kind: str, position: int) -> str:
    """The response key: the slug of the label, or of ``<type>-<position>`` for an unlabelled input."""
    return answer_key(label) or slugify(f"{kind}-{position}")


def _choices(options: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(str(option.get("label", "")) for option in options or [])


def booking_field(row: EventTypeCustomInput, position: int) -> dict[str, Any]:
    """The booking field an input is shown as (2024-06-14 shape); ``position``: 1 for the first."""
    kind = FIELD_TYPES.get(row.type, "text")
    field: dict[str, Any] = {
        "isDefault": False,
        "type": kind,
        "slug": _slug(row.label, row.type, position),
        "label": row.label,
        "required": row.required,
        "hidden": False,
    }
    if kind == "radio":
        field["options"] = list(_choices(row.options))
    elif kind != "boolean":
        field["placeholder"] = row.placeholder
    return field


def with_booking_fields(
    booking_fields: list[dict[str, Any]], rows: Iterable[EventTypeCustomInput]
) -> list[dict[str, Any]]:
    """An event type's booking fields followed by its custom inputs' (a booking field of the same
    slug is shown, not the input's)."""
    shown = {f.get("slug") for f in booking_fields}
    extra = [booking_field(row, position) for position, row in enumerate(rows, start=1)]
    return [*booking_fields, *(f for f in extra if f["slug"] not in shown)]


# --- reads -----------------------------------------------------------------------------------------

_OF_EVENT_TYPES = (
    select(EventTypeCustomInput)
    .where(EventTypeCustomInput.event_type_id.in_(bindparam("ids", expanding=True)))
    .order_by(EventTypeCustomInput.event_type_id, EventTypeCustomInput.id)
)


async def of_event_types(session: AsyncSession, event_type_ids: Iterable[int]) -> dict[int, list[EventTypeCustomInput]]:
    """The inputs of several event types, oldest first, in one statement."""
    ids = sorted(set(event_type_ids))
    found: dict[int, list[EventTypeCustomInput]] = {i: [] for i in ids}
    if ids:
        for row in await session.scalars(_OF_EVENT_TYPES, {"ids": ids}):
            found[row.event_type_id].append(row)
    return found


async def of_event_type(session: AsyncSession, event_type_id: int) -> list[EventTypeCustomInput]:
    return (await of_event_types(session, [event_type_id]))[event_type_id]


_QUESTIONS = (
    select(
        EventTypeCustomInput.label,
        EventTypeCustomInput.type,
        EventTypeCustomInput.required,
        EventTypeCustomInput.options,
    )
    .where(EventTypeCustomInput.event_type_id == bindparam("event_type_id"))
    .order_by(EventTypeCustomInput.id)
)


async def booking_questions(session: AsyncSession, event_type_id: int) -> list[BookingQuestion]:
    """What a booking of the event type must answer (one small statement: a booking's hot path)."""
    connection = await session.connection()
    rows = (await connection.execute(_QUESTIONS, {"event_type_id": event_type_id})).all()
    questions = []
    for position, (label, kind, required, options) in enumerate(rows, start=1):
        questions.append(BookingQuestion(_slug(label, kind, position), label, kind, bool(required), _choices(options)))
    return questions


async def list_inputs(session: AsyncSession, owner_id: int | None) -> list[EventTypeCustomInput]:
    """The inputs of ``owner_id``'s event types (None: everyone's, for a system admin), oldest first."""
    query = select(EventTypeCustomInput).order_by(EventTypeCustomInput.id)
    if owner_id is not None:
        query = query.join(EventType, EventType.id == EventTypeCustomInput.event_type_id).where(
            EventType.owner_id == owner_id
        )
    return list(await session.scalars(query))


async def owner_of(session: AsyncSession, input_id: int) -> int | None:
    """The owner of the input's event type (None: no such input)."""
    return await session.scalar(
        select(EventType.owner_id)
        .join(EventTypeCustomInput, EventTypeCustomInput.event_type_id == EventType.id)
        .where(EventTypeCustomInput.id == input_id)
    )


async def get(session: AsyncSession, owner_id: int, input_id: int) -> EventTypeCustomInput:
    """An input of ``owner_id``'s event types; any other id answers 404."""
    row = await session.get(EventTypeCustomInput, input_id)
    if row is None or await event_type_owner(session, row.event_type_id) != owner_id:
        raise not_found(input_id)
    return row


# --- writes ----------------------------------------------------------------------------------------


async def event_type_owner(session: AsyncSession, event_type_id: int) -> int | None:
    """The personal owner of an event type (None: no such event type, or a team's)."""
    return await session.scalar(select(EventType.owner_id).where(EventType.id == event_type_id))


async def _check_event_type(session: AsyncSession, owner_id: int, event_type_id: int) -> EventType:
    event_type = await session.get(EventType, event_type_id)
    if event_type is None or event_type.owner_id is None or event_type.owner_id != owner_id:
        raise _event_type_not_found(event_type_id)
    return event_type


def _check_options(row: EventTypeCustomInput) -> None:
    labels = _choices(row.options)
    if row.type == "RADIO" and not labels:
        raise BadRequest("custom in 'options': a RADIO custom input needs options, a non-empty list of {label, type}")
    if len(set(labels)) != len(labels):
        raise BadRequest("custom in 'options': two options have the same label; each label must be different")


async def _check_slug_free(session: AsyncSession, row: EventTypeCustomInput, event_type: EventType) -> None:
    """The input's answer key must not be taken by a booking field or another input of the event type."""
    others = [r for r in await of_event_type(session, event_type.id) if r.id != row.id]
    inputs = sorted([*others, row], key=lambda r: (r.id is None, r.id or 0))

    def slug_of(item: EventTypeCustomInput) -> str:
        return _slug(item.label, item.type, inputs.index(item) + 1)

    slug = slug_of(row)
    fields = {str(f.get("slug")) for f in event_type.booking_fields or []} | _SYSTEM_SLUGS
    taken_by_field = slug in fields
    taken_by_input = any(slug_of(r) == slug for r in others)
    if taken_by_field or taken_by_input:
        holder = "a booking field" if taken_by_field else "another custom input"
        raise BadRequest(
            f"custom in 'label': the label {row.label!r} is answered as {slug!r} in a booking's responses, which "
            f"{holder} of event type {event_type.id} already uses; choose another label"
        )


def _apply(row: EventTypeCustomInput, fields: CustomInputFields) -> None:
    for name, value in fields.values().items():
        setattr(row, name, value if name != "placeholder" or value is not None else "")


async def create(session: AsyncSession, owner_id: int, fields: CustomInputFields) -> EventTypeCustomInput:
    """A new input on one of ``owner_id``'s event types."""
    if fields.event_type_id is None or fields.label is None or fields.type is None or fields.required is None:
        raise ValueError("a new custom input needs an event type, a label, a type and whether it is required")
    event_type = await _check_event_type(session, owner_id, fields.event_type_id)
    row = EventTypeCustomInput(placeholder="", options=None)
    _apply(row, fields)
    _check_options(row)
    await _check_slug_free(session, row, event_type)
    session.add(row)
    await session.flush()
    return row


async def update(
    session: AsyncSession, owner_id: int, input_id: int, fields: CustomInputFields
) -> EventTypeCustomInput:
    """Change one of ``owner_id``'s inputs (moving it to another event type of theirs included)."""
    row = await get(session, owner_id, input_id)
    event_type = await _check_event_type(session, owner_id, fields.event_type_id or row.event_type_id)
    _apply(row, fields)
    _check_options(row)
    await _check_slug_free(session, row, event_type)
    await session.flush()
    return row


async def delete(session: AsyncSession, owner_id: int, input_id: int) -> None:
    await session.delete(await get(session, owner_id, input_id))
    await session.flush()
