"""Typed commands and presented answers: the two ends of a version-neutral service.

Every request body of the teams, users, webhooks and event types routers turns into its command
with each field it gave mapped onto a field of the command (a body field the command does not know
would be a 500, not a 400: checked here for every field, not only for those the HTTP tests send).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from calapi.core.api_schemas import ResponseModel
from calapi.core.commands import Changes
from calapi.core.presenters import wire
from calapi.event_types import schemas as event_type_schemas
from calapi.teams import v1 as teams_v1
from calapi.teams import v2 as teams_v2
from calapi.users import v1 as users_v1
from calapi.users import v2 as users_v2
from calapi.webhooks import v1 as webhooks_v1
from calapi.webhooks import v2 as webhooks_v2


@dataclass(frozen=True, kw_only=True)
class Sample(Changes):
    name: str | None = None
    size: int | None = None


def test_a_change_says_which_fields_it_gives() -> None:
    change = Sample.of(size=3)
    assert change.given("size") and not change.given("name")
    assert change.values() == {"size": 3}
    assert change.plus(name=None).values() == {"name": None, "size": 3}  # a given null stays given
    assert change.without("size").values() == {}


def test_a_change_refuses_a_field_it_does_not_have() -> None:
    with pytest.raises(TypeError):
        Sample(sent=frozenset({"colour"}))


def _every_field(body: type[BaseModel], **values: Any) -> BaseModel:
    """The body with every field given (unvalidated placeholders: only the names matter here)."""
    return body.model_construct(**{name: values.get(name, 1) for name in body.model_fields})


HOST = event_type_schemas.HostInput(userId=1)
TRIGGERS = ["BOOKING_CREATED"]
ET = event_type_schemas

# (body, its command, placeholders the command needs, body fields that are not the command's)
CASES: list[tuple[type[BaseModel], Any, dict[str, Any], set[str]]] = [
    (teams_v2.UpdateTeamInput, lambda body: body.to_changes(), {}, set()),
    (teams_v2.CreateTeamInput, lambda body: body.to_command().settings, {}, {"autoAcceptCreator"}),
    (teams_v2.UpdateMembershipInput, lambda body: body.to_changes(), {}, set()),
    (teams_v1.EditTeamV1, lambda body: body.to_changes(), {}, set()),
    (teams_v1.CreateTeamV1, lambda body: body.to_command().settings, {}, {"ownerId"}),
    (teams_v1.EditMembershipV1, lambda body: body.to_changes(), {}, set()),
    (users_v2.UpdateMeInput, lambda body: body.to_changes(), {}, set()),
    (users_v1.EditUserV1, lambda body: body.to_changes(admin=True), {}, set()),
    (users_v1.CreateUserV1, lambda body: body.to_changes(admin=True), {}, {"username"}),
    (webhooks_v2.UpdateWebhookInput, lambda body: body.to_changes(), {"triggers": TRIGGERS}, set()),
    (webhooks_v1.EditWebhookV1, lambda body: body.to_changes(), {"eventTriggers": TRIGGERS}, {"eventTypeId"}),
    (ET.UpdateEventTypeInput, lambda body: body.to_fields(), {}, set()),
    (
        ET.UpdateTeamEventTypeInput,
        lambda body: body.to_changes().fields,
        {"hosts": [HOST]},
        {"hosts", "assignAllTeamMembers"},
    ),
]


@pytest.mark.parametrize(
    ("body", "command", "placeholders", "not_the_commands"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_every_field_of_a_body_reaches_its_command(
    body: type[BaseModel], command: Any, placeholders: dict[str, Any], not_the_commands: set[str]
) -> None:
    built = command(_every_field(body, **placeholders))
    assert len(built.sent) == len(set(body.model_fields) - not_the_commands)


def test_new_commands_take_every_field_of_their_bodies() -> None:
    webhook = _every_field(webhooks_v2.CreateWebhookInput, triggers=TRIGGERS).to_command()
    assert webhook.triggers == ("BOOKING_CREATED",)
    v1_webhook = _every_field(webhooks_v1.CreateWebhookV1, eventTriggers=TRIGGERS).to_command()
    assert v1_webhook.triggers == ("BOOKING_CREATED",)
    team_event_type = _every_field(event_type_schemas.CreateTeamEventTypeInput, hosts=[HOST]).to_team_command()
    assert team_event_type.hosts[0].user_id == 1 and team_event_type.hosts[0].priority == 2
    fields = team_event_type.event_type.fields
    assert len(fields.sent) == len(event_type_schemas.CreateEventTypeInput.model_fields)


class Inner(ResponseModel):
    code: str


class Outer(ResponseModel):
    id: int
    note: str | None = None  # sent only when the presenter sets it
    inner: Inner
    items: list[Inner]
    extra: dict[str, Any]


def test_a_presented_model_is_sent_with_the_fields_given_in_the_order_given() -> None:
    shown = Outer.model_construct(
        items=[Inner.model_construct(code="b")],
        id=7,
        inner=Inner.model_construct(code="a"),
        extra={"k": [1]},
    )
    body = wire(shown)
    assert list(body) == ["items", "id", "inner", "extra"]
    assert body == {"items": [{"code": "b"}], "id": 7, "inner": {"code": "a"}, "extra": {"k": [1]}}
    assert shown.model_dump(mode="json") == body  # pydantic's own serializer agrees
    Outer.model_validate(body)  # and the answer matches its declaration
