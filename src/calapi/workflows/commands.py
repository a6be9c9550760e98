"""The typed input of the workflows domain (what a router hands the service, whatever the version)."""

from __future__ import annotations

from dataclasses import dataclass

from calapi.core.auth import Principal
from calapi.workflows.models import Action, Template, TimeUnit, Trigger


@dataclass(frozen=True)
class Owner:
    """Whose workflows a call acts on: the caller's own (``principal``; a system admin reaches
    every user's by id), or a team's (``team_id``, its admins checked by the route)."""

    principal: Principal | None = None
    team_id: int | None = None

    @classmethod
    def personal(cls, principal: Principal) -> Owner:
        return cls(principal=principal)

    @classmethod
    def team(cls, team_id: int) -> Owner:
        return cls(team_id=team_id)


@dataclass(frozen=True)
class Offset:
    value: int
    unit: TimeUnit


@dataclass(frozen=True)
class StepSpec:
    action: Action
    step_number: int
    template: Template
    sender: str
    subject: str
    body: str  # HTML for email steps, text for SMS steps
    include_calendar_event: bool = False
    phone_required: bool = False
    send_to: str | None = None  # the address of EMAIL_ADDRESS, the number of SMS_NUMBER
    id: int | None = None  # an update naming a step it keeps


@dataclass(frozen=True)
class NewWorkflow:
    name: str
    trigger: Trigger
    offset: Offset | None
    active_on_all: bool
    event_type_ids: tuple[int, ...]
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True)
class TriggerChange:
    trigger: Trigger
    offset: Offset | None


@dataclass(frozen=True)
class WorkflowChanges:
    """An update: None leaves a part as it is; ``steps`` replaces the whole list."""

    name: str | None = None
    trigger: TriggerChange | None = None
    active_on_all: bool | None = None
    event_type_ids: tuple[int, ...] | None = None
    steps: tuple[StepSpec, ...] | None = None


@dataclass(frozen=True)
class Page:
    take: int
    skip: int
