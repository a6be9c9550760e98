"""The workflow API: Cal.com's v2 event-type workflow shape at /v2/workflows (the caller's own) and
/v2/teams/{teamId}/workflows (team admins); what saving refuses; preview against a real booking."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from calapi.workflows.models import WorkflowStep
from tests.bookings.conftest import MONDAY, at, book, make_event_type, v2
from tests.conftest import BOTH_DATABASES
from tests.workflows.conftest import create_workflow, workflow_body


def refusal(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    return str(body["error"]["message"])


def sms_step(**fields: Any) -> dict[str, Any]:
    return {
        "stepNumber": 1,
        "action": "sms_number",
        "recipient": "phone_number",
        "template": "REMINDER",
        "sender": "Cal",
        "message": {"subject": "", "text": "{EVENT_NAME} at {EVENT_TIME}"},
        **fields,
    }


@BOTH_DATABASES
async def test_create_get_list_update_delete(app, client, alice, event_types):
    created = await create_workflow(
        client,
        alice,
        activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]},
        steps=[
            workflow_body()["steps"][0],
            {**sms_step(stepNumber=2, phone="+44 20 7946 0958"), "message": {"subject": "", "text": "See you"}},
            {
                "stepNumber": 3,
                "action": "email_host",
                "recipient": "const",
                "template": "custom",
                "sender": "",
                "includeCalendarEvent": True,
                "message": {"subject": "Booked: {ATTENDEE}", "html": "<b>{EVENT_NAME}</b>"},
            },
        ],
    )
    assert created["userId"] == alice.id and "teamId" not in created and created["type"] == "event-type"
    assert created["activation"] == {"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]}
    assert created["trigger"] == {"type": "beforeEvent", "offset": {"value": 10, "unit": "minute"}}
    email_step, text_step, host_step = created["steps"]
    assert (email_step["action"], email_step["recipient"], email_step["template"]) == (
        "email_attendee",
        "attendee",
        "reminder",
    )
    assert email_step["message"]["html"].startswith("<p>Hi {ATTENDEE_FIRST_NAME}")
    assert text_step == {
        "id": text_step["id"],
        "stepNumber": 2,
        "action": "sms_number",
        "recipient": "phone_number",
        "email": "",
        "phone": "+442079460958",
        "template": "reminder",
        "includeCalendarEvent": False,
        "sender": "Cal",
        "message": {"subject": "", "text": "See you"},
    }
    assert (host_step["recipient"], host_step["includeCalendarEvent"]) == ("const", True)

    workflow_id = created["id"]
    got = await client.get(f"/v2/workflows/{workflow_id}", headers=alice.headers)
    assert got.status_code == 200 and got.json()["data"] == created
    await create_workflow(client, alice, name="Second", trigger={"type": "newEvent"})
    listed = (await client.get("/v2/workflows", headers=alice.headers)).json()["data"]
    assert [w["name"] for w in listed] == ["Reminder", "Second"]
    assert listed[1]["trigger"] == {"type": "newEvent"}
    paged = (await client.get("/v2/workflows?take=1&skip=1", headers=alice.headers)).json()["data"]
    assert [w["name"] for w in paged] == ["Second"]

    changed = await client.patch(
        f"/v2/workflows/{workflow_id}",
        json={
            "name": "Day before",
            "trigger": {"type": "beforeEvent", "offset": {"value": 1, "unit": "day"}},
            "steps": [{**email_step, "message": {"subject": "Tomorrow", "html": "<p>{EVENT_NAME}</p>"}}],
        },
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    data = changed.json()["data"]
    assert data["name"] == "Day before" and data["trigger"]["offset"] == {"value": 1, "unit": "day"}
    assert [s["id"] for s in data["steps"]] == [email_step["id"]]  # kept by id; the others removed
    assert data["steps"][0]["message"] == {"subject": "Tomorrow", "html": "<p>{EVENT_NAME}</p>"}
    assert data["activation"] == created["activation"]
    async with app.state.sessionmaker() as session:
        assert len((await session.scalars(select(WorkflowStep))).all()) == 1 + len(listed[1]["steps"])

    deleted = await client.delete(f"/v2/workflows/{workflow_id}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {"status": "success"}
    assert refusal(await client.get(f"/v2/workflows/{workflow_id}", headers=alice.headers), 404) == (
        f"Workflow with id={workflow_id} not found"
    )


async def test_another_users_workflows_and_event_types_answer_404(app, client, alice, bob, event_types):
    mine = await create_workflow(client, alice)
    for method, path in (
        ("GET", f"/v2/workflows/{mine['id']}"),
        ("PATCH", f"/v2/workflows/{mine['id']}"),
        ("DELETE", f"/v2/workflows/{mine['id']}"),
        ("GET", f"/v2/workflows/{mine['id']}/messages"),
        ("POST", f"/v2/workflows/{mine['id']}/preview"),
    ):
        response = await client.request(method, path, json={} if method != "GET" else None, headers=bob.headers)
        assert refusal(response, 404) == f"Workflow with id={mine['id']} not found", (method, path)
    assert (await client.get("/v2/workflows", headers=bob.headers)).json()["data"] == []
    # A workflow on someone else's event type: as if it did not exist.
    body = workflow_body(activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]})
    response = await client.post("/v2/workflows", json=body, headers=bob.headers)
    assert refusal(response, 404) == f"Event type with id={event_types.regular} not found"
    response = await client.patch(
        f"/v2/workflows/{mine['id']}",
        json={"activation": {"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [987654]}},
        headers=alice.headers,
    )
    assert refusal(response, 404) == "Event type with id=987654 not found"
    assert (await client.get("/v2/workflows", headers={})).status_code == 401


async def test_saving_refuses_what_could_not_be_sent(app, client, alice, event_types):
    async def refused(**overrides: Any) -> str:
        return refusal(await client.post("/v2/workflows", json=workflow_body(**overrides), headers=alice.headers), 400)

    def step(**fields: Any) -> list[dict[str, Any]]:
        return [{**workflow_body()["steps"][0], **fields}]

    assert (
        await refused(steps=step(message={"subject": "Hi {ATENDEE_NAME}", "html": "x"}))
        == "steps[0].message.subject - unknown variable: {ATENDEE_NAME}"
    )
    assert await refused(steps=step(message={"subject": "x", "html": "On {EVENT_DATE_ddd at h:mma}"})) == (
        "steps[0].message.html - bad date format: 't' is not a dayjs format token (put literal text in "
        "[brackets], such as [at]): {EVENT_DATE_ddd at h:mma}"
    )
    assert (
        await refused(steps=[sms_step()]) == "steps[0].phone - is required for action sms_number (the number to text)"
    )
    assert await refused(steps=[sms_step(phone="12345")]) == (
        "steps[0].phone - must be an international number (+<country code><number>), got '12345'"
    )
    assert await refused(steps=[sms_step(verifiedPhoneId=7)]) == (
        "steps[0].phone - is required: this server has no verified resources; give the number itself"
    )
    assert await refused(steps=step(action="email_address", recipient="email")) == (
        "steps[0].email - is required for action email_address (the address to email)"
    )
    assert await refused(trigger={"type": "afterEvent"}) == "trigger.offset - is required for trigger type AFTER_EVENT"
    assert await refused(steps=[]) == "steps - Your workflow must contain at least one step."
    assert await refused(steps=step(template="custom", message={"subject": "x", "html": " "})) == (
        "steps[0].message.html - is required for the custom template"
    )
    assert "steps.0.action" in await refused(steps=step(action="whatsapp_number"))
    assert "trigger.type" in await refused(trigger={"type": "formSubmitted"})
    # A booking question of the event types concerned is a variable too.
    question = step(message={"subject": "{COMPANYSIZE}", "html": "x"})
    assert await refused(steps=question) == "steps[0].message.subject - unknown variable: {COMPANYSIZE}"
    asks = await make_event_type(
        client,
        alice,
        "asks",
        bookingFields=[
            {
                "type": "text",
                "slug": "company-size",
                "label": "Company size",
                "required": False,
                "hidden": False,
                "placeholder": "",
            }
        ],
    )
    elsewhere = {"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]}
    assert await refused(steps=question, activation=elsewhere) == (
        "steps[0].message.subject - unknown variable: {COMPANYSIZE}"
    )
    body = workflow_body(activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [asks]}, steps=question)
    assert (await client.post("/v2/workflows", json=body, headers=alice.headers)).status_code == 201


async def test_team_workflows_are_for_the_teams_admins(app, client, alice, bob, event_types):
    team = (await client.post("/v2/teams", json={"name": "Ops"}, headers=alice.headers)).json()["data"]
    team_type = await client.post(
        f"/v2/teams/{team['id']}/event-types",
        json={"lengthInMinutes": 30, "title": "Team call", "slug": "team-call", "schedulingType": "collective"},
        headers=v2(alice, "2024-06-14"),
    )
    assert team_type.status_code == 201, team_type.text
    team_type_id = team_type.json()["data"]["id"]
    body = workflow_body(activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [team_type_id]})
    created = await client.post(f"/v2/teams/{team['id']}/workflows", json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    workflow = created.json()["data"]
    assert workflow["teamId"] == team["id"] and "userId" not in workflow
    # Alice's personal event type is not the team's.
    personal = workflow_body(
        activation={"isActiveOnAllEventTypes": False, "activeOnEventTypeIds": [event_types.regular]}
    )
    response = await client.post(f"/v2/teams/{team['id']}/workflows", json=personal, headers=alice.headers)
    assert refusal(response, 404) == f"Event type with id={event_types.regular} not found"
    # Not a member: Cal.com's RolesGuard refusal; the personal routes do not reach a team's workflow.
    response = await client.get(f"/v2/teams/{team['id']}/workflows", headers=bob.headers)
    assert refusal(response, 403) == f"RolesGuard - User is not a member of the team with id={team['id']}."
    assert (await client.get(f"/v2/workflows/{workflow['id']}", headers=alice.headers)).status_code == 404
    listed = (await client.get(f"/v2/teams/{team['id']}/workflows", headers=alice.headers)).json()["data"]
    assert [w["id"] for w in listed] == [workflow["id"]]
    updated = await client.patch(
        f"/v2/teams/{team['id']}/workflows/{workflow['id']}", json={"name": "Renamed"}, headers=alice.headers
    )
    assert updated.status_code == 200 and updated.json()["data"]["name"] == "Renamed"
    other = (await client.post("/v2/teams", json={"name": "Other"}, headers=alice.headers)).json()["data"]
    response = await client.get(f"/v2/teams/{other['id']}/workflows/{workflow['id']}", headers=alice.headers)
    assert refusal(response, 404) == f"Workflow with id={workflow['id']} not found"
    deleted = await client.delete(f"/v2/teams/{team['id']}/workflows/{workflow['id']}", headers=alice.headers)
    assert deleted.json() == {"status": "success"}


async def test_preview_renders_each_step_against_a_real_booking(app, client, alice, bob, event_types):
    booking = (
        await book(
            client,
            event_types.regular,
            at(MONDAY, "10:00"),
            attendee={
                "name": "Jane <i>Booker</i>",
                "email": "jane@example.com",
                "timeZone": "America/New_York",
                "phoneNumber": "+15551234567",
            },
        )
    ).json()["data"]
    workflow = await create_workflow(
        client,
        alice,
        steps=[
            workflow_body()["steps"][0],
            {
                **sms_step(stepNumber=2, action="sms_attendee", recipient="attendee"),
                "message": {"subject": "", "text": "Hi {ATTENDEE_NAME} {EVENT_TIME_HH:mm}"},
            },
        ],
    )
    response = await client.post(
        f"/v2/workflows/{workflow['id']}/preview", json={"bookingUid": booking["uid"]}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    preview = response.json()["data"]
    assert preview["bookingUid"] == booking["uid"]
    email_step, text_step = preview["steps"]
    assert email_step["recipient"] == "jane@example.com" and email_step["channel"] == "email"
    assert (
        email_step["subject"] == "Reminder: Regular between Alice and Jane <i>Booker</i> at 6:00am (America/New_York)"
    )
    assert "Hi Jane, see you on Mon, Sep 5, 2050 6:00am." in email_step["html"]
    assert text_step == {
        "stepId": text_step["stepId"],
        "stepNumber": 2,
        "action": "sms_attendee",
        "channel": "sms",
        "recipient": "+15551234567",
        "subject": "",
        "html": None,
        "text": "Hi Jane <i>Booker</i> 06:00",
    }
    # Without a booking named: the caller's latest booking the workflow covers.
    latest = await client.post(f"/v2/workflows/{workflow['id']}/preview", headers=alice.headers)
    assert latest.status_code == 200 and latest.json()["data"]["bookingUid"] == booking["uid"]
    # Bob's booking is not Alice's to preview with.
    await client.post(
        "/v2/schedules", json={"name": "B", "timeZone": "UTC", "isDefault": True}, headers=v2(bob, "2024-06-11")
    )
    response = await client.post(
        f"/v2/workflows/{workflow['id']}/preview", json={"bookingUid": "nope"}, headers=alice.headers
    )
    assert refusal(response, 404) == "Booking with uid=nope not found"
