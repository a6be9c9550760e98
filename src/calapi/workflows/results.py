"""What the workflows service hands back: rows and plain data, never a wire shape."""

from __future__ import annotations

from dataclasses import dataclass

from calapi.workflows.models import Workflow, WorkflowStep


@dataclass(frozen=True)
class WorkflowResult:
    workflow: Workflow
    steps: tuple[WorkflowStep, ...]  # by step number
    event_type_ids: tuple[int, ...]  # where it is active (empty when active on all)


@dataclass(frozen=True)
class StepPreview:
    step_id: int
    step_number: int
    action: str
    channel: str
    recipient: str | None  # None: nobody to send to for this booking (an attendee without a number)
    subject: str
    html: str | None  # email steps
    text: str


@dataclass(frozen=True)
class PreviewResult:
    booking_uid: str
    steps: tuple[StepPreview, ...]
