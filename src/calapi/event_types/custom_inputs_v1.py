"""API v1 ``/custom-inputs`` (``?apiKey=``): an event type's booking questions, over the custom
input service.

Bodies are strict, as Cal.com's schemas are (an unknown key is 400 ``Unrecognized key(s)``). A
caller acts on the inputs of their own event types; a system admin on anyone's. Another user's
input or event type id answers as one that does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from calapi.core import authorization, v1
from calapi.core.api_schemas import V1Message, declare, v1_created, v1_one
from calapi.core.auth import Principal, V1Principal
from calapi.core.presenters import wire, wire_all
from calapi.db import SessionDep
from calapi.event_types import api_schemas as declared
from calapi.event_types import custom_input_service as service
from calapi.event_types.commands import CustomInputFields
from calapi.event_types.models import EventTypeCustomInput

router = v1.v1_router(tags=["v1 Custom inputs"])

EventTypeId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
InputType = Literal["TEXT", "TEXTLONG", "NUMBER", "BOOL", "RADIO", "PHONE"]
Label = Annotated[str, Field(max_length=255)]


def present(row: EventTypeCustomInput) -> declared.V1CustomInput:
    return declared.V1CustomInput.model_construct(
        id=row.id,
        eventTypeId=row.event_type_id,
        label=row.label,
        type=row.type,
        options=None
        if row.options is None
        else [declared.V1CustomInputOption.model_construct(label=o["label"], type=o["type"]) for o in row.options],
        required=row.required,
        placeholder=row.placeholder,
    )


_FIELD_NAMES = {
    "eventTypeId": "event_type_id",
    "label": "label",
    "type": "type",
    "required": "required",
    "placeholder": "placeholder",
}


class OptionV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Label
    type: Annotated[str, Field(max_length=64)]


class EditCustomInputV1(BaseModel):
    """PATCH body: every field optional (``options`` may be null: no options)."""

    model_config = ConfigDict(extra="forbid")

    eventTypeId: EventTypeId | None = None
    label: Label | None = None
    type: InputType | None = None
    required: StrictBool | None = None
    placeholder: Label | None = None
    options: Annotated[list[OptionV1], Field(max_length=100)] | None = None

    def to_fields(self) -> CustomInputFields:
        """The fields the body gives (a null other than ``options`` gives nothing)."""
        values: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "options":
                values["options"] = None if value is None else [o.model_dump() for o in value]
            elif value is not None:
                values[_FIELD_NAMES[name]] = value
        return CustomInputFields.of(**values)


class CustomInputV1(EditCustomInputV1):
    """POST body: Cal.com's columns, all required but ``options``."""

    eventTypeId: EventTypeId
    label: Label
    type: InputType
    required: StrictBool
    placeholder: Label


async def _owner(session: SessionDep, principal: Principal, input_id: int) -> int:
    """Whose input ``/{id}`` names (another user's answers as a missing one)."""
    missing = service.not_found(input_id)
    owner = await service.owner_of(session, input_id)
    return authorization.acting_owner(principal, owner, refusal=missing, missing=missing)


@router.get(
    "/custom-inputs",
    operation_id="v1_custom_inputs_list",
    **declare(v1_one("event_type_custom_inputs", list[declared.V1CustomInput])),
)
async def list_custom_inputs(principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    rows = await service.list_inputs(session, None if principal.is_admin else principal.user_id)
    return v1.many("event_type_custom_inputs", wire_all(present(r) for r in rows))


@router.post(
    "/custom-inputs",
    operation_id="v1_custom_inputs_create",
    **declare(v1_created("event_type_custom_input", declared.V1CustomInput)),
)
async def create_custom_input(body: CustomInputV1, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = principal.user_id
    if principal.is_admin:  # a system admin adds inputs to anyone's event type
        owner = await service.event_type_owner(session, body.eventTypeId) or owner
    row = await service.create(session, owner, body.to_fields())
    return v1.created("event_type_custom_input", wire(present(row)), "EventTypeCustomInput")


@router.get(
    "/custom-inputs/{id}",
    operation_id="v1_custom_inputs_get",
    **declare(v1_one("event_type_custom_input", declared.V1CustomInput)),
)
async def get_custom_input(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    return v1.one("event_type_custom_input", wire(present(await service.get(session, owner, id))))


@router.patch(
    "/custom-inputs/{id}",
    operation_id="v1_custom_inputs_update",
    **declare(v1_one("event_type_custom_input", declared.V1CustomInput)),
)
async def update_custom_input(
    id: int, body: EditCustomInputV1, principal: V1Principal, session: SessionDep
) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    row = await service.update(session, owner, id, body.to_fields())
    return v1.one("event_type_custom_input", wire(present(row)))


@router.delete("/custom-inputs/{id}", operation_id="v1_custom_inputs_delete", **declare(V1Message))
async def delete_custom_input(id: int, principal: V1Principal, session: SessionDep) -> dict[str, Any]:
    owner = await _owner(session, principal, id)
    await service.delete(session, owner, id)
    # Cal.com's wording for this one message (the thing's name reversed).
    return v1.deleted("CustomInputEventType", id)
