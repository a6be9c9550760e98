"""Registers each domain's job handlers with the job loop (used by app.py and the worker command)."""

from __future__ import annotations

from calapi.config import Settings


def register_job_handlers(settings: Settings) -> None:
    """Domains that produce background work (webhooks, workflows, calendars) register here."""
    from calapi.calendars import refresh as calendar_refresh
    from calapi.calendars import sync as calendar_sync
    from calapi.calendars.settings import calendar_settings
    from calapi.payments import service as payments_service
    from calapi.webhooks import delivery as webhook_delivery
    from calapi.workflows import job_handlers as workflow_jobs

    # events.dispatch (fan-out of every domain event to its webhook subscriptions) and webhooks.deliver
    webhook_delivery.register(settings)
    # calendars.refresh (each connection's busy times) and calendars.write (bookings into calendars,
    # a job per booking event through the outbox)
    config = calendar_settings(settings)
    calendar_refresh.register(config)
    calendar_sync.register(config)
    # booking events → booking emails and workflow messages; reminders at their time
    workflow_jobs.register(settings)
    # payments.expire (an unpaid booking past its hold), and the payment provider from the settings
    payments_service.configure(settings)


def register_domain_hooks() -> None:
    """A lower domain that must call a higher one declares a hook; the higher one fills it here.

    Team event types follow memberships (teams -> event types); a profile's default schedule
    follows the profile (users -> schedules); a paid booking's money follows the booking
    (bookings -> payments); a booking needs the attendee's phone number when a workflow texting
    them says so (bookings -> workflows); an event type's ``destinationCalendar`` is checked and
    kept by the calendars room (event types -> calendars). Idempotent: each call replaces the
    registration.
    """
    from calapi.bookings.service import checks as booking_checks
    from calapi.bookings.service import payments as booking_payments
    from calapi.calendars import service as calendars_service
    from calapi.event_types import service as event_types_service
    from calapi.event_types import team_service as team_event_types
    from calapi.payments import service as payments_service
    from calapi.schedules import service as schedules_service
    from calapi.teams import service as teams_service
    from calapi.users import service as users_service
    from calapi.workflows import scope as workflow_scope

    booking_payments.use_payment_hooks(payments_service.hooks())
    teams_service.follow_memberships(
        joined=team_event_types.add_member_to_assign_all, left=team_event_types.remove_member
    )
    event_types_service.use_destination_calendars(calendars_service.follow_event_type_destination)
    event_types_service.read_destination_calendars(calendars_service.event_type_destinations)
    users_service.use_default_schedule_rules(
        users_service.DefaultScheduleRules(
            owns=schedules_service.owns, follow_time_zone=schedules_service.follow_profile_time_zone
        )
    )
    booking_checks.require_attendee_phone_when("workflows", workflow_scope.attendee_phone_required)
